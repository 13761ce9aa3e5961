using CompreFace.Grains;

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
/// Extension point for per-service request statistics (spec §3.9): called once for every request to
/// recognize, detect or verify whose key passed, even if the request then fails. The default does nothing;
/// the admin tier replaces it.
/// </summary>
public interface IFaceServiceRequestCounter
{
    /// <summary>Counts one request for <paramref name="service"/>; must not block.</summary>
    void Increment(FaceServiceInfo service);
}

/// <summary>Counts nothing until statistics exist.</summary>
internal sealed class NullFaceServiceRequestCounter : IFaceServiceRequestCounter
{
    public void Increment(FaceServiceInfo service)
    {
    }
}
