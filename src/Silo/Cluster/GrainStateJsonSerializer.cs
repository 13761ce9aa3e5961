using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.Storage;

namespace CompreFace.Silo.Cluster;

/// <summary>
/// The grain state serializer of the PostgreSQL mode: System.Text.Json in a versioned envelope,
/// <c>{"format":"cf-json/1","state":{…}}</c>, UTF-8 in the bytea column. No .NET type names are stored (unlike
/// Orleans' default Newtonsoft JSON with <c>$type</c>), so renaming or moving a state class does not break stored
/// rows; the property names are the contract. The format tag lets a later serializer read (and migrate) old rows.
/// </summary>
public sealed class GrainStateJsonSerializer : IGrainStorageSerializer
{
    /// <summary>The format tag written today.</summary>
    public const string Format = "cf-json/1";

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General);

    public BinaryData Serialize<T>(T? input)
    {
        var envelope = new JsonObject
        {
            ["format"] = Format,
            ["state"] = JsonSerializer.SerializeToNode(input, Options),
        };
        return new BinaryData(JsonSerializer.SerializeToUtf8Bytes(envelope, Options));
    }

    public T Deserialize<T>(BinaryData input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var envelope = JsonNode.Parse(input.ToMemory().Span) as JsonObject
            ?? throw new InvalidDataException("Stored grain state is not a JSON object.");
        var format = envelope["format"]?.GetValue<string>();
        if (!string.Equals(format, Format, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Stored grain state has format '{format}', and this build reads '{Format}'.");
        }

        return envelope["state"].Deserialize<T>(Options)!;
    }
}
