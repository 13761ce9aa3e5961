namespace CompreFace.WebApi.Http;

/// <summary>The face service that the request's <c>x-api-key</c> opened, set by <see cref="ApiKeyMiddleware"/>.</summary>
/// <param name="ApiKey">The key in canonical (lower-case) form. Never log it.</param>
/// <param name="Service">The service it belongs to.</param>
public sealed record FaceServiceContext(string ApiKey, FaceServiceInfo Service)
{
    /// <summary>The service of this request; throws if the endpoint is not behind the key check.</summary>
    public static FaceServiceContext Get(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<FaceServiceContext>()
            ?? throw new InvalidOperationException("The endpoint is not behind the API key check.");
    }
}

/// <summary>
/// Per-service request statistics (docs/compreface-behaviour.md#statistics): called once for every request to recognize, detect or verify whose
/// key passed, even if the request then fails. The node's implementation is
/// <see cref="Statistics.RequestStatistics"/> (in memory, flushed periodically to the store).
/// </summary>
public interface IFaceServiceRequestCounter
{
    /// <summary>Counts one request for <paramref name="service"/>; must not block.</summary>
    void Increment(FaceServiceInfo service);
}
