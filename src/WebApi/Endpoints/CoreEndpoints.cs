namespace CompreFace.WebApi.Endpoints;

/// <summary><c>/core</c> (docs/compreface-behaviour.md#utility-endpoints): what CompreFace's Python core answered, now served by this node.</summary>
public static class CoreEndpoints
{
    /// <summary>Maps <c>/core</c>.</summary>
    public static RouteGroupBuilder MapCoreEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/core").WithTags("Core");
        group.MapGet("/status", GetStatusAsync).WithName("GetCoreStatus");
        group.MapGet("/healthcheck", GetHealth).WithName("GetCoreHealth");
        return group;
    }

    /// <summary>
    /// <c>GET /core/status</c>: asks a worker each time, so that it also proves the models answer;
    /// adds <c>execution_provider</c> beyond CompreFace.
    /// </summary>
    public static async Task<Ok<CoreStatusResponse>> GetStatusAsync([FromServices] IGrainFactory grains, CancellationToken cancellationToken)
    {
        var status = await FaceAnalyzer.Worker(grains).GetStatusAsync(cancellationToken);
        return TypedResults.Ok(new CoreStatusResponse(
            "OK",
            status.BuildVersion,
            status.Calculator.Version,
            [status.Calculator.C0, status.Calculator.C1],
            status.AvailablePlugins,
            status.ExecutionProvider));
    }

    /// <summary><c>GET /core/healthcheck</c>: answers as soon as the node serves HTTP, without touching a grain.</summary>
    public static Ok<HealthResponse> GetHealth() => TypedResults.Ok(new HealthResponse("OK"));
}
