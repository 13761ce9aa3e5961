using System.Text.Json.Nodes;

namespace CompreFace.WebApi.Admin;

/// <summary>Applications (docs/compreface-behaviour.md#applications). Every handler loads the application and checks the caller's role first.</summary>
internal static class ApplicationEndpoints
{
    public static void MapApplicationEndpoints(this IEndpointRouteBuilder admin)
    {
        admin.MapGet("/apps", ListAsync).WithName("AdminListApps");
        admin.MapGet("/app/{appId}", GetAsync).WithName("AdminGetApp").WithErrors(AdminErrors.AppNotFound("{appId}"));
        admin.MapPost("/app", CreateAsync).WithName("AdminCreateApp")
            .WithJsonBody(new JsonObject { ["name"] = "Front door" }).WithErrors(AdminErrors.NotAllowed(), AdminErrors.NameTaken("{name}"), AdminErrors.SpecialCharacters());
        admin.MapPut("/app/{appId}", RenameAsync).WithName("AdminRenameApp")
            .WithJsonBody(new JsonObject { ["name"] = "Front door" }).WithErrors(AdminErrors.AppNotFound("{appId}"), AdminErrors.NameTaken("{name}"), AdminErrors.NotAllowed());
        admin.MapPut("/app/{appId}/apikey", RegenerateKeyAsync).WithName("AdminRegenerateAppKey").WithErrors(AdminErrors.AppNotFound("{appId}"), AdminErrors.NotAllowed());
        admin.MapDelete("/app/{appId}", DeleteAsync).WithName("AdminDeleteApp").WithErrors(AdminErrors.AppNotFound("{appId}"), AdminErrors.NotAllowed());
    }

    /// <summary><c>GET /admin/apps</c>: all applications for global admins, else the caller's; sorted by name.</summary>
    public static async Task<IResult> ListAsync(HttpContext context, [FromServices] IGrainFactory grains)
    {
        var caller = AdminCaller.Get(context);
        var apps = await grains.GetGrain<IUserGrain>(caller.UserId).ListApplicationsAsync(context.RequestAborted);
        return AdminJson.Result(apps.Select(a => ToResponse(a, caller)).ToList());
    }

    /// <summary><c>GET /admin/app/{appId}</c>.</summary>
    public static async Task<IResult> GetAsync(string appId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var caller = AdminCaller.Get(context);
        var app = await AdminPolicy.LoadAppAsync(grains, appId, caller, AppAccess.Read, context.RequestAborted);
        return AdminJson.Result(ToResponse(app, caller));
    }

    /// <summary><c>POST /admin/app</c>: 201; global OWNER or ADMINISTRATOR only; the caller becomes the app owner.</summary>
    public static async Task<IResult> CreateAsync(HttpContext context, [FromServices] IGrainFactory grains)
    {
        var caller = AdminCaller.Get(context);
        var request = await AdminJson.ReadAsync<NameRequest>(context.Request, context.RequestAborted);
        var name = AdminPolicy.ValidName(request.Name, "Application");

        // CompreFace answers a taken name (17) before the caller's rights (9); here the rights come first, so a caller
        // who may not create applications learns nothing about the names of others (docs/compatibility.md).
        if (!caller.IsGlobalAdmin)
        {
            throw AdminErrors.NotAllowed();
        }

        var appId = Guid.NewGuid();
        var grain = grains.GetGrain<IApplicationGrain>(appId);
        AdminErrors.ThrowIfRefused(await grain.CreateAsync(name, caller.UserId, context.RequestAborted), name, () => AdminErrors.AppNotFound(appId.ToString()));

        var app = await grain.GetAsync(context.RequestAborted) ?? throw AdminErrors.AppNotFound(appId.ToString());
        return AdminJson.Result(ToResponse(app, caller), StatusCodes.Status201Created);
    }

    /// <summary><c>PUT /admin/app/{appId}</c> <c>{name}</c>: app owner or global admin.</summary>
    public static async Task<IResult> RenameAsync(string appId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var caller = AdminCaller.Get(context);
        var request = await AdminJson.ReadAsync<NameRequest>(context.Request, context.RequestAborted);
        var name = AdminPolicy.ValidName(request.Name, "Application");
        var app = await AdminPolicy.LoadAppAsync(grains, appId, caller, AppAccess.Manage, context.RequestAborted);
        var grain = grains.GetGrain<IApplicationGrain>(app.AppId);
        AdminErrors.ThrowIfRefused(await grain.RenameAsync(name, context.RequestAborted), name, () => AdminErrors.AppNotFound(appId));
        return AdminJson.Result(ToResponse(await grain.GetAsync(context.RequestAborted) ?? throw AdminErrors.AppNotFound(appId), caller));
    }

    /// <summary><c>PUT /admin/app/{appId}/apikey</c>: a new app-level key (not used by the face API).</summary>
    public static async Task<IResult> RegenerateKeyAsync(string appId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var caller = AdminCaller.Get(context);
        var app = await AdminPolicy.LoadAppAsync(grains, appId, caller, AppAccess.Manage, context.RequestAborted);
        var grain = grains.GetGrain<IApplicationGrain>(app.AppId);
        await grain.RegenerateKeyAsync(context.RequestAborted);
        return AdminJson.Result(ToResponse(await grain.GetAsync(context.RequestAborted) ?? throw AdminErrors.AppNotFound(appId), caller));
    }

    /// <summary><c>DELETE /admin/app/{appId}</c>: with its services, their collections and keys.</summary>
    public static async Task<IResult> DeleteAsync(string appId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var caller = AdminCaller.Get(context);
        var app = await AdminPolicy.LoadAppAsync(grains, appId, caller, AppAccess.Manage, context.RequestAborted);
        await grains.GetGrain<IApplicationGrain>(app.AppId).DeleteAsync(context.RequestAborted);
        return TypedResults.Ok();
    }

    internal static AppResponse ToResponse(ApplicationInfo app, AdminCaller caller) => new(
        app.AppId,
        app.Name,
        app.ApiKey,
        AdminPolicy.RoleName(app.RoleOf(caller.UserId)),
        app.Owner is { } owner ? new OwnerResponse(owner.UserId, owner.FirstName, owner.LastName) : null);
}
