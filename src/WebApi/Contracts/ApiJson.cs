using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CompreFace.WebApi.Contracts;

/// <summary>
/// CompreFace's wire JSON: snake_case keys, null fields omitted, unknown properties ignored on input. Dictionary
/// keys (plugin slugs) are written as they are. The utility endpoints that CompreFace answers in camelCase name
/// their keys explicitly with <see cref="JsonPropertyNameAttribute"/>.
/// </summary>
public static class ApiJson
{
    /// <summary>Options for reading request bodies and writing responses of the face API.</summary>
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Applies the face API's conventions to <paramref name="options"/>.</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.PropertyNameCaseInsensitive = true;

        // Jackson writes ' + < > & and non-ASCII as they are; the default encoder would send \u0027 and friends.
        // Responses are application/json, never inlined into HTML, so the relaxed encoder is safe here.
        options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

        // Web defaults accept "12" for numbers; Java's Jackson does too for doubles, but embeddings must be numbers.
        options.NumberHandling = JsonNumberHandling.Strict;

        // A face's plugin keys come from the worker's catalog, not from properties of ours.
        options.Converters.Add(new FaceJsonConverter());
        return options;
    }
}
