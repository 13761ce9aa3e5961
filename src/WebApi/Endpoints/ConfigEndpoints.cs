namespace CompreFace.WebApi.Endpoints;

/// <summary><c>/api/v1/config</c> (docs/compreface-behaviour.md#utility-endpoints): no API key, camelCase keys.</summary>
public static class ConfigEndpoints
{
    /// <summary>Maps <c>/api/v1/config</c>.</summary>
    public static RouteGroupBuilder MapConfigEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/config").WithTags("Utility");
        group.MapGet(string.Empty, GetConfig).WithName("GetClientConfig");
        return group;
    }

    /// <summary><c>GET /api/v1/config</c>: the upload limits the UI checks against.</summary>
    public static Ok<ClientConfigResponse> GetConfig([FromServices] IOptions<ApiOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return TypedResults.Ok(new ClientConfigResponse(options.Value.MaxFileSize, options.Value.MaxRequestSize));
    }
}
