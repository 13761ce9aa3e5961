namespace CompreFace.WebApi.Http;

/// <summary>
/// Runs after routing: an API path without an endpoint is 404 code 0 with the JSON body, and a path that exists for
/// other methods (routing's 405 endpoint, which is not a <see cref="RouteEndpoint"/>) is CompreFace's
/// 404 code 0 <c>Request method 'X' not supported</c>.
/// </summary>
internal sealed class UnmatchedRequestMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (ApiPaths.IsApi(request.Path))
        {
            var endpoint = context.GetEndpoint();
            if (endpoint is null)
            {
                throw ApiErrors.NoHandler(request.Method, request.Path.Value ?? string.Empty);
            }

            if (endpoint is not RouteEndpoint)
            {
                throw ApiErrors.MethodNotSupported(request.Method);
            }
        }

        return next(context);
    }
}
