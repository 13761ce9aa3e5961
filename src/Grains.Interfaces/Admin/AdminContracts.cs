namespace CompreFace.Grains.Interfaces.Admin;

/// <summary>CompreFace's roles, global and per application (docs/compreface-behaviour.md#roles-and-permissions; stored O/A/U).</summary>
[GenerateSerializer]
public enum Role
{
    /// <summary>Everything; exactly one global owner, one owner per application.</summary>
    Owner = 0,

    /// <summary>Global: everything but acting on the owner. Application: services only.</summary>
    Administrator = 1,

    /// <summary>Global: no application creation. Application: read only.</summary>
    User = 2,
}

/// <summary>A user as the admin API shows it.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Admin.UserInfo")]
public sealed record UserInfo(Guid UserId, string Email, string FirstName, string LastName, Role GlobalRole);

/// <summary>A sign-up request, already validated at the edge (email lower-cased); <c>Unconfirmed</c>: mail on, the user confirms by link.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Admin.Registration")]
public sealed record Registration(
    string Email, string Password, string FirstName, string LastName, bool AllowStatistics, bool Unconfirmed = false,
    bool MayBecomeOwner = false);

/// <summary>Outcome of a sign-up.</summary>
[GenerateSerializer]
public enum RegistrationOutcome
{
    /// <summary>A new, active user.</summary>
    Created = 0,

    /// <summary>The first sign-up took over the seeded demo user (global owner, demo app and services).</summary>
    TookOverDemo = 1,

    /// <summary>The email is registered already (code 4).</summary>
    EmailTaken = 2,

    /// <summary>
    /// This sign-up would become the server's first owner, and it came neither from the node's own host nor with the
    /// setup token (<see cref="Registration.MayBecomeOwner"/>); nothing was stored.
    /// </summary>
    OwnerSetupRequired = 3,

    /// <summary><c>Admin:Registration</c> is <c>Closed</c>: nobody signs up once the server has its owner; nothing stored.</summary>
    RegistrationClosed = 4,

    /// <summary><c>Admin:Registration</c> is <c>InviteOnly</c> and this email has no valid invitation; nothing stored.</summary>
    NotInvited = 5,
}

/// <summary>A pair of freshly issued session tokens (the only time the raw tokens exist outside the client).</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Admin.SessionTokens")]
public sealed record SessionTokens(
    string AccessToken, string RefreshToken, int AccessExpiresInSeconds, int RefreshExpiresInSeconds);

/// <summary>Outcome of a password login.</summary>
[GenerateSerializer]
public enum LoginStatus
{
    /// <summary>Tokens issued.</summary>
    Succeeded = 0,

    /// <summary>Unknown email or wrong password (indistinguishable on purpose).</summary>
    BadCredentials = 1,

    /// <summary>Too many recent failures for this email; no password was checked.</summary>
    LockedOut = 2,

    /// <summary>Right password, but the sign-up is not confirmed yet (docs/compreface-behaviour.md#admin-sessions: <c>User is disabled</c>).</summary>
    Disabled = 3,
}

/// <summary>Result of <see cref="ILoginGrain.LoginAsync"/>.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Admin.LoginResult")]
public sealed record LoginResult(LoginStatus Status, SessionTokens? Tokens);

/// <summary>A member of an application.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Admin.MemberInfo")]
public sealed record MemberInfo(UserInfo User, Role Role);

/// <summary>An application with its members (the owner among them).</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Admin.ApplicationInfo")]
public sealed record ApplicationInfo(Guid AppId, string Name, Guid ApiKey, IReadOnlyList<MemberInfo> Members)
{
    /// <summary>The role of <paramref name="userId"/> in this application, or null if not a member.</summary>
    public Role? RoleOf(Guid userId) => Members.FirstOrDefault(m => m.User.UserId == userId)?.Role;

    /// <summary>The application owner (every application has one).</summary>
    public UserInfo? Owner => Members.FirstOrDefault(m => m.Role == Role.Owner)?.User;
}

/// <summary>A face service ("model") as the admin API sees it.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Admin.FaceServiceDetails")]
public sealed record FaceServiceDetails(
    Guid ServiceId, Guid AppId, string Name, Guid ApiKey, FaceServiceType Type, DateTime CreatedAt,
    ServiceQuota? Quota = null);

/// <summary>Outcome of a create or rename whose name must be unique.</summary>
[GenerateSerializer]
public enum NamingOutcome
{
    /// <summary>Done.</summary>
    Done = 0,

    /// <summary>The name is taken (code 17).</summary>
    NameTaken = 1,

    /// <summary>The entity does not exist (any more).</summary>
    NotFound = 2,
}

/// <summary>Face API requests of one service in one UTC hour (docs/compreface-behaviour.md#statistics).</summary>
/// <param name="ServiceId">The face service.</param>
/// <param name="Hour">Start of the UTC hour.</param>
/// <param name="Count">Requests counted in that hour.</param>
[GenerateSerializer, Immutable, Alias("CompreFace.Admin.RequestCount")]
public sealed record RequestCount(Guid ServiceId, DateTime Hour, long Count);

/// <summary>Outcome of a global role change (docs/compreface-behaviour.md#roles-and-permissions).</summary>
[GenerateSerializer]
public enum GlobalRoleOutcome
{
    /// <summary>Changed (granting OWNER also demoted the previous owner to ADMINISTRATOR).</summary>
    Done = 0,

    /// <summary>The user does not exist.</summary>
    NotFound = 1,

    /// <summary>The target is the global owner, whose role only an ownership transfer changes (code 14).</summary>
    TargetIsOwner = 2,
}

/// <summary>A password-reset token just issued, and the address stored for its account (where the link is mailed).</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Admin.ResetTokenIssued")]
public sealed record ResetTokenIssued(string Token, string Email);

/// <summary>Who may sign up once the server has its owner (<c>Admin:Registration</c>).</summary>
[GenerateSerializer]
public enum RegistrationMode
{
    /// <summary>Anyone who reaches the node (CompreFace's behaviour).</summary>
    Open = 0,

    /// <summary>Only an email that a global owner or administrator, or an application owner or administrator, invited.</summary>
    InviteOnly = 1,

    /// <summary>Nobody: the owner's account is the only one that can be made by sign-up.</summary>
    Closed = 2,
}
