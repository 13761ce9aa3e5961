using System.Text.Json;
using CompreFace.WebApi.Contracts;
using CompreFace.WebApi.Errors;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace CompreFace.WebApi.Binding;

/// <summary>What an image endpoint received.</summary>
public enum BodyKind
{
    /// <summary><c>multipart/form-data</c>.</summary>
    Multipart,

    /// <summary><c>application/json</c> (a charset is allowed).</summary>
    Json,
}

/// <summary>Content-type dispatch and body reading with CompreFace's errors.</summary>
public static class RequestBody
{
    /// <summary>The body kind; any type the endpoint does not consume, or none, is 415 (with the error JSON).</summary>
    public static BodyKind GetKind(HttpRequest request, bool acceptMultipart = true, bool acceptJson = true)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType))
        {
            if (acceptMultipart && mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                return BodyKind.Multipart;
            }

            if (acceptJson && mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            {
                return BodyKind.Json;
            }
        }

        throw ApiErrors.UnsupportedMediaType(mediaType?.MediaType.Value ?? request.ContentType);
    }

    /// <summary>
    /// Reads a multipart body (chunked or not, quoted boundary or not) with ASP.NET's form reader, under the limits
    /// <see cref="ApiExtensions.AddCompreFaceApi"/> gives it: the whole body at most <see cref="ApiOptions.MaxRequestSize"/>
    /// (413 code 0 beyond), parts, headers and field values within <see cref="Microsoft.AspNetCore.Http.Features.FormOptions"/>' defaults, anything it
    /// cannot parse 400 code 0 (<see cref="InvalidDataException"/>, Spring's MultipartException). A multipart type
    /// without a boundary, which the JS SDK sends for files given by path, is 400 code 0 as CompreFace answers it.
    /// </summary>
    public static async Task<IFormCollection> ReadMultipartAsync(HttpRequest request, ApiOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        var boundary = MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            ? HeaderUtilities.RemoveQuotes(mediaType.Boundary)
            : StringSegment.Empty;
        if (boundary.Length == 0)
        {
            throw ApiErrors.Generic();
        }

        if (request.ContentLength > options.MaxRequestSize)
        {
            throw ApiErrors.RequestTooLarge(options.MaxRequestSize);
        }

        return await request.ReadFormAsync(cancellationToken);
    }

    /// <summary>Reads a JSON body; malformed, empty or <c>null</c> JSON is 400 code 26.</summary>
    public static async Task<T> ReadJsonAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        T? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<T>(request.Body, ApiJson.Options, cancellationToken);
        }
        catch (JsonException)
        {
            throw ApiErrors.InvalidJsonBody();
        }

        return body ?? throw ApiErrors.InvalidJsonBody();
    }
}
