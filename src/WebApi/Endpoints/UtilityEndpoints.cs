using CompreFace.Grains;
using CompreFace.WebApi.Contracts;
using CompreFace.WebApi.Faces;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CompreFace.WebApi.Endpoints;

/// <summary>Key-less utility endpoints (spec §1.12): client config and the core's status and health.</summary>
public static class UtilityEndpoints
{
    /// <summary>Maps <c>/api/v1/config</c>.</summary>
    public static RouteGroupBuilder MapConfigEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/config").WithTags("Utility");
        group.MapGet(string.Empty, GetConfig).WithName("GetClientConfig");
        return group;
    }

    /// <summary>Maps <c>/core</c>.</summary>
    public static RouteGroupBuilder MapCoreEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/core").WithTags("Core");
        group.MapGet("/status", GetStatusAsync).WithName("GetCoreStatus");
        group.MapGet("/healthcheck", GetHealth).WithName("GetCoreHealth");
        return group;
    }

    /// <summary><c>GET /api/v1/config</c>: the upload limits the UI checks against, camelCase.</summary>
    public static Ok<ClientConfigResponse> GetConfig([FromServices] IOptions<ApiOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return TypedResults.Ok(new ClientConfigResponse(options.Value.MaxFileSize, options.Value.MaxRequestSize));
    }

    /// <summary><c>GET /core/status</c>: asks a worker, so it also proves the models are loaded.</summary>
    public static async Task<Ok<CoreStatusResponse>> GetStatusAsync([FromServices] IGrainFactory grains, CancellationToken cancellationToken)
    {
        InferenceStatus status = await FaceAnalyzer.Worker(grains).GetStatusAsync(cancellationToken);
        return TypedResults.Ok(new CoreStatusResponse(
            "OK",
            status.BuildVersion,
            status.CalculatorVersion,
            status.SimilarityCoefficients,
            status.AvailablePlugins,
            status.ExecutionProvider));
    }

    /// <summary><c>GET /core/healthcheck</c>: answers as soon as the node serves HTTP.</summary>
    public static Ok<HealthResponse> GetHealth() => TypedResults.Ok(new HealthResponse("OK"));
}
