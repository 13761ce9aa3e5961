using System.Reflection;
using System.Text.Json;
using CompreFace.Grains.Interfaces;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace CompreFace.Grains.Tests;

/// <summary>
/// The positional records of <c>Grains.Interfaces</c> carry no per-parameter <c>[Id]</c>: Orleans numbers the primary
/// constructor's parameters by position (docs/decisions/0030-wire-contracts.md). These tests push every such record
/// (a generic one closed over a contract type) through the real serializer with a non-default value in every
/// parameter, so a parameter the serializer drops (or a record it cannot read back) fails here rather than as a
/// silently empty field on another node.
/// </summary>
public sealed class WireContractTests
{
    private static readonly Assembly Contracts = typeof(FaceRef).Assembly;

    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(Contracts))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    public static TheoryData<string> PositionalRecords()
    {
        var data = new TheoryData<string>();
        foreach (var type in PositionalRecordTypes())
        {
            data.Add(type.ToString());
        }

        return data;
    }

    [Fact]
    public void PositionalRecords_AreFound_IncludingNestedAndStructRecords()
    {
        var names = PositionalRecordTypes().Select(t => t.Name).ToList();

        Assert.Contains("JobInfo", names);
        Assert.Contains("ApplicationInfo", names);
        Assert.Contains("FacePoint", names);
        Assert.Contains("Page`1", names);
        Assert.True(names.Count >= 30, $"only {names.Count} positional records found");
    }

    [Theory]
    [MemberData(nameof(PositionalRecords))]
    public void PositionalRecord_OrleansRoundTrip_KeepsEveryParameter(string typeName)
    {
        var type = PositionalRecordTypes().Single(t => t.ToString() == typeName);
        var original = Sample(type, depth: 0);

        var bytes = Serializer.SerializeToArray(original);
        var copy = typeof(Serializer).GetMethod(nameof(Serializer.Deserialize), [typeof(byte[])])!
            .MakeGenericMethod(type)
            .Invoke(Serializer, [bytes]);

        Assert.NotNull(copy);
        foreach (var parameter in PrimaryConstructor(type).GetParameters())
        {
            var property = type.GetProperty(parameter.Name!)!;
            Assert.Equal(Json(property.GetValue(original)), Json(property.GetValue(copy)));
        }
    }

    private static string Json(object? value) => JsonSerializer.Serialize(value);

    private static IEnumerable<Type> PositionalRecordTypes() =>
        Contracts.GetTypes()
            .Where(t => t.GetCustomAttribute<GenerateSerializerAttribute>() is not null && !t.IsEnum)
            .Where(t => t.GetMethod("<Clone>$") is not null || (t.IsValueType && t.GetMethod("PrintMembers", BindingFlags.NonPublic | BindingFlags.Instance) is not null))
            .Select(t => t.IsGenericTypeDefinition ? t.MakeGenericType(typeof(FaceRef)) : t)
            .Where(t => PrimaryConstructor(t).GetParameters().Length > 0)
            .OrderBy(t => t.ToString(), StringComparer.Ordinal);

    /// <summary>The widest public constructor that is not the record's copy constructor.</summary>
    private static ConstructorInfo PrimaryConstructor(Type type) =>
        type.GetConstructors()
            .Where(c => !(c.GetParameters() is [var only] && only.ParameterType == type))
            .OrderByDescending(c => c.GetParameters().Length)
            .FirstOrDefault() ?? throw new InvalidOperationException($"{type} has no public constructor");

    /// <summary>A value of <paramref name="type"/> that is not its default, built from the parameter's position.</summary>
    private static object? Sample(Type type, int depth)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            return Sample(underlying, depth);
        }

        if (type == typeof(string))
        {
            return "text-" + depth;
        }

        if (type == typeof(Guid))
        {
            return Guid.NewGuid();
        }

        if (type == typeof(bool))
        {
            return true;
        }

        if (type == typeof(DateTime))
        {
            return new DateTime(2026, 12, 7, 4, 30, 0, DateTimeKind.Utc);
        }

        if (type == typeof(DateTimeOffset))
        {
            return new DateTimeOffset(2026, 12, 7, 4, 30, 0, TimeSpan.Zero);
        }

        if (type.IsEnum)
        {
            var values = Enum.GetValues(type);
            return values.GetValue(values.Length - 1);
        }

        if (type.IsPrimitive)
        {
            return Convert.ChangeType(7 + depth, type, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (type.IsArray)
        {
            var array = Array.CreateInstance(type.GetElementType()!, 2);
            array.SetValue(Sample(type.GetElementType()!, depth + 1), 0);
            array.SetValue(Sample(type.GetElementType()!, depth + 2), 1);
            return array;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            var element = type.GetGenericArguments()[0];
            var list = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
            list.Add(Sample(element, depth + 1));
            return list;
        }

        var constructor = PrimaryConstructor(type);
        return constructor.Invoke(constructor.GetParameters().Select((p, i) => Sample(p.ParameterType, depth + i + 1)).ToArray());
    }
}
