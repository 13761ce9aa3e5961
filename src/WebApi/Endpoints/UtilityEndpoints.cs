using CompreFace.Grains;
using CompreFace.WebApi.Contracts;
using CompreFace.WebApi.Faces;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CompreFace.WebApi.Endpoints;

/// <summary>
/// The key-less recognition utilities (spec §1.6 download, §1.12): the static image path the UI puts in
/// <c>&lt;img src&gt;</c> and the consistence status the UI uses as its database health check.
/// </summary>
public static class UtilityEndpoints
{
    /// <summary>Maps <c>/api/v1/static</c> and <c>/api/v1/consistence</c>.</summary>
    public static IEndpointRouteBuilder MapUtilityEndpoints(this IEndpointRouteBuilder app)
    {
        var staticGroup = app.MapGroup("/api/v1/static").WithTags("Utility");
        staticGroup.MapGet("/{apiKey}/images/{image_id}", DownloadStaticImageAsync).WithName("DownloadStaticImage");

        var consistence = app.MapGroup("/api/v1/consistence").WithTags("Utility");
        consistence.MapGet("/status", GetConsistenceStatus).WithName("GetConsistenceStatus");
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
    /// <c>GET /consistence/status</c> (camelCase). <c>saveImagesToDB</c> is this node's <c>Storage:SaveImages</c>. Both inconsistency
    /// flags are false: CompreFace derives them from the calculator version stored with each example, which the
    /// collection contract does not expose yet, and this node only ever stores vectors of its own model.
    /// </summary>
    public static Ok<ConsistenceStatusResponse> GetConsistenceStatus([FromServices] IOptions<StorageView> storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        return TypedResults.Ok(new ConsistenceStatusResponse(false, false, storage.Value.SaveImages, "OK"));
    }
}
