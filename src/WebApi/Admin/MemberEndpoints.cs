using System.Text.Json.Nodes;

namespace CompreFace.WebApi.Admin;

/// <summary>Application members and global roles (docs/compreface-behaviour.md#roles-and-permissions, docs/compreface-behaviour.md#users, docs/compreface-behaviour.md#applications), with the invariants of docs/compreface-behaviour.md#roles-and-permissions.</summary>
internal static class MemberEndpoints
{
    public static void MapMemberEndpoints(this IEndpointRouteBuilder admin)
    {
        admin.MapGet("/app/{appId}/assign-roles", AssignableAppRolesAsync).WithName("AdminAppAssignRoles").WithErrors(AdminErrors.AppNotFound("{appId}"));
        admin.MapGet("/app/{appId}/roles", ListMembersAsync).WithName("AdminAppRoles").WithErrors(AdminErrors.AppNotFound("{appId}"));
        admin.MapPost("/app/{appId}/invite", InviteAsync).WithName("AdminInvite")
            .WithJsonBody(new JsonObject { ["userEmail"] = "jane@example.com", ["role"] = "USER" })
            .WithErrors(AdminErrors.AppNotFound("{appId}"), AdminErrors.UserNotFound("{userEmail}"), AdminErrors.AlreadyMember("{userEmail}", "{appId}"), AdminErrors.UnknownRole("{role}"), AdminErrors.NotAllowed());
        admin.MapPut("/app/{appId}/role", ChangeRoleAsync).WithName("AdminAppRoleChange")
            .WithJsonBody(new JsonObject { ["userId"] = "3f2c1b0a-9e8d-4c7b-a6f5-e4d3c2b1a098", ["role"] = "ADMINISTRATOR" })
            .WithErrors(AdminErrors.AppNotFound("{appId}"), AdminErrors.UserNotFound("{userId}"), AdminErrors.UnknownRole("{role}"), AdminErrors.OwnRole(), AdminErrors.NotAllowed());
        admin.MapDelete("/app/{appId}/user/{userId}", RemoveAsync).WithName("AdminRemoveMember").WithErrors(AdminErrors.AppNotFound("{appId}"), AdminErrors.UserNotFound("{userId}"), AdminErrors.NotAllowed());
        admin.MapGet("/user/roles", ListUsersAsync).WithName("AdminUserRoles");
        admin.MapGet("/user/global/roles", GlobalRoles).WithName("AdminGlobalRoles");
        admin.MapGet("/user/global/assign-roles", AssignableGlobalRoles).WithName("AdminGlobalAssignRoles");
    }

    /// <summary><c>GET /admin/app/{appId}/assign-roles</c>: all app roles for those who manage the app, else none.</summary>
    public static async Task<IResult> AssignableAppRolesAsync(string appId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var caller = AdminCaller.Get(context);
        var app = await AdminPolicy.LoadAppAsync(grains, appId, caller, AppAccess.Read, context.RequestAborted);
        return AdminJson.Result(AdminPolicy.Allows(caller, app.RoleOf(caller.UserId), AppAccess.Manage) ? AdminPolicy.AllRoles : []);
    }

    /// <summary><c>GET /admin/app/{appId}/roles?search=</c>: members whose names or email contain <c>search</c> (case-insensitive).</summary>
    public static async Task<IResult> ListMembersAsync(string appId, string? search, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var app = await AdminPolicy.LoadAppAsync(grains, appId, AdminCaller.Get(context), AppAccess.Read, context.RequestAborted);
        var members = app.Members.Where(m => string.IsNullOrEmpty(search)
            || m.User.FirstName.Contains(search, StringComparison.OrdinalIgnoreCase)
            || m.User.LastName.Contains(search, StringComparison.OrdinalIgnoreCase)
            || m.User.Email.Contains(search, StringComparison.OrdinalIgnoreCase));
        return AdminJson.Result(members.Select(m => ToResponse(m.User, m.Role)).ToList());
    }

    /// <summary><c>POST /admin/app/{appId}/invite</c> <c>{userEmail, role}</c>: 201; an OWNER invite demotes the current owner.</summary>
    public static async Task<IResult> InviteAsync(string appId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var app = await AdminPolicy.LoadAppAsync(grains, appId, AdminCaller.Get(context), AppAccess.Manage, context.RequestAborted);
        var request = await AdminJson.ReadAsync<InviteRequest>(context.Request, context.RequestAborted);
        if (string.IsNullOrWhiteSpace(request.UserEmail))
        {
            throw AdminErrors.FieldEmpty("userEmail");
        }

        var user = await grains.GetGrain<IUserRegistryGrain>(0).FindByEmailAsync(request.UserEmail, context.RequestAborted)
            ?? throw AdminErrors.UserNotFound(request.UserEmail);
        if (app.RoleOf(user.UserId) is not null)
        {
            throw AdminErrors.AlreadyMember(user.Email, app.Name);
        }

        // CompreFace reads the role last, after the user and the membership.
        var role = AdminPolicy.ParseRole(request.Role, "role");

        await grains.GetGrain<IApplicationGrain>(app.AppId).SetMemberAsync(user.UserId, role, context.RequestAborted);
        return AdminJson.Result(ToResponse(user, role), StatusCodes.Status201Created);
    }

    /// <summary><c>PUT /admin/app/{appId}/role</c> <c>{userId, role}</c>: never the app owner's role (code 9).</summary>
    public static async Task<IResult> ChangeRoleAsync(string appId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var caller = AdminCaller.Get(context);
        var request = await AdminJson.ReadAsync<RoleChangeRequest>(context.Request, context.RequestAborted);
        var (userId, role) = AdminPolicy.ValidateRoleUpdate(request.UserId, request.Role);
        var app = await AdminPolicy.LoadAppAsync(grains, appId, caller, AppAccess.Manage, context.RequestAborted);

        // A non-member is 404 code 16 (CompreFace fails with 400 code 0; docs/compatibility.md). CompreFace has no
        // own-role check here: the app owner's role (one's own included) is code 9, a global administrator may change
        // their own role in an application.
        var member = app.Members.FirstOrDefault(m => m.User.UserId == userId) ?? throw AdminErrors.UserNotFound(userId.ToString());
        if (member.Role == Role.Owner)
        {
            throw AdminErrors.NotAllowed();
        }

        await grains.GetGrain<IApplicationGrain>(app.AppId).SetMemberAsync(userId, role, context.RequestAborted);
        return AdminJson.Result(ToResponse(member.User, role));
    }

    /// <summary>
    /// <c>DELETE /admin/app/{appId}/user/{userId}</c>: the app owner cannot be removed (nor leave); app USERs and
    /// ADMINISTRATORs may remove only themselves; the app owner and global OWNER/ADMINISTRATOR anyone else.
    /// </summary>
    public static async Task<IResult> RemoveAsync(string appId, string userId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var caller = AdminCaller.Get(context);
        var app = await AdminPolicy.LoadAppAsync(grains, appId, caller, AppAccess.Read, context.RequestAborted);
        if (!Guid.TryParse(userId, out var id))
        {
            throw AdminErrors.InvalidGuid("userGuid", userId);
        }

        var self = id == caller.UserId;
        if (!self && !AdminPolicy.Allows(caller, app.RoleOf(caller.UserId), AppAccess.Manage))
        {
            throw AdminErrors.NotAllowed();
        }

        var member = app.Members.FirstOrDefault(m => m.User.UserId == id) ?? throw AdminErrors.UserNotFound(userId);
        if (member.Role == Role.Owner)
        {
            throw AdminErrors.NotAllowed();
        }

        await grains.GetGrain<IApplicationGrain>(app.AppId).SetMemberAsync(id, null, context.RequestAborted);
        return TypedResults.Ok();
    }

    /// <summary>
    /// <c>GET /admin/user/roles</c>: every user with their global role, for the global owner and administrators only.
    /// CompreFace answers it to any signed-up user, which hands every account's email and name to whoever registers
    /// (docs/compatibility.md); the UI's Users page, its only caller, is for global administrators anyway.
    /// </summary>
    public static async Task<IResult> ListUsersAsync(HttpContext context, [FromServices] IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (!AdminCaller.Get(context).IsGlobalAdmin)
        {
            throw AdminErrors.NotAllowed();
        }

        var users = await grains.GetGrain<IUserRegistryGrain>(0).ListUsersAsync(cancellationToken);
        return AdminJson.Result(users.Select(u => ToResponse(u, u.GlobalRole)).ToList());
    }

    /// <summary><c>GET /admin/user/global/roles</c>.</summary>
    public static IResult GlobalRoles() => AdminJson.Result(AdminPolicy.AllRoles);

    /// <summary><c>GET /admin/user/global/assign-roles</c>: OWNER all; ADMINISTRATOR all but OWNER; USER none.</summary>
    public static IResult AssignableGlobalRoles(HttpContext context) => AdminJson.Result(AdminCaller.Get(context).User.GlobalRole switch
    {
        Role.Owner => AdminPolicy.AllRoles,
        Role.Administrator => AdminPolicy.AllRoles.Skip(1).ToList(),
        _ => (IReadOnlyList<string>)[],
    });

    private static UserRoleResponse ToResponse(UserInfo user, Role role) =>
        new(user.UserId, user.FirstName, user.LastName, AdminPolicy.RoleName(role), user.Email);
}
