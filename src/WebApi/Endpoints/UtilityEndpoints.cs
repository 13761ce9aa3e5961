namespace CompreFace.WebApi.Endpoints;

/// <summary>
/// The key-less recognition utilities (docs/compreface-behaviour.md#examples download, docs/compreface-behaviour.md#utility-endpoints): the static image path the UI puts in
/// <c>&lt;img src&gt;</c> and the consistence status the UI uses as its database health check.
/// </summary>
public static class UtilityEndpoints
{
    /// <summary>Maps <c>/api/v1/static</c> and <c>/api/v1/consistence</c>.</summary>
    public static IEndpointRouteBuilder MapUtilityEndpoints(this IEndpointRouteBuilder app)
    {
        var staticGroup = app.MapGroup("/api/v1/static").WithTags("Utility");
        staticGroup.MapGet("/{apiKey}/images/{image_id}", DownloadStaticImageAsync).WithName("DownloadStaticImage")
            .WithErrors(ApiErrors.InvalidUuid("image_id", "not-a-uuid"));

        var consistence = app.MapGroup("/api/v1/consistence").WithTags("Utility");
        consistence.MapGet("/status", GetConsistenceStatusAsync).WithName("GetConsistenceStatus");
        return app;
    }

    /// <summary>
    /// <c>GET /static/{apiKey}/images/{image_id}</c>, no header: the key in the path opens the collection whatever its
    /// service type. Unknown key, unknown id, another collection's id or no stored image → 200 with an empty body.
    /// </summary>
    public static async Task<FileContentHttpResult> DownloadStaticImageAsync(
        string apiKey,
        [FromRoute(Name = "image_id")] string imageId,
        HttpContext context,
        [FromServices] IGrainFactory grains,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var id = FaceCollections.ParseImageId(imageId);
        byte[]? bytes = null;
        if (Guid.TryParse(apiKey, out var key))
        {
            var service = await grains.GetGrain<IApiKeyGrain>(key.ToString("D")).GetServiceAsync(cancellationToken);

            // Only recognition services have a collection; any other key finds nothing, as in CompreFace.
            if (service is { Type: FaceServiceType.Recognition })
            {
                bytes = await FaceCollections.Faces(grains, service).GetImageAsync(id, cancellationToken);
            }
        }

        return FaceEndpoints.ImageResult(context, bytes);
    }

    /// <summary>
    /// <c>GET /consistence/status</c> (camelCase). <c>saveImagesToDB</c> is this node's <c>Storage:SaveImages</c>. The two
    /// flags say whether examples computed by a model other than the current one are stored: in the demo service's
    /// collection (service <c>…0001</c>, seeded with key <c>…0002</c>), and anywhere else. CompreFace compares the stored calculator with
    /// <c>Facenet2018</c> and its current <c>calculator_version</c>; here it is this node's calculator version. Such
    /// examples are kept but never matched against the new model's queries (the shard grains keep one index per model).
    /// </summary>
    public static async Task<Ok<ConsistenceStatusResponse>> GetConsistenceStatusAsync(
        [FromServices] IOptions<StorageOptions> storage,
        [FromServices] IGrainFactory grains,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(grains);
        var calculator = (await FaceAnalyzer.CalculatorAsync(grains, cancellationToken)).Version;
        // By the demo service's id, which a key renewal does not change (its seeded key would find nothing then).
        var demo = await grains.GetGrain<IFaceServiceGrain>(DemoServices.RecognitionServiceId).GetAsync(cancellationToken);

        // Without a demo recognition service (deleted), every collection counts as "elsewhere".
        var demoCollection = demo is { Type: FaceServiceType.Recognition } ? demo.ServiceId : Guid.Empty;
        var consistency = await grains.GetGrain<IModelConsistencyGrain>(0).CheckAsync(calculator, demoCollection, cancellationToken);
        return TypedResults.Ok(new ConsistenceStatusResponse(
            consistency.DemoCollectionInconsistent, consistency.StoreInconsistent, storage.Value.SaveImages, "OK"));
    }
}
