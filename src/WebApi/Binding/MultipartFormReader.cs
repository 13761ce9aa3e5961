using System.Buffers;
using System.Text;
using CompreFace.WebApi.Errors;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace CompreFace.WebApi.Binding;

/// <summary>
/// Reads a <c>multipart/form-data</c> body in one pass: the whole body goes into one pooled buffer (uploads are at most
/// <see cref="ApiOptions.MaxRequestSize"/> and were buffered in memory anyway), part boundaries are found with the
/// vectorised <see cref="MemoryExtensions.IndexOf{T}(ReadOnlySpan{T}, ReadOnlySpan{T})"/>, and file parts are
/// <see cref="IFormFile"/> views over that buffer. ASP.NET's form reader scans the body through a 4 KB line reader and
/// copies every file into a buffering stream first; on a 540 KB photo that was a measurable share of the request
/// (<c>docs/performance.md</c>). Semantics follow ASP.NET's <c>FormFeature</c>, which the contract tests pin: a part
/// with a non-empty <c>filename</c> is a file, any other <c>form-data</c> part is a field, repeated fields accumulate,
/// field names are case-insensitive, an empty body is an empty form, and a malformed body is an <see cref="InvalidDataException"/> (400 code 0).
/// </summary>
public static class MultipartFormReader
{
    // ASP.NET's FormOptions defaults, kept so a hostile body is refused the same way.
    private const int MaxParts = 1024;
    private const int MaxHeaderBytes = 16 * 1024;
    private const int MaxFieldBytes = 4 * 1024 * 1024;
    private const int InitialChunkedCapacity = 64 * 1024;

    private static ReadOnlySpan<byte> CrLf => "\r\n"u8;

    private static ReadOnlySpan<byte> HeaderEnd => "\r\n\r\n"u8;

    /// <summary>
    /// Reads the body of <paramref name="request"/> (at most <paramref name="maxBodySize"/> bytes, else 413) and parses it
    /// with <paramref name="boundary"/>. The buffer goes back to the pool when the response is disposed; the form is also
    /// set as the request's <see cref="IFormFeature"/>.
    /// </summary>
    public static async Task<IFormCollection> ReadAsync(
        HttpRequest request, string boundary, long maxBodySize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(boundary);
        var (buffer, length) = await ReadBodyAsync(request, (int)Math.Min(maxBodySize, Array.MaxLength - 1), cancellationToken);
        request.HttpContext.Response.RegisterForDispose(new PooledBuffer(buffer));
        var form = Parse(buffer, length, boundary);
        request.HttpContext.Features.Set<IFormFeature>(new FormFeature(form));
        return form;
    }

    /// <summary>Parses <paramref name="length"/> bytes of <paramref name="body"/>; file parts keep referencing it.</summary>
    public static FormCollection Parse(byte[] body, int length, string boundary)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentException.ThrowIfNullOrEmpty(boundary);
        if (length == 0)
        {
            return FormCollection.Empty;  // as ASP.NET reads it; the endpoint then reports the missing part (code 34)
        }

        var span = body.AsSpan(0, length);
        var dashBoundary = Encoding.ASCII.GetBytes("--" + boundary);
        var delimiter = Encoding.ASCII.GetBytes("\r\n--" + boundary);

        // The first boundary may open the body or follow a preamble.
        int position;
        if (span.StartsWith(dashBoundary))
        {
            position = dashBoundary.Length;
        }
        else
        {
            var first = span.IndexOf(delimiter);
            position = first >= 0 ? first + delimiter.Length : throw new InvalidDataException("No multipart boundary found.");
        }

        var fields = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        var files = new FormFileCollection();
        Stream? bodyStream = null;
        for (var parts = 0; ; parts++)
        {
            if (span[position..].StartsWith("--"u8))
            {
                break;  // the close delimiter; what follows is the epilogue
            }

            position = SkipTransportPadding(span, position);
            var headers = ReadHeaders(span, ref position);
            var contentLength = span[position..].IndexOf(delimiter);
            if (contentLength < 0)
            {
                throw new InvalidDataException("Unexpected end of the multipart body.");
            }

            if (parts >= MaxParts)
            {
                throw new InvalidDataException($"More than {MaxParts} multipart parts.");
            }

            AddPart(headers, body, position, contentLength, fields, files, ref bodyStream);
            position += contentLength + delimiter.Length;
        }

        return new FormCollection(fields, files);
    }

    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpRequest request, int maxBodySize, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBodySize)
        {
            throw ApiErrors.RequestTooLarge(maxBodySize);
        }

        // One spare byte so the read that sees the end of a Content-Length body never needs a bigger buffer.
        var capacity = request.ContentLength is { } declared ? (int)declared + 1 : InitialChunkedCapacity;
        var buffer = ArrayPool<byte>.Shared.Rent(capacity);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxBodySize + 1L));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    return (buffer, length);
                }

                length += read;
                if (length > maxBodySize)
                {
                    throw ApiErrors.RequestTooLarge(maxBodySize);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>After a delimiter: optional spaces or tabs, then CRLF.</summary>
    private static int SkipTransportPadding(ReadOnlySpan<byte> span, int position)
    {
        while (position < span.Length && span[position] is (byte)' ' or (byte)'\t')
        {
            position++;
        }

        return span[position..].StartsWith(CrLf)
            ? position + CrLf.Length
            : throw new InvalidDataException("Malformed multipart boundary line.");
    }

    /// <summary>The part's header block up to the blank line; <paramref name="position"/> moves to the content.</summary>
    private static string ReadHeaders(ReadOnlySpan<byte> span, ref int position)
    {
        if (span[position..].StartsWith(CrLf))
        {
            position += CrLf.Length;
            return string.Empty;  // a part without headers
        }

        var window = span.Slice(position, Math.Min(span.Length - position, MaxHeaderBytes + HeaderEnd.Length));
        var end = window.IndexOf(HeaderEnd);
        if (end < 0)
        {
            throw new InvalidDataException("Multipart part headers are unterminated or too long.");
        }

        var headers = Encoding.UTF8.GetString(window[..end]);
        position += end + HeaderEnd.Length;
        return headers;
    }

    private static void AddPart(
        string headers,
        byte[] body,
        int offset,
        int length,
        Dictionary<string, StringValues> fields,
        FormFileCollection files,
        ref Stream? bodyStream)
    {
        string? dispositionValue = null;
        string? contentType = null;
        foreach (var line in headers.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var name = line.AsSpan(0, colon).Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals(HeaderNames.ContentDisposition, StringComparison.OrdinalIgnoreCase))
            {
                dispositionValue = value;
            }
            else if (name.Equals(HeaderNames.ContentType, StringComparison.OrdinalIgnoreCase))
            {
                contentType = value;
            }
        }

        if (!ContentDispositionHeaderValue.TryParse(dispositionValue, out var disposition)
            || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
        {
            return;  // not a form part: ASP.NET's reader skips it too
        }

        var fieldName = HeaderUtilities.RemoveQuotes(disposition.Name).ToString();
        var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar).ToString();
        if (fileName.Length == 0)
        {
            fileName = HeaderUtilities.RemoveQuotes(disposition.FileName).ToString();
        }

        if (fileName.Length > 0)
        {
            bodyStream ??= new MemoryStream(body, 0, body.Length, writable: false, publiclyVisible: true);
            var headerDictionary = new HeaderDictionary { [HeaderNames.ContentDisposition] = dispositionValue };
            if (contentType is not null)
            {
                headerDictionary[HeaderNames.ContentType] = contentType;
            }

            files.Add(new FormFile(bodyStream, offset, length, fieldName, fileName) { Headers = headerDictionary });
            return;
        }

        if (length > MaxFieldBytes)
        {
            throw new InvalidDataException($"Multipart field '{fieldName}' is longer than {MaxFieldBytes} bytes.");
        }

        var text = EncodingOf(contentType).GetString(body, offset, length);
        fields[fieldName] = fields.TryGetValue(fieldName, out var existing) ? StringValues.Concat(existing, text) : new StringValues(text);
    }

    /// <summary>The part's declared charset, UTF-8 otherwise (as ASP.NET's reader; UTF-7 is never honoured).</summary>
    private static Encoding EncodingOf(string? contentType)
    {
        if (MediaTypeHeaderValue.TryParse(contentType, out var mediaType) && mediaType.Encoding is { } encoding
            && encoding.CodePage != 65000)
        {
            return encoding;
        }

        return Encoding.UTF8;
    }

    /// <summary>Returns the body buffer to the pool when the response is disposed, after every reader of the form is done.</summary>
    private sealed class PooledBuffer(byte[] buffer) : IDisposable
    {
        public void Dispose() => ArrayPool<byte>.Shared.Return(buffer);
    }
}
