using Microsoft.Net.Http.Headers;

namespace CompreFace.WebApi.Admin;

/// <summary>
/// Cross-site request forgery guard of <c>/admin</c>. The session is a cookie, so a page on another site could make
/// the browser send state-changing requests with it; SameSite=Lax alone still lets top-level form posts and sibling
/// subdomains through. An unsafe method is refused when the browser says the request is cross-site
/// (<c>Sec-Fetch-Site</c>) or names another origin (<c>Origin</c>). Clients that send neither (SDKs, scripts, curl) are
/// not browsers carrying someone else's cookie, and pass; JSON bodies are enforced by <see cref="AdminJson.ReadAsync{T}"/>.
/// </summary>
internal static class AdminCsrf
{
    public static ValueTask<object?> CheckAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method)
            && IsCrossSite(request))
        {
            throw AdminErrors.CrossSiteRefused();
        }

        return next(context);
    }

    /// <summary>Whether the browser marks the request as coming from another site or origin.</summary>
    public static bool IsCrossSite(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite.Length > 0 && fetchSite is not ("same-origin" or "none"))
        {
            return true;   // same-site (a sibling subdomain) and cross-site are both refused
        }

        var origin = request.Headers[HeaderNames.Origin].ToString();
        if (origin.Length == 0)
        {
            return false;
        }

        // Scheme and host as the node sees them after the trusted-proxy headers are applied.
        return !Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            || !string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }
}
