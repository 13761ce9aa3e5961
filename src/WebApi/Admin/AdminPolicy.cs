namespace CompreFace.WebApi.Admin;

/// <summary>What an action on an application needs (docs/compreface-behaviour.md#roles-and-permissions).</summary>
internal enum AppAccess
{
    /// <summary>Any member, or a global OWNER/ADMINISTRATOR.</summary>
    Read,

    /// <summary>App OWNER or ADMINISTRATOR, or a global OWNER/ADMINISTRATOR: services (create, rename, clone, delete, key).</summary>
    ManageServices,

    /// <summary>App OWNER, or a global OWNER/ADMINISTRATOR: the application itself (name, key, delete, members).</summary>
    Manage,
}

/// <summary>
/// The one place where admin roles are checked (docs/compreface-behaviour.md#roles-and-permissions), and the name rules shared by applications and services.
/// A foreign application is refused with code 9 like an insufficient role; a missing one is 404 code 2.
/// </summary>
internal static class AdminPolicy
{
    private const int MaxNameLength = 50;

    /// <summary>Loads the application of the path and checks that the caller may do <paramref name="access"/> on it.</summary>
    public static async Task<ApplicationInfo> LoadAppAsync(
        IGrainFactory grains, string appId, AdminCaller caller, AppAccess access, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(appId, out var id))
        {
            throw AdminErrors.InvalidGuid("appGuid", appId);
        }

        var app = await grains.GetGrain<IApplicationGrain>(id).GetAsync(cancellationToken) ?? throw AdminErrors.AppNotFound(appId);
        return Allows(caller, app.RoleOf(caller.UserId), access) ? app : throw AdminErrors.NotAllowed();
    }

    /// <summary>Whether a caller with <paramref name="appRole"/> in the application (null: not a member) may do <paramref name="access"/>.</summary>
    public static bool Allows(AdminCaller caller, Role? appRole, AppAccess access) =>
        caller.IsGlobalAdmin || access switch
        {
            AppAccess.Read => appRole is not null,
            AppAccess.ManageServices => appRole is Role.Owner or Role.Administrator,
            _ => appRole is Role.Owner,
        };

    /// <summary>An application or service name: trimmed, 1–50 characters (code 26), without <c>;</c> <c>/</c> <c>\</c> (code 36).</summary>
    public static string ValidName(string? name, string what)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw AdminErrors.Validation($"{what} name cannot be empty");
        }

        var trimmed = name.Trim();
        if (trimmed.Length > MaxNameLength)
        {
            throw AdminErrors.Validation($"{what} name size must be between 1 and {MaxNameLength}");
        }

        return trimmed.AsSpan().IndexOfAny(";/\\") >= 0 ? throw AdminErrors.SpecialCharacters() : trimmed;
    }

    /// <summary>All role names, most powerful first.</summary>
    public static readonly IReadOnlyList<string> AllRoles = ["OWNER", "ADMINISTRATOR", "USER"];

    /// <summary>A role name as sent (exact, upper case), else code 0; a missing one is code 5.</summary>
    /// <summary>
    /// CompreFace's <c>UserRoleUpdateDto</c> (global and application role changes), validated before anything else as
    /// Spring validates a <c>@Valid</c> body: blank <c>userId</c> or <c>role</c> and an unknown role are code 26 with
    /// its messages.
    /// </summary>
    public static (Guid UserId, Role Role) ValidateRoleUpdate(Guid? userId, string? role)
    {
        var id = userId ?? throw AdminErrors.Validation("UserId cannot be empty");
        return string.IsNullOrWhiteSpace(role)
            ? throw AdminErrors.Validation("Role cannot be empty")
            : (id, role switch
            {
                "OWNER" => Role.Owner,
                "ADMINISTRATOR" => Role.Administrator,
                "USER" => Role.User,
                _ => throw AdminErrors.UnknownGlobalRole(role),
            });
    }

    public static Role ParseRole(string? name, string field) => name switch
    {
        null => throw AdminErrors.FieldEmpty(field),
        "OWNER" => Role.Owner,
        "ADMINISTRATOR" => Role.Administrator,
        "USER" => Role.User,
        _ => throw AdminErrors.UnknownRole(name),
    };

    /// <summary>CompreFace's role names.</summary>
    public static string? RoleName(Role? role) => role switch
    {
        Role.Owner => "OWNER",
        Role.Administrator => "ADMINISTRATOR",
        Role.User => "USER",
        _ => null,
    };
}
