using Microsoft.AspNetCore.Http.Features;

namespace CompreFace.WebApi.Admin;

/// <summary>
/// Body limit of <c>/admin</c> (<see cref="ApiOptions.MaxAdminRequestSize"/>): a declared length over it is refused at
/// once (413 in the error shape), and the server's per-request limit cuts off a chunked body at the same size, which the
/// error handler answers the same way. Without it an admin body could be Kestrel's 30 MB.
/// </summary>
internal static class AdminRequestLimit
{
    public static ValueTask<object?> CheckAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        // An archive upload (Transfer/) declares its own, larger limit.
        var limit = http.GetEndpoint()?.Metadata.GetMetadata<Transfer.OwnBodyLimit>() is { } own
            ? own.Limit(http.RequestServices)
            : http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.MaxAdminRequestSize;
        if (http.Request.ContentLength > limit)
        {
            throw ApiErrors.RequestTooLarge(limit);
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        return next(context);
    }
}
