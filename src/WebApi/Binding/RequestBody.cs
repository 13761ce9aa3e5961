using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
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
    /// Reads a multipart body (chunked or not, quoted boundary or not) with ASP.NET's multipart parser
    /// (<see cref="MultipartReader"/>, the one under <c>ReadFormAsync</c>) and its default limits: 16 headers of at most
    /// 16 KB per part, 1024 parts, 4 MB per field value. The whole body is at most <see cref="ApiOptions.MaxRequestSize"/>
    /// (413 code 0 beyond); a body it cannot parse (<see cref="InvalidDataException"/>, Spring's MultipartException) is
    /// 400 code 0, as is a multipart type without a boundary, which the JS SDK sends for files given by path. A part
    /// with a <c>filename</c> parameter is a file even when the name is empty, as Spring reads it (<c>ReadFormAsync</c>
    /// would make it a field); other <c>form-data</c> parts are fields, repeated ones accumulate.
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

        if (request.ContentLength == 0)
        {
            return FormCollection.Empty;  // as ASP.NET reads it; the endpoint then reports the missing part (code 34)
        }

        var reader = new MultipartReader(boundary.ToString(), request.Body) { BodyLengthLimit = options.MaxRequestSize };
        var fields = new KeyValueAccumulator();
        var files = new FormFileCollection();
        var parts = 0;
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (++parts > FormReader.DefaultValueCountLimit)
            {
                throw new InvalidDataException($"More than {FormReader.DefaultValueCountLimit} multipart parts.");
            }

            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
            {
                await section.Body.DrainAsync(cancellationToken);
                continue;
            }

            var name = HeaderUtilities.RemoveQuotes(disposition.Name).ToString();
            if (disposition.FileName.HasValue || disposition.FileNameStar.HasValue)
            {
                var content = new MemoryStream();
                await section.Body.CopyToAsync(content, cancellationToken);
                var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar : HeaderUtilities.RemoveQuotes(disposition.FileName);
                files.Add(new FormFile(content, 0, content.Length, name, fileName.ToString())
                {
                    Headers = new HeaderDictionary(section.Headers ?? []),
                });
                continue;
            }

            var encoding = MediaTypeHeaderValue.TryParse(section.ContentType, out var partType) && partType.Encoding is { CodePage: not 65000 } declared
                ? declared
                : Encoding.UTF8;  // UTF-7 is never honoured, as in ASP.NET
            using var text = new StreamReader(section.Body, encoding, detectEncodingFromByteOrderMarks: true, bufferSize: 1024, leaveOpen: true);
            var value = await text.ReadToEndAsync(cancellationToken);
            if (value.Length > FormReader.DefaultValueLengthLimit)
            {
                throw new InvalidDataException($"Multipart field '{name}' is longer than {FormReader.DefaultValueLengthLimit} characters.");
            }

            fields.Append(name, value);
        }

        var form = new FormCollection(fields.HasValues ? fields.GetResults() : null, files);
        request.HttpContext.Features.Set<IFormFeature>(new FormFeature(form));
        return form;
    }

    /// <summary>Parses a JSON body into a document the caller disposes; malformed or empty JSON is 400 code 26.</summary>
    public static async Task<JsonDocument> ParseJsonAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            throw ApiErrors.InvalidJsonBody();
        }
    }

    /// <summary>
    /// A JSON string's value; one that is not text (an escaped unpaired surrogate, <c>"\ud800"</c>, which the reader refuses
    /// to turn into a string) is 400 code 26 like any other malformed body, not an unexpected failure.
    /// </summary>
    public static string? GetString(JsonElement element)
    {
        try
        {
            return element.GetString();
        }
        catch (InvalidOperationException) when (element.ValueKind == JsonValueKind.String)
        {
            throw ApiErrors.InvalidJsonBody();
        }
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
