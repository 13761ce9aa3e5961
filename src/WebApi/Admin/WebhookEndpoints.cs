using System.Text.Json.Nodes;

namespace CompreFace.WebApi.Admin;

/// <summary>
/// Webhooks of a face service (docs/decisions/0029-webhooks.md), managed by the application's owner and administrators:
/// list, create (the secret is shown once), change, delete, the delivery log and a test event.
/// </summary>
internal static class WebhookEndpoints
{
    private const string Base = "/app/{appId}/model/{modelId}/webhooks";

    public static void MapWebhookEndpoints(this IEndpointRouteBuilder admin)
    {
        var notFound = new[] { AdminErrors.AppNotFound("{appId}"), AdminErrors.ServiceNotFound("{modelId}"), AdminErrors.ServiceNotInApp("{modelId}", "{appId}"), AdminErrors.NotAllowed() };
        var example = new JsonObject
        {
            ["url"] = "https://hooks.example.com/compreface",
            ["events"] = new JsonArray("face.added", "face.deleted", "subject.renamed", "subject.deleted", "key.rotated"),
            ["similarityThreshold"] = null,
            ["enabled"] = true,
        };
        admin.MapGet(Base, ListAsync).WithName("AdminListWebhooks").WithTags("Webhooks").WithErrors(notFound);
        admin.MapPost(Base, CreateAsync).WithName("AdminCreateWebhook").WithTags("Webhooks")
            .WithJsonBody(example).WithErrors([.. notFound, AdminErrors.Validation("The webhook URL points to a private or local address (10.0.0.5); allow its network in Webhooks:AllowedNetworks")]);
        admin.MapPut(Base + "/{hookId}", UpdateAsync).WithName("AdminUpdateWebhook").WithTags("Webhooks")
            .WithJsonBody(example).WithErrors([.. notFound, WebhookNotFound("{hookId}"), AdminErrors.Validation("Unknown webhook event 'face.changed'")]);
        admin.MapDelete(Base + "/{hookId}", DeleteAsync).WithName("AdminDeleteWebhook").WithTags("Webhooks").WithErrors([.. notFound, WebhookNotFound("{hookId}")]);
        admin.MapPost(Base + "/{hookId}/test", SendTestAsync).WithName("AdminTestWebhook").WithTags("Webhooks").WithErrors([.. notFound, WebhookNotFound("{hookId}")]);
        admin.MapGet(Base + "/deliveries", DeliveriesAsync).WithName("AdminWebhookDeliveries").WithTags("Webhooks").WithErrors(notFound);
    }

    /// <summary><c>GET …/webhooks</c>: the service's hooks, without their secrets.</summary>
    public static async Task<IResult> ListAsync(string appId, string modelId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var hooks = await HooksAsync(grains, appId, modelId, context);
        return AdminJson.Result((await hooks.ListAsync(context.RequestAborted)).Select(h => ToResponse(h, null)).ToList());
    }

    /// <summary>
    /// <c>POST …/webhooks</c> <c>{url, events, similarityThreshold, enabled}</c>: 201 with the hook and its
    /// <c>secret</c>, shown only here. No events means all but the opt-in <c>recognition.matched</c>.
    /// </summary>
    public static async Task<IResult> CreateAsync(string appId, string modelId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var hooks = await HooksAsync(grains, appId, modelId, context);
        var spec = await ReadSpecAsync(context);
        var result = await hooks.CreateAsync(spec, context.RequestAborted);
        return result.Hook is { } hook
            ? AdminJson.Result(ToResponse(hook, result.Secret), StatusCodes.Status201Created)
            : throw AdminErrors.Validation(result.Error ?? "Invalid webhook");
    }

    /// <summary><c>PUT …/webhooks/{hookId}</c>: address, events, threshold and state; the secret stays.</summary>
    public static async Task<IResult> UpdateAsync(string appId, string modelId, string hookId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var hooks = await HooksAsync(grains, appId, modelId, context);
        var id = ParseHookId(hookId);
        var spec = await ReadSpecAsync(context);
        var result = await hooks.UpdateAsync(id, spec, context.RequestAborted) ?? throw WebhookNotFound(hookId);
        return result.Hook is { } hook ? AdminJson.Result(ToResponse(hook, null)) : throw AdminErrors.Validation(result.Error ?? "Invalid webhook");
    }

    /// <summary><c>DELETE …/webhooks/{hookId}</c>: the hook, its pending deliveries and its log.</summary>
    public static async Task<IResult> DeleteAsync(string appId, string modelId, string hookId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var hooks = await HooksAsync(grains, appId, modelId, context);
        return await hooks.DeleteAsync(ParseHookId(hookId), context.RequestAborted) ? TypedResults.Ok() : throw WebhookNotFound(hookId);
    }

    /// <summary><c>POST …/webhooks/{hookId}/test</c>: queues a signed <c>webhook.test</c> event for this hook (202); its outcome shows in the log.</summary>
    public static async Task<IResult> SendTestAsync(string appId, string modelId, string hookId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var hooks = await HooksAsync(grains, appId, modelId, context);
        return await hooks.SendTestAsync(ParseHookId(hookId), context.RequestAborted) ? TypedResults.Accepted((string?)null) : throw WebhookNotFound(hookId);
    }

    /// <summary><c>GET …/webhooks/deliveries?limit=</c>: the newest deliveries (default 50, at most 1000), newest first.</summary>
    public static async Task<IResult> DeliveriesAsync(string appId, string modelId, int? limit, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var hooks = await HooksAsync(grains, appId, modelId, context);
        var deliveries = await hooks.DeliveriesAsync(Math.Clamp(limit ?? 50, 1, 1000), context.RequestAborted);
        return AdminJson.Result(deliveries.Select(d => new WebhookDeliveryResponse(
            d.EventId, d.HookId, d.Type, d.Subject, d.Status, d.Attempts, d.CreatedAt, d.DeliveredAt, d.LastStatusCode, d.LastError)).ToList());
    }

    /// <summary>404 code 2 (CompreFace's "not found" family of the admin API) for a hook of another service or none.</summary>
    internal static ApiException WebhookNotFound(string hookId) => new(StatusCodes.Status404NotFound, 2, $"Webhook {hookId} not found");

    private static async Task<IServiceWebhooksGrain> HooksAsync(IGrainFactory grains, string appId, string modelId, HttpContext context)
    {
        var service = await ServiceEndpoints.LoadAsync(grains, appId, modelId, AdminCaller.Get(context), AppAccess.ManageServices, context.RequestAborted);
        return grains.GetGrain<IServiceWebhooksGrain>(service.ServiceId);
    }

    private static async Task<WebhookSpec> ReadSpecAsync(HttpContext context)
    {
        var request = await AdminJson.ReadAsync<WebhookRequest>(context.Request, context.RequestAborted);
        if (string.IsNullOrWhiteSpace(request.Url))
        {
            throw AdminErrors.FieldEmpty("url");
        }

        return new WebhookSpec(request.Url.Trim(), request.Events ?? [], request.SimilarityThreshold, request.Enabled ?? true);
    }

    private static Guid ParseHookId(string hookId) =>
        Guid.TryParse(hookId, out var id) ? id : throw AdminErrors.InvalidGuid("hookId", hookId);

    private static WebhookResponse ToResponse(WebhookInfo hook, string? secret) =>
        new(hook.HookId, hook.Url, hook.Events, hook.SimilarityThreshold, hook.Enabled, hook.CreatedAt, secret);
}

/// <summary><c>{url, events, similarityThreshold, enabled}</c>.</summary>
internal sealed record WebhookRequest(string? Url, string[]? Events, double? SimilarityThreshold, bool? Enabled);

/// <summary>A hook; <c>secret</c> only in the answer to its creation.</summary>
internal sealed record WebhookResponse(
    Guid Id, string Url, IReadOnlyList<string> Events, double? SimilarityThreshold, bool Enabled, DateTimeOffset CreatedAt,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Secret);

/// <summary>One delivery of the log.</summary>
internal sealed record WebhookDeliveryResponse(
    Guid EventId, Guid HookId, string Type, string? Subject, string Status, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt,
    int? LastStatusCode, string? LastError);
