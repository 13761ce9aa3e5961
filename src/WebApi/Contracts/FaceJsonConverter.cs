using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace CompreFace.WebApi.Contracts;

/// <summary>
/// Writes a face (<see cref="FaceDto"/> and the shapes derived from it) as System.Text.Json's own contract would, with
/// one difference: <see cref="FaceDto.Plugins"/> is not a key of its own, each of its entries is written in its place
/// as a key of the face, its value the worker's JSON as it is. So a plugin reaches the client without a property or a
/// line here, in the position CompreFace gives plugin keys (after the derived shape's keys and <c>box</c>).
/// </summary>
public sealed class FaceJsonConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeof(FaceDto).IsAssignableFrom(typeToConvert);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // The contract (names, order, ignored members) of the type as the serializer would write it without this converter.
        var plain = new JsonSerializerOptions(options);
        foreach (var converter in plain.Converters.OfType<FaceJsonConverter>().ToArray())
        {
            plain.Converters.Remove(converter);
        }

        var properties = plain.GetTypeInfo(typeToConvert).Properties.ToArray();
        return (JsonConverter)Activator.CreateInstance(typeof(Writer<>).MakeGenericType(typeToConvert), [properties])!;
    }

    private sealed class Writer<T>(JsonPropertyInfo[] properties) : JsonConverter<T>
        where T : FaceDto
    {
        private readonly int _plugins = Array.FindIndex(properties, static p =>
            p.AttributeProvider is PropertyInfo { Name: nameof(FaceDto.Plugins) } info && info.DeclaringType == typeof(FaceDto));

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("Faces are only written.");

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStartObject();
            for (var i = 0; i < properties.Length; i++)
            {
                var property = properties[i];
                var member = property.Get!(value);
                if (i == _plugins)
                {
                    foreach (var plugin in (IReadOnlyList<PluginValue>)member!)
                    {
                        writer.WritePropertyName(plugin.Slug);
                        writer.WriteRawValue(plugin.Json, skipInputValidation: true);
                    }
                }
                else if (member is not null || options.DefaultIgnoreCondition != JsonIgnoreCondition.WhenWritingNull)
                {
                    writer.WritePropertyName(property.Name);
                    JsonSerializer.Serialize(writer, member, property.PropertyType, options);
                }
            }

            writer.WriteEndObject();
        }
    }
}
