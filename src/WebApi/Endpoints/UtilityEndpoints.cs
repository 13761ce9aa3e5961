using CompreFace.Grains.Interfaces.Jobs;

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

        app.MapPost("/api/v1/migrate", MigrateAsync).WithName("Migrate").WithTags("Utility")
            .WithErrors(ApiErrors.MigrationRunning());
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

        // Beyond CompreFace: the newest re-embedding of each collection, with its progress (docs/decisions/0034).
        var jobs = await grains.GetGrain<IJobDirectoryGrain>(0).ListAsync(new JobQuery(Kind: JobKinds.Reembed, Limit: 100), cancellationToken);
        var migrations = jobs.Where(j => j.ServiceId is not null).DistinctBy(j => j.ServiceId).Select(j => new MigrationStatusDto(
            j.ServiceId!.Value, j.JobId, j.State.ToString().ToLowerInvariant(), j.Done, j.Failed, j.Total,
            j.Total is > 0 ? Math.Round(100.0 * Math.Min(j.Done + j.Failed, j.Total.Value) / j.Total.Value, 1) : j.State == JobState.Completed ? 100.0 : 0.0,
            ReembedFrom(j.Detail), ReembedTo(j.Detail))).ToList();
        return TypedResults.Ok(new ConsistenceStatusResponse(
            consistency.DemoCollectionInconsistent, consistency.StoreInconsistent, storage.Value.SaveImages, "OK") { Migrations = migrations });
    }

    /// <summary>
    /// <c>POST /migrate</c> (no key, as in CompreFace): re-embeds, in the background, every collection holding faces of
    /// another model than the inference tier's, from their stored images; 200 <c>Migration started</c> (text), or 400
    /// code 27 while one is unfinished. Unlike CompreFace, writes stay accepted while it runs and recognition answers
    /// from the old vectors until each collection switches (docs/compatibility.md).
    /// </summary>
    public static async Task<IResult> MigrateAsync([FromServices] IGrainFactory grains, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var target = (await FaceAnalyzer.CalculatorAsync(grains, cancellationToken)).Version;
        var start = await grains.GetGrain<IReembeddingGrain>(0).StartAsync(target, "api", cancellationToken);
        return start.AlreadyRunning ? throw ApiErrors.MigrationRunning() : TypedResults.Text("Migration started", "text/plain");
    }

    private static string? ReembedFrom(string? detail) => detail?.Split(" → ") is [var from, _] ? from : null;

    private static string? ReembedTo(string? detail) => detail?.Split(" → ") is [_, var to] ? to : null;
}
