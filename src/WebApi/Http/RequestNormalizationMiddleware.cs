using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace CompreFace.WebApi.Http;

/// <summary>
/// Makes requests look the way Spring sees them (docs/compreface-behaviour.md#conventions, MUST): a trailing slash is dropped, empty query segments
/// (<c>?&amp;limit=0</c>) are ignored and a repeated parameter is joined with commas. Also enforces the request size
/// limit: a declared length over it is refused at once; a chunked body is cut off by the server's limit.
/// </summary>
internal sealed class RequestNormalizationMiddleware(RequestDelegate next, IOptions<ApiOptions> options)
{
    private readonly long _maxRequestSize = options.Value.MaxRequestSize;

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!ApiPaths.IsApi(request.Path))
        {
            return next(context);
        }

        var path = request.Path.Value;
        if (path is { Length: > 1 } && path[^1] == '/')
        {
            request.Path = new PathString(path.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : "/");
        }

        if (request.QueryString.HasValue)
        {
            request.Query = ParseQuery(request.QueryString.Value);
        }

        if (request.ContentLength > _maxRequestSize)
        {
            throw Errors.ApiErrors.RequestTooLarge(_maxRequestSize);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = _maxRequestSize;
        }

        return next(context);
    }

    /// <summary>Parses a raw query string: empty segments skipped, <c>+</c> and %-escapes decoded, repeats joined with commas.</summary>
    public static QueryCollection ParseQuery(string? queryString)
    {
        var values = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrEmpty(queryString))
        {
            return new QueryCollection(values);
        }

        var query = queryString.AsSpan();
        if (query[0] == '?')
        {
            query = query[1..];
        }

        foreach (var range in query.Split('&'))
        {
            var segment = query[range];
            if (segment.IsEmpty)
            {
                continue;
            }

            var equals = segment.IndexOf('=');
            var name = Decode(equals < 0 ? segment : segment[..equals]);
            if (name.Length == 0)
            {
                continue;
            }

            var value = equals < 0 ? string.Empty : Decode(segment[(equals + 1)..]);
            values[name] = values.TryGetValue(name, out var existing) ? new StringValues(existing.ToString() + "," + value) : new StringValues(value);
        }

        return new QueryCollection(values);
    }

    private static string Decode(ReadOnlySpan<char> text) => Uri.UnescapeDataString(text.ToString().Replace('+', ' '));
}
