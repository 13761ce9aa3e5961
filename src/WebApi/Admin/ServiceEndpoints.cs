using System.Text.Json.Nodes;
using System.Globalization;
using CompreFace.WebApi.Statistics;

namespace CompreFace.WebApi.Admin;

/// <summary>Face services, "models" (docs/compreface-behaviour.md#services), under <c>/admin/app/{appId}</c>.</summary>
internal static class ServiceEndpoints
{
    public static void MapServiceEndpoints(this IEndpointRouteBuilder admin)
    {
        admin.MapGet("/app/{appId}/models", ListAsync).WithName("AdminListModels").WithErrors(AdminErrors.AppNotFound("{appId}"));
        admin.MapGet("/app/{appId}/model/{modelId}", GetAsync).WithName("AdminGetModel").WithErrors(AdminErrors.AppNotFound("{appId}"), AdminErrors.ServiceNotFound("{modelId}"), AdminErrors.ServiceNotInApp("{modelId}", "{appId}"));
        admin.MapPost("/app/{appId}/model", CreateAsync).WithName("AdminCreateModel")
            .WithJsonBody(new JsonObject { ["name"] = "Visitors", ["type"] = "RECOGNITION" })
            .WithErrors(AdminErrors.AppNotFound("{appId}"), AdminErrors.NotAllowed(), AdminErrors.NameTaken("{name}"), AdminErrors.SpecialCharacters());
        admin.MapPut("/app/{appId}/model/{modelId}", RenameAsync).WithName("AdminRenameModel")
            .WithJsonBody(new JsonObject { ["name"] = "Visitors" }).WithErrors(AdminErrors.AppNotFound("{appId}"), AdminErrors.ServiceNotFound("{modelId}"), AdminErrors.ServiceNotInApp("{modelId}", "{appId}"), AdminErrors.NameTaken("{name}"), AdminErrors.NotAllowed());
        admin.MapPut("/app/{appId}/model/{modelId}/apikey", RegenerateKeyAsync).WithName("AdminRegenerateModelKey").WithErrors(AdminErrors.AppNotFound("{appId}"), AdminErrors.ServiceNotFound("{modelId}"), AdminErrors.ServiceNotInApp("{modelId}", "{appId}"), AdminErrors.NotAllowed());
        admin.MapDelete("/app/{appId}/model/{modelId}", DeleteAsync).WithName("AdminDeleteModel").WithErrors(AdminErrors.AppNotFound("{appId}"), AdminErrors.ServiceNotFound("{modelId}"), AdminErrors.ServiceNotInApp("{modelId}", "{appId}"), AdminErrors.NotAllowed());
        admin.MapPost("/app/{appId}/model/{modelId}", CloneAsync).WithName("AdminCloneModel")
            .WithJsonBody(new JsonObject { ["name"] = "Visitors (copy)" }).WithErrors(AdminErrors.AppNotFound("{appId}"), AdminErrors.ServiceNotFound("{modelId}"), AdminErrors.ServiceNotInApp("{modelId}", "{appId}"), AdminErrors.NameTaken("{name}"), AdminErrors.NotAllowed());
        admin.MapGet("/app/{appId}/model/{modelId}/quota", GetQuotaAsync).WithName("AdminGetModelQuota").WithErrors(AdminErrors.AppNotFound("{appId}"), AdminErrors.ServiceNotFound("{modelId}"), AdminErrors.ServiceNotInApp("{modelId}", "{appId}"));
        admin.MapPut("/app/{appId}/model/{modelId}/quota", SetQuotaAsync).WithName("AdminSetModelQuota")
            .WithJsonBody(new JsonObject { ["requestsPerSecond"] = 5, ["burst"] = 10 })
            .WithErrors(AdminErrors.AppNotFound("{appId}"), AdminErrors.ServiceNotFound("{modelId}"), AdminErrors.ServiceNotInApp("{modelId}", "{appId}"), AdminErrors.NotAllowed(), AdminErrors.Validation("Burst must be between 1 and 1000000"));
        admin.MapGet("/app/{appId}/model/{modelId}/statistics", GetStatisticsAsync).WithName("AdminModelStatistics").WithErrors(AdminErrors.AppNotFound("{appId}"), AdminErrors.ServiceNotFound("{modelId}"), AdminErrors.ServiceNotInApp("{modelId}", "{appId}"));
    }

    /// <summary><c>GET /admin/app/{appId}/models</c>: without counts.</summary>
    public static async Task<IResult> ListAsync(string appId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var app = await AdminPolicy.LoadAppAsync(grains, appId, AdminCaller.Get(context), AppAccess.Read, context.RequestAborted);
        var services = await grains.GetGrain<IApplicationGrain>(app.AppId).ListServicesAsync(context.RequestAborted);
        return AdminJson.Result(services.Select(s => ToResponse(s, null, null)).ToList());
    }

    /// <summary><c>GET /admin/app/{appId}/model/{modelId}</c>: with subject and image counts.</summary>
    public static async Task<IResult> GetAsync(string appId, string modelId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var service = await LoadAsync(grains, appId, modelId, AdminCaller.Get(context), AppAccess.Read, context.RequestAborted);
        return AdminJson.Result(await WithCountsAsync(grains, service, context.RequestAborted));
    }

    /// <summary><c>POST /admin/app/{appId}/model</c> <c>{name, type}</c>: 201.</summary>
    public static async Task<IResult> CreateAsync(string appId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        // The body first, then the application and the caller's rights, as CompreFace validates a body before its service runs.
        var request = await AdminJson.ReadAsync<CreateServiceRequest>(context.Request, context.RequestAborted);
        var name = AdminPolicy.ValidName(request.Name, "Model");
        var type = request.Type switch
        {
            "RECOGNITION" => FaceServiceType.Recognition,
            "DETECTION" => FaceServiceType.Detection,
            "VERIFY" => FaceServiceType.Verify,
            _ when string.IsNullOrWhiteSpace(request.Type) => throw AdminErrors.Validation("Model Type cannot be empty"),
            _ => throw AdminErrors.Validation($"Model Type '{request.Type}' doesn't exist!"),
        };
        var app = await AdminPolicy.LoadAppAsync(grains, appId, AdminCaller.Get(context), AppAccess.ManageServices, context.RequestAborted);

        var grain = grains.GetGrain<IFaceServiceGrain>(Guid.NewGuid());
        var notFound = () => AdminErrors.ServiceNotFound(grain.GetPrimaryKey().ToString());
        AdminErrors.ThrowIfRefused(await grain.CreateAsync(app.AppId, name, type, context.RequestAborted), name, notFound);

        var service = await grain.GetAsync(context.RequestAborted) ?? throw notFound();
        return AdminJson.Result(ToResponse(service, null, null), StatusCodes.Status201Created);
    }

    /// <summary><c>PUT /admin/app/{appId}/model/{modelId}</c> <c>{name}</c>; the current name counts as taken (code 17).</summary>
    public static async Task<IResult> RenameAsync(string appId, string modelId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var request = await AdminJson.ReadAsync<NameRequest>(context.Request, context.RequestAborted);
        var name = AdminPolicy.ValidName(request.Name, "Model");
        var service = await LoadAsync(grains, appId, modelId, AdminCaller.Get(context), AppAccess.ManageServices, context.RequestAborted);
        var grain = grains.GetGrain<IFaceServiceGrain>(service.ServiceId);
        AdminErrors.ThrowIfRefused(await grain.RenameAsync(name, context.RequestAborted), name, () => AdminErrors.ServiceNotFound(modelId));
        return AdminJson.Result(ToResponse(await grain.GetAsync(context.RequestAborted) ?? throw AdminErrors.ServiceNotFound(modelId), null, null));
    }

    /// <summary><c>PUT /admin/app/{appId}/model/{modelId}/apikey</c>: a new key at once; the collection stays with the service.</summary>
    public static async Task<IResult> RegenerateKeyAsync(string appId, string modelId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var service = await LoadAsync(grains, appId, modelId, AdminCaller.Get(context), AppAccess.ManageServices, context.RequestAborted);
        var updated = await grains.GetGrain<IFaceServiceGrain>(service.ServiceId).RegenerateKeyAsync(context.RequestAborted)
            ?? throw AdminErrors.ServiceNotFound(modelId);
        return AdminJson.Result(await WithCountsAsync(grains, updated, context.RequestAborted));
    }

    /// <summary><c>DELETE /admin/app/{appId}/model/{modelId}</c>: the service, its key and its collection.</summary>
    public static async Task<IResult> DeleteAsync(string appId, string modelId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var service = await LoadAsync(grains, appId, modelId, AdminCaller.Get(context), AppAccess.ManageServices, context.RequestAborted);
        await grains.GetGrain<IFaceServiceGrain>(service.ServiceId).DeleteAsync(context.RequestAborted);
        return TypedResults.Ok();
    }

    /// <summary>
    /// <c>POST /admin/app/{appId}/model/{modelId}</c> <c>{name}</c>: 200 with a copy of the service under a new id and
    /// key; a recognition service's subjects, examples and stored images are copied with it.
    /// </summary>
    public static async Task<IResult> CloneAsync(string appId, string modelId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var request = await AdminJson.ReadAsync<NameRequest>(context.Request, context.RequestAborted);
        var name = AdminPolicy.ValidName(request.Name, "Model");
        var source = await LoadAsync(grains, appId, modelId, AdminCaller.Get(context), AppAccess.ManageServices, context.RequestAborted);
        var grain = grains.GetGrain<IFaceServiceGrain>(Guid.NewGuid());
        AdminErrors.ThrowIfRefused(await grain.CloneAsync(source.ServiceId, name, context.RequestAborted), name, () => AdminErrors.ServiceNotFound(modelId));

        var clone = await grain.GetAsync(context.RequestAborted) ?? throw AdminErrors.ServiceNotFound(grain.GetPrimaryKey().ToString());
        return AdminJson.Result(ToResponse(clone, null, null));
    }

    /// <summary>
    /// <c>GET /admin/app/{appId}/model/{modelId}/quota</c>: the service's request quota on the face API and the node's
    /// default (beyond CompreFace, decision 0024); any member reads it.
    /// </summary>
    public static async Task<IResult> GetQuotaAsync(
        string appId, string modelId, HttpContext context, [FromServices] IGrainFactory grains, [FromServices] IOptions<RateLimitOptions> limits)
    {
        var service = await LoadAsync(grains, appId, modelId, AdminCaller.Get(context), AppAccess.Read, context.RequestAborted);
        return AdminJson.Result(ToQuotaResponse(service.Quota, limits.Value));
    }

    /// <summary>
    /// <c>PUT /admin/app/{appId}/model/{modelId}/quota</c> <c>{requestsPerSecond, burst}</c>: the service's own quota
    /// (both null: none, the node's default applies), in force from the key's next request on every node. The
    /// application's owner and administrators may set one up to the node's default when the operator set one; only the
    /// global owner and administrators may grant more.
    /// </summary>
    public static async Task<IResult> SetQuotaAsync(
        string appId, string modelId, HttpContext context, [FromServices] IGrainFactory grains, [FromServices] IOptions<RateLimitOptions> limits)
    {
        var request = await AdminJson.ReadAsync<QuotaRequest>(context.Request, context.RequestAborted);
        var quota = ValidQuota(request);
        var caller = AdminCaller.Get(context);
        var service = await LoadAsync(grains, appId, modelId, caller, AppAccess.ManageServices, context.RequestAborted);
        if (quota is not null && !caller.IsGlobalAdmin && limits.Value.ApiKey.ToQuota() is { } ceiling
            && (quota.RequestsPerSecond > ceiling.RequestsPerSecond || quota.Burst > ceiling.Burst))
        {
            throw AdminErrors.Validation(string.Create(
                CultureInfo.InvariantCulture,
                $"The quota may not exceed the node's default of {ceiling.RequestsPerSecond} requests per second and a burst of {ceiling.Burst}"));
        }

        var updated = await grains.GetGrain<IFaceServiceGrain>(service.ServiceId).SetQuotaAsync(quota, context.RequestAborted)
            ?? throw AdminErrors.ServiceNotFound(modelId);
        return AdminJson.Result(ToQuotaResponse(updated.Quota, limits.Value));
    }

    private static ServiceQuota? ValidQuota(QuotaRequest request)
    {
        if (request.RequestsPerSecond is null && request.Burst is null)
        {
            return null;
        }

        if (request.RequestsPerSecond is not { } rate || double.IsNaN(rate) || rate <= 0 || rate > ServiceQuota.MaxRequestsPerSecond)
        {
            throw AdminErrors.Validation(string.Create(CultureInfo.InvariantCulture, $"Requests per second must be above 0 and at most {ServiceQuota.MaxRequestsPerSecond}"));
        }

        // No burst: one second's worth, as the node-wide setting does.
        var burst = request.Burst ?? Math.Max((int)Math.Round(rate), 1);
        return burst is >= 1 and <= ServiceQuota.MaxBurst
            ? new ServiceQuota(rate, burst)
            : throw AdminErrors.Validation(string.Create(CultureInfo.InvariantCulture, $"Burst must be between 1 and {ServiceQuota.MaxBurst}"));
    }

    private static QuotaResponse ToQuotaResponse(ServiceQuota? quota, RateLimitOptions limits)
    {
        var fallback = limits.Enabled ? limits.ApiKey.ToQuota() : null;
        return new QuotaResponse(quota?.RequestsPerSecond, quota?.Burst, fallback?.RequestsPerSecond, fallback?.Burst);
    }

    /// <summary>
    /// <c>GET /admin/app/{appId}/model/{modelId}/statistics</c>: <c>[{requestCount, createdDate}]</c>, one row per UTC
    /// day with requests, newest first, over the last <see cref="StatisticsOptions.Months"/> months up to today.
    /// Counts still in a node's memory (up to one flush interval) are not in it yet.
    /// </summary>
    public static async Task<IResult> GetStatisticsAsync(
        string appId, string modelId, HttpContext context, [FromServices] IGrainFactory grains, [FromServices] IOptions<StatisticsOptions> options,
        [FromServices] TimeProvider time)
    {
        var service = await LoadAsync(grains, appId, modelId, AdminCaller.Get(context), AppAccess.Read, context.RequestAborted);
        var from = time.GetUtcNow().UtcDateTime.Date.AddMonths(-options.Value.Months);
        var hours = await grains.GetGrain<IRequestStatisticsGrain>(0).ListAsync(service.ServiceId, from, context.RequestAborted);
        var days = hours
            .GroupBy(h => h.Hour.Date)
            .OrderByDescending(d => d.Key)
            .Select(d => new StatisticsResponse(d.Sum(h => h.Count), d.Key.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)))
            .ToList();
        return AdminJson.Result(days);
    }

    /// <summary>The application check, then the service, which must be in that application (404 code 10 / code 3).</summary>
    internal static async Task<FaceServiceDetails> LoadAsync(
        IGrainFactory grains, string appId, string modelId, AdminCaller caller, AppAccess access, CancellationToken cancellationToken)
    {
        var app = await AdminPolicy.LoadAppAsync(grains, appId, caller, access, cancellationToken);
        if (!Guid.TryParse(modelId, out var id))
        {
            throw AdminErrors.InvalidGuid("modelGuid", modelId);
        }

        var service = await grains.GetGrain<IFaceServiceGrain>(id).GetAsync(cancellationToken) ?? throw AdminErrors.ServiceNotFound(modelId);
        return service.AppId == app.AppId ? service : throw AdminErrors.ServiceNotInApp(modelId, appId);
    }

    private static async Task<ServiceResponse> WithCountsAsync(IGrainFactory grains, FaceServiceDetails service, CancellationToken cancellationToken)
    {
        if (service.Type != FaceServiceType.Recognition)
        {
            return ToResponse(service, 0, 0);
        }

        // imageCount is CompreFace's count of stored images, not of examples: 0 when images are not saved.
        var subjects = await grains.GetGrain<ISubjectCatalogGrain>(service.ServiceId).ListSubjectsAsync(cancellationToken);
        var images = await grains.GetGrain<IFaceCollectionGrain>(service.ServiceId).CountImagesAsync(cancellationToken);
        return ToResponse(service, subjects.Count, images);
    }

    private static ServiceResponse ToResponse(FaceServiceDetails service, int? subjectCount, long? imageCount) => new(
        service.ServiceId,
        service.Name,
        service.ApiKey,
        service.Type switch
        {
            FaceServiceType.Recognition => "RECOGNITION",
            FaceServiceType.Detection => "DETECTION",
            _ => "VERIFY",
        },
        subjectCount,
        imageCount,
        service.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
}
