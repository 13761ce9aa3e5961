using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Net.Http.Headers;

namespace CompreFace.WebApi.Admin;

/// <summary>
/// The admin API's JSON (docs/compreface-behaviour.md#admin-api): camelCase, nulls written (the UI reads <c>role: null</c>), strict numbers. Its own
/// options because the host default is the face API's snake_case; admin handlers read and write bodies through these.
/// </summary>
internal static class AdminJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Reads a JSON body; malformed JSON becomes code 26 through the error handler, an empty or null body code 26 here.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);

        // Spring's @RequestBody consumes JSON only. It matters beyond compatibility: a cross-site HTML form can send
        // text/plain, urlencoded or multipart without a CORS preflight, never application/json (CSRF).
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !(mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                 || mediaType.MediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)))
        {
            throw ApiErrors.UnsupportedMediaType(request.ContentType);
        }

        if (request.ContentLength == 0)
        {
            throw ApiErrors.InvalidJsonBody();
        }

        return await JsonSerializer.DeserializeAsync<T>(request.Body, Options, cancellationToken) ?? throw ApiErrors.InvalidJsonBody();
    }

    /// <summary>A JSON response in the admin conventions.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<T> Result<T>(T value, int statusCode = StatusCodes.Status200OK) =>
        TypedResults.Json(value, Options, statusCode: statusCode);
}
