using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Interfaces.Admin;
namespace CompreFace.Grains.Storage;

/// <summary>What the public sign-up and demo endpoints need to know of the users, without reading them all.</summary>
/// <param name="HasOwner">Someone other than the demo user is the global owner (until then sign-ups follow the setup rule).</param>
/// <param name="DemoOnly">The seeded demo user is the only user.</param>
public sealed record UserCensus(bool HasOwner, bool DemoOnly);

/// <summary>
/// A stored user. <see cref="Email"/> is lower-cased; <see cref="PasswordHash"/> is Identity's v3 format (empty: no
/// login); <see cref="Enabled"/> is false until a mail-confirmed sign-up is confirmed. <see cref="SecurityStamp"/> is
/// bumped by <see cref="IAdminStore.EndSessionsAsync"/>: session tokens carry the stamp they were issued under.
/// </summary>
public sealed record UserRecord(
    Guid UserId, string Email, string PasswordHash, string FirstName, string LastName, Role GlobalRole, bool AllowStatistics, bool IsDemo,
    bool Enabled = true, long SecurityStamp = 0);

/// <summary>A stored application.</summary>
public sealed record AppRecord(Guid AppId, string Name, Guid ApiKey);

/// <summary>A stored face service; <see cref="Quota"/> null: the node-wide default applies.</summary>
public sealed record ServiceRecord(Guid ServiceId, Guid AppId, string Name, Guid ApiKey, FaceServiceType Type, DateTime CreatedAt, ServiceQuota? Quota = null);

/// <summary>Kinds of session token.</summary>
public enum TokenKind
{
    /// <summary>The <c>CFSESSION</c> cookie.</summary>
    Access,

    /// <summary>The <c>REFRESH_TOKEN</c> cookie.</summary>
    Refresh,
}

/// <summary>A stored session token: the SHA-256 of the raw token, never the token.</summary>
public sealed record TokenRecord(byte[] Hash, Guid UserId, TokenKind Kind, DateTimeOffset ExpiresAt)
{
    /// <summary>The login this token descends from (every refresh keeps it); null for a token stored before families existed.</summary>
    public Guid? FamilyId { get; init; }

    /// <summary>The user's <see cref="UserRecord.SecurityStamp"/> when the token was issued.</summary>
    public long Stamp { get; init; }

    /// <summary>When the family's login happened: the absolute session lifetime counts from here (null: unknown, an old token).</summary>
    public DateTimeOffset? SessionStartedAt { get; init; }

    /// <summary>When a refresh token was spent (its row stays until it expires so that a replay is recognised); null: unspent.</summary>
    public DateTimeOffset? UsedAt { get; init; }
}

/// <summary>A session token with its user's current <see cref="UserRecord.SecurityStamp"/>.</summary>
public sealed record SessionTokenRecord(TokenRecord Token, long UserStamp);

/// <summary>
/// Durable storage of the admin model (users, applications, members, services, session tokens) in the same database
/// as the face collections; the schema is part of the face store's versioned migrations. Two implementations,
/// PostgreSQL and SQLite, share one contract test suite (tests/Admin.Tests). Every method is durable when its task
/// completes. Uniqueness (email, application name, service name per app, API keys) is enforced by the database and
/// reported as a false/<see cref="NamingOutcome.NameTaken"/> result, never as an exception.
/// </summary>
public interface IAdminStore
{
    /// <summary>Round trip to the database.</summary>
    Task PingAsync(CancellationToken cancellationToken = default);

    /// <summary>A user by id, or null.</summary>
    Task<UserRecord?> FindUserAsync(Guid userId, CancellationToken cancellationToken = default);

    /// <summary>A user by lower-cased email, or null.</summary>
    Task<UserRecord?> FindUserByEmailAsync(string email, CancellationToken cancellationToken = default);

    /// <summary>All users, by creation.</summary>
    Task<IReadOnlyList<UserRecord>> ListUsersAsync(CancellationToken cancellationToken = default);

    /// <summary>Whether the server has an owner and whether the demo user is alone, in one bounded query.</summary>
    Task<UserCensus> GetUserCensusAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts a user; false when the email is taken.</summary>
    Task<bool> AddUserAsync(UserRecord user, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the demo user by <paramref name="user"/> (new id, email, password, names; role kept), carrying over its
    /// memberships; false when there is no demo user any more or the email is taken.
    /// </summary>
    Task<bool> TakeOverDemoUserAsync(UserRecord user, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes CompreFace's demo seed (the demo application with its services, members and statistics, and the demo
    /// user) while nobody has signed up yet (the demo user is still the demo); false when it was gone or taken over.
    /// </summary>
    Task<bool> RemoveUntouchedDemoSeedAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets a user's names; false if there is no such user.</summary>
    Task<bool> UpdateUserNamesAsync(Guid userId, string firstName, string lastName, CancellationToken cancellationToken = default);

    /// <summary>Sets a user's password hash; false if there is no such user.</summary>
    Task<bool> SetPasswordHashAsync(Guid userId, string passwordHash, CancellationToken cancellationToken = default);

    /// <summary>Stores session tokens.</summary>
    Task AddTokensAsync(IReadOnlyList<TokenRecord> tokens, CancellationToken cancellationToken = default);

    /// <summary>A token by hash, or null.</summary>
    Task<TokenRecord?> FindTokenAsync(byte[] hash, CancellationToken cancellationToken = default);

    /// <summary>Deletes a token; true if it existed.</summary>
    Task<bool> DeleteTokenAsync(byte[] hash, CancellationToken cancellationToken = default);

    /// <summary>A token by hash with its user's current security stamp (one read), or null.</summary>
    Task<SessionTokenRecord?> FindSessionTokenAsync(byte[] hash, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks an unspent refresh token spent at <paramref name="now"/>; false when it was spent already or is not there
    /// (of two racing callers exactly one gets true).
    /// </summary>
    Task<bool> SpendRefreshTokenAsync(byte[] hash, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Deletes every token of a family (one login and its refreshes); returns how many.</summary>
    Task<int> DeleteTokenFamilyAsync(Guid familyId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends every session of a user: bumps their security stamp and deletes their session tokens, atomically (a token
    /// being issued at the same moment carries the old stamp and is refused). False if there is no such user.
    /// </summary>
    Task<bool> EndSessionsAsync(Guid userId, CancellationToken cancellationToken = default);

    /// <summary>Sets a new password hash and ends the user's sessions (<see cref="EndSessionsAsync"/>) in one transaction; false if no such user.</summary>
    Task<bool> ReplacePasswordAsync(Guid userId, string passwordHash, CancellationToken cancellationToken = default);

    /// <summary>Invites <paramref name="email"/> (lower-cased) to sign up until <paramref name="expiresAt"/>, replacing an earlier invitation of it.</summary>
    Task SetInvitationAsync(string email, Guid invitedBy, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>Whether <paramref name="email"/> has an invitation that has not expired at <paramref name="now"/>.</summary>
    Task<bool> HasInvitationAsync(string email, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Deletes the invitation of <paramref name="email"/>; true if there was one.</summary>
    Task<bool> DeleteInvitationAsync(string email, CancellationToken cancellationToken = default);

    /// <summary>Inserts an application and makes <paramref name="ownerId"/> its owner, atomically; false when the name is taken.</summary>
    Task<bool> AddApplicationAsync(AppRecord app, Guid ownerId, CancellationToken cancellationToken = default);

    /// <summary>An application, or null.</summary>
    Task<AppRecord?> FindApplicationAsync(Guid appId, CancellationToken cancellationToken = default);

    /// <summary>All applications, or those <paramref name="memberId"/> belongs to; sorted by name (ordinal).</summary>
    Task<IReadOnlyList<AppRecord>> ListApplicationsAsync(Guid? memberId, CancellationToken cancellationToken = default);

    /// <summary>Renames an application.</summary>
    Task<NamingOutcome> RenameApplicationAsync(Guid appId, string name, CancellationToken cancellationToken = default);

    /// <summary>Sets the application's app-level key; false if there is no such application.</summary>
    Task<bool> SetApplicationKeyAsync(Guid appId, Guid apiKey, CancellationToken cancellationToken = default);

    /// <summary>Deletes an application with its memberships and services; false if there was none.</summary>
    Task<bool> DeleteApplicationAsync(Guid appId, CancellationToken cancellationToken = default);

    /// <summary>The members of an application with their roles.</summary>
    Task<IReadOnlyList<(UserRecord User, Role Role)>> ListMembersAsync(Guid appId, CancellationToken cancellationToken = default);

    /// <summary>Adds <paramref name="userId"/> to the application with <paramref name="role"/>, or changes the member's role.</summary>
    Task SetMemberRoleAsync(Guid appId, Guid userId, Role role, CancellationToken cancellationToken = default);

    /// <summary>Makes <paramref name="userId"/> the application's owner and demotes the previous owner to ADMINISTRATOR, atomically.</summary>
    Task TransferOwnershipAsync(Guid appId, Guid userId, CancellationToken cancellationToken = default);

    /// <summary>Removes a member; false if they were not one.</summary>
    Task<bool> RemoveMemberAsync(Guid appId, Guid userId, CancellationToken cancellationToken = default);

    /// <summary>Sets a user's global role; false if there is no such user. At most one OWNER (a second one throws).</summary>
    Task<bool> SetGlobalRoleAsync(Guid userId, Role role, CancellationToken cancellationToken = default);

    /// <summary>Inserts a service; false when the name is taken in its app (case-insensitive).</summary>
    Task<bool> AddServiceAsync(ServiceRecord service, CancellationToken cancellationToken = default);

    /// <summary>A service by id, or null.</summary>
    Task<ServiceRecord?> FindServiceAsync(Guid serviceId, CancellationToken cancellationToken = default);

    /// <summary>A service by API key, or null.</summary>
    Task<ServiceRecord?> FindServiceByKeyAsync(Guid apiKey, CancellationToken cancellationToken = default);

    /// <summary>The services of an application, by creation.</summary>
    Task<IReadOnlyList<ServiceRecord>> ListServicesAsync(Guid appId, CancellationToken cancellationToken = default);

    /// <summary>Renames a service.</summary>
    Task<NamingOutcome> RenameServiceAsync(Guid serviceId, string name, CancellationToken cancellationToken = default);

    /// <summary>Sets a service's key; false if there is no such service.</summary>
    Task<bool> SetServiceKeyAsync(Guid serviceId, Guid apiKey, CancellationToken cancellationToken = default);

    /// <summary>Sets (or, with null, clears) a service's request quota; false if there is no such service.</summary>
    Task<bool> SetServiceQuotaAsync(Guid serviceId, ServiceQuota? quota, CancellationToken cancellationToken = default);

    /// <summary>Deletes a service and its request statistics; false if there was none.</summary>
    Task<bool> DeleteServiceAsync(Guid serviceId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes <paramref name="userId"/> the global OWNER and <paramref name="ownerId"/> an ADMINISTRATOR, moving the
    /// statistics consent with the role, atomically (docs/compreface-behaviour.md#roles-and-permissions). False, changing nothing, when either is missing or
    /// <paramref name="ownerId"/> is not the owner.
    /// </summary>
    Task<bool> TransferGlobalOwnershipAsync(Guid ownerId, Guid userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a user, atomically handing every application they own to <paramref name="replacerId"/> (who becomes its
    /// OWNER); memberships and tokens go with the user. False, changing nothing, when the user does not exist.
    /// </summary>
    Task<bool> DeleteUserAsync(Guid userId, Guid replacerId, CancellationToken cancellationToken = default);

    /// <summary>Stores the password-reset token of a user (by hash), replacing any earlier one of theirs.</summary>
    Task SetResetTokenAsync(byte[] hash, Guid userId, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>Deletes a password-reset token and returns its user if it had not expired at <paramref name="now"/>; else null.</summary>
    Task<Guid?> TakeResetTokenAsync(byte[] hash, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Stores the sign-up confirmation token of an unconfirmed user (by hash), replacing any earlier one.</summary>
    Task SetRegistrationTokenAsync(byte[] hash, Guid userId, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Spends a sign-up confirmation token: when it had not expired at <paramref name="now"/>, enables its user and,
    /// if there is no global owner, makes them the owner, atomically. Returns the user, or null.
    /// </summary>
    Task<Guid?> ConfirmRegistrationAsync(byte[] hash, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Deletes unconfirmed users who signed up before <paramref name="createdBefore"/> and own no application; returns how many.</summary>
    Task<int> DeleteUnconfirmedUsersAsync(DateTimeOffset createdBefore, CancellationToken cancellationToken = default);

    /// <summary>Deletes session, password-reset and confirmation tokens and invitations that expired before <paramref name="now"/>; returns how many.</summary>
    Task<int> DeleteExpiredTokensAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds request counts to the per-service, per-hour totals in one transaction (a row is created when missing).
    /// Counts of services that no longer exist are dropped.
    /// </summary>
    Task AddRequestCountsAsync(IReadOnlyList<RequestCount> counts, CancellationToken cancellationToken = default);

    /// <summary>The hourly request totals of a service from <paramref name="fromUtc"/> on, oldest first.</summary>
    Task<IReadOnlyList<RequestCount>> ListRequestCountsAsync(Guid serviceId, DateTime fromUtc, CancellationToken cancellationToken = default);
}
