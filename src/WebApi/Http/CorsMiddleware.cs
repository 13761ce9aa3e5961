namespace CompreFace.WebApi.Http;

/// <summary>
/// CompreFace's nginx CORS rules for <c>/api/v1</c> and <c>/core</c> (docs/compreface-behaviour.md#what-a-client-sees): preflight <c>OPTIONS</c> answers 204,
/// and every response, errors included, carries the three headers. The headers are added when the response starts
/// so that nothing downstream (the exception handler clears the response) can lose them.
/// </summary>
internal sealed class CorsMiddleware(RequestDelegate next)
{
    private const string AllowOrigin = "*";
    private const string AllowMethods = "GET, POST, OPTIONS, PUT, DELETE";
    private const string AllowHeaders = "DNT,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,x-api-key";

    public Task InvokeAsync(HttpContext context)
    {
        if (!ApiPaths.IsApi(context.Request.Path))
        {
            return next(context);
        }

        context.Response.OnStarting(static state =>
        {
            ApplyHeaders((HttpContext)state);
            return Task.CompletedTask;
        }, context);

        if (HttpMethods.IsOptions(context.Request.Method))
        {
            ApplyHeaders(context);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        }

        return next(context);
    }

    /// <summary>Sets the CORS headers on an API response (idempotent).</summary>
    public static void ApplyHeaders(HttpContext context)
    {
        if (!ApiPaths.IsApi(context.Request.Path))
        {
            return;
        }

        var headers = context.Response.Headers;
        headers.AccessControlAllowOrigin = AllowOrigin;
        headers.AccessControlAllowMethods = AllowMethods;
        headers.AccessControlAllowHeaders = AllowHeaders;
    }
}
