using Microsoft.Net.Http.Headers;

namespace CompreFace.WebApi.Http;

/// <summary>
/// The browser-facing headers of every answer of the node (SECURITY.md, "Safe by default"): no MIME sniffing, no framing
/// by another site (clickjacking), no full URL in the Referer sent elsewhere, and a Content-Security-Policy. API answers
/// (<c>/api/v1</c>, <c>/admin</c>) carry names, emails and faces, so they are <c>Cache-Control: no-store</c> unless their
/// endpoint chose its own (photos: <c>private, no-store</c>): nothing of them stays in a browser's or a proxy's cache.
/// The headers are set when the response starts, so that nothing downstream (the exception handler clears the response)
/// can lose them, and only where the answer has not set its own (the web UI's files carry the UI's policy).
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    /// <summary>
    /// The web UI's policy (<c>WebUi/site</c>): its own scripts and styles only (no inline script or style attribute),
    /// pictures from the node or from blob URLs it made, requests to the node only, and no framing.
    /// </summary>
    public const string WebUiPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; media-src 'self' blob:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Everything else the node answers is data, never a page: nothing in it may run or load.</summary>
    private const string DataPolicy = "default-src 'none'; frame-ancestors 'none'";

    /// <summary>The API reference page (Scalar) runs an inline start-up script: only its framing is restricted.</summary>
    private const string DocsPolicy = "frame-ancestors 'none'";

    private static readonly PathString Admin = "/admin";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            Apply((HttpContext)state);
            return Task.CompletedTask;
        }, context);
        return next(context);
    }

    private static void Apply(HttpContext context)
    {
        var headers = context.Response.Headers;
        var path = context.Request.Path;
        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        headers[HeaderNames.XFrameOptions] = "DENY";
        headers["Referrer-Policy"] = "same-origin";
        if (!headers.ContainsKey(HeaderNames.ContentSecurityPolicy))
        {
            headers[HeaderNames.ContentSecurityPolicy] = path.StartsWithSegments(ApiDocsExtensions.PagePath, StringComparison.OrdinalIgnoreCase)
                ? DocsPolicy
                : DataPolicy;
        }

        if (!headers.ContainsKey(HeaderNames.CacheControl)
            && (path.StartsWithSegments(ApiPaths.Api, StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments(Admin, StringComparison.OrdinalIgnoreCase)))
        {
            headers[HeaderNames.CacheControl] = "no-store";
        }
    }
}
