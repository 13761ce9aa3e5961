namespace CompreFace.WebApi.Http;

/// <summary>
/// What every face-service handler binds (with <see cref="AsParametersAttribute"/>): the request, the grain factory,
/// the API options and the request's cancellation. One declaration instead of the same parameter list on each handler.
/// </summary>
/// <param name="Request">The HTTP request (body, query, and the <see cref="FaceServiceContext"/> its key opened).</param>
/// <param name="Grains">The grain factory.</param>
/// <param name="Options">The API options (upload limits and defaults).</param>
/// <param name="CancellationToken">The request's cancellation.</param>
public readonly record struct FaceServiceCall(
    HttpRequest Request,
    [property: FromServices] IGrainFactory Grains,
    [property: FromServices] IOptions<ApiOptions> Options,
    CancellationToken CancellationToken)
{
    /// <summary>The face service that the request's key opened (see <see cref="FaceServiceContext"/>).</summary>
    public FaceServiceInfo Service => FaceServiceContext.Get(Request.HttpContext).Service;

    /// <summary>
    /// In a cluster mode, how long a search waits for the collection grain before asking its standby too
    /// (<see cref="NodeOptions.SearchStandbyAfter"/>); null on an embedded node, which has no standby.
    /// </summary>
    public TimeSpan? StandbyAfter =>
        Request.HttpContext.RequestServices.GetRequiredService<IOptions<NodeOptions>>().Value is { Mode: not ClusterMode.Localhost } node
            ? node.SearchStandbyAfter
            : null;

    /// <summary>What handlers that read no body need: the key's service, the grain factory and the cancellation.</summary>
    public void Deconstruct(out FaceServiceInfo service, out IGrainFactory grains, out CancellationToken cancellationToken) =>
        (service, grains, cancellationToken) = (Service, Grains, CancellationToken);
}
