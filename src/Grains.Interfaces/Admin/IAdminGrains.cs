namespace CompreFace.Grains.Interfaces.Admin;

/// <summary>A user, keyed by the user's guid.</summary>
[Alias("CompreFace.Admin.IUserGrain")]
public interface IUserGrain : IGrainWithGuidKey
{
    /// <summary>The user, or null if there is none with this id.</summary>
    [Alias("GetAsync")]
    Task<UserInfo?> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets the user's first and last name (validated at the edge); the updated user, or null.</summary>
    [Alias("UpdateNamesAsync")]
    Task<UserInfo?> UpdateNamesAsync(string firstName, string lastName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the password when <paramref name="oldPassword"/> is right and ends every session of the user; returns a
    /// fresh session for the caller, or null when the old password is wrong.
    /// </summary>
    [Alias("ChangePasswordAsync")]
    Task<SessionTokens?> ChangePasswordAsync(string oldPassword, string newPassword, CancellationToken cancellationToken = default);

    /// <summary>Ends every session of the user (sign out everywhere); false if there is no such user.</summary>
    [Alias("EndSessionsAsync")]
    Task<bool> EndSessionsAsync(CancellationToken cancellationToken = default);

    /// <summary>The applications this user may see: all of them for a global owner or administrator, else their own; sorted by name.</summary>
    [Alias("ListApplicationsAsync")]
    Task<IReadOnlyList<ApplicationInfo>> ListApplicationsAsync(CancellationToken cancellationToken = default);
}

/// <summary>The one registry of users (key 0): serialises sign-ups and the demo takeover.</summary>
[Alias("CompreFace.Admin.IUserRegistryGrain")]
public interface IUserRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Registers an active user; the first sign-up takes over the demo user.</summary>
    [Alias("RegisterAsync")]
    Task<RegistrationOutcome> RegisterAsync(Registration registration, CancellationToken cancellationToken = default);

    /// <summary>
    /// Invites <paramref name="email"/> (lower-cased, validated at the edge) to sign up while registration is
    /// <c>InviteOnly</c>, replacing an earlier invitation of it; returns when it expires, or null when the email is
    /// registered already. Who may invite is checked by the caller (the HTTP tier).
    /// </summary>
    [Alias("InviteAsync")]
    Task<DateTimeOffset?> InviteAsync(string email, Guid invitedBy, CancellationToken cancellationToken = default);

    /// <summary>Who may sign up now: <c>Admin:Registration</c>, or <see cref="RegistrationMode.Open"/> while the server has no owner.</summary>
    [Alias("GetRegistrationModeAsync")]
    Task<RegistrationMode> GetRegistrationModeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether nobody owns the server yet (only the demo user, nobody, or sign-ups awaiting confirmation): then the next
    /// sign-up needs the node's host or the setup token, and the node logs that token at start.
    /// </summary>
    [Alias("IsOwnerlessAsync")]
    Task<bool> IsOwnerlessAsync(CancellationToken cancellationToken = default);

    /// <summary>Whether the seeded demo user is still the only user (the demo model endpoint answers then).</summary>
    [Alias("IsDemoOnlyAsync")]
    Task<bool> IsDemoOnlyAsync(CancellationToken cancellationToken = default);

    /// <summary>Every user, by sign-up.</summary>
    [Alias("ListUsersAsync")]
    Task<IReadOnlyList<UserInfo>> ListUsersAsync(CancellationToken cancellationToken = default);

    /// <summary>A user by email (matched case-insensitively), or null.</summary>
    [Alias("FindByEmailAsync")]
    Task<UserInfo?> FindByEmailAsync(string email, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets a user's global role. Granting OWNER transfers ownership: the current owner becomes ADMINISTRATOR in the
    /// same transaction, so there is always exactly one. The owner's own role is changed only that way. Who may do
    /// what is checked by the caller (the HTTP tier).
    /// </summary>
    [Alias("SetGlobalRoleAsync")]
    Task<GlobalRoleOutcome> SetGlobalRoleAsync(Guid userId, Role role, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a user and hands the applications they own to <paramref name="replacerId"/>; their sessions end. False
    /// when there is no such user. The global owner is never deleted (the caller checks).
    /// </summary>
    [Alias("DeleteUserAsync")]
    Task<bool> DeleteUserAsync(Guid userId, Guid replacerId, CancellationToken cancellationToken = default);

    /// <summary>A sign-up confirmation token for the unconfirmed user with <paramref name="email"/> (valid for <c>Admin:ConfirmationTokenValiditySeconds</c>); null when there is none.</summary>
    [Alias("IssueConfirmationTokenAsync")]
    Task<string?> IssueConfirmationTokenAsync(string email, CancellationToken cancellationToken = default);

    /// <summary>Confirms a sign-up (the user becomes the global owner if there is none); false for an unknown, spent or expired token.</summary>
    [Alias("ConfirmRegistrationAsync")]
    Task<bool> ConfirmRegistrationAsync(string token, CancellationToken cancellationToken = default);

    /// <summary>
    /// A new password-reset token for the user with <paramref name="email"/> (replacing any earlier one), valid for
    /// <paramref name="validity"/>, with the account's stored address; null when no such user. Only its hash is
    /// stored; the caller mails the token to that address.
    /// </summary>
    [Alias("IssueResetTokenAsync")]
    Task<ResetTokenIssued?> IssueResetTokenAsync(string email, TimeSpan validity, CancellationToken cancellationToken = default);

    /// <summary>Sets the password of the token's user and spends the token; false when it is unknown, spent or expired.</summary>
    [Alias("ResetPasswordAsync")]
    Task<bool> ResetPasswordAsync(string token, string newPassword, CancellationToken cancellationToken = default);

    /// <summary>Answers when the admin database answers (for <c>/admin/status</c>).</summary>
    [Alias("PingAsync")]
    Task PingAsync(CancellationToken cancellationToken = default);
}

/// <summary>Password login for one email (key: the lower-cased email), with throttling of repeated failures.</summary>
[Alias("CompreFace.Admin.ILoginGrain")]
public interface ILoginGrain : IGrainWithStringKey
{
    /// <summary>
    /// Checks the password and issues session tokens, or counts a failure against (this email,
    /// <paramref name="clientAddress"/>): the address's network as the edge names it (<c>ClientAddresses</c>), so
    /// failures from one address never lock the email for another.
    /// </summary>
    [Alias("LoginAsync")]
    Task<LoginResult> LoginAsync(string password, string clientAddress, CancellationToken cancellationToken = default);
}

/// <summary>
/// Session tokens (one stateless worker, key 0): each call names a token by <see cref="SessionTokenHash.GrainKey"/>
/// (lower-case hex SHA-256 of the raw token, never the token itself). Every call reads the store: nothing is cached.
/// </summary>
[Alias("CompreFace.Admin.ISessionGrain")]
public interface ISessionGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// The user of a valid access token (unexpired, issued under the user's current security stamp, within the absolute
    /// session lifetime); null otherwise.
    /// </summary>
    [Alias("AuthenticateAsync")]
    Task<Guid?> AuthenticateAsync(string tokenKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Trades a valid refresh token for the session's next token pair (the old one is spent); null if invalid. A spent
    /// refresh token presented again after the grace period ends the whole session.
    /// </summary>
    [Alias("RefreshAsync")]
    Task<SessionTokens?> RefreshAsync(string tokenKey, CancellationToken cancellationToken = default);

    /// <summary>Ends the token's session (every token of its family); true if the token existed.</summary>
    [Alias("RevokeAsync")]
    Task<bool> RevokeAsync(string tokenKey, CancellationToken cancellationToken = default);
}

/// <summary>An application, keyed by its guid.</summary>
[Alias("CompreFace.Admin.IApplicationGrain")]
public interface IApplicationGrain : IGrainWithGuidKey
{
    /// <summary>Creates the application with <paramref name="ownerId"/> as its owner.</summary>
    [Alias("CreateAsync")]
    Task<NamingOutcome> CreateAsync(string name, Guid ownerId, CancellationToken cancellationToken = default);

    /// <summary>The application with its members, or null.</summary>
    [Alias("GetAsync")]
    Task<ApplicationInfo?> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>Renames the application (names are globally unique, case-sensitive).</summary>
    [Alias("RenameAsync")]
    Task<NamingOutcome> RenameAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Gives the application a new app-level key (not used by the face API).</summary>
    [Alias("RegenerateKeyAsync")]
    Task<bool> RegenerateKeyAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes the application with its services, their collections and their keys.</summary>
    [Alias("DeleteAsync")]
    Task<bool> DeleteAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds, changes or (with null) removes a member. Making someone OWNER demotes the previous owner to ADMINISTRATOR
    /// in the same transaction. Returns false when removing someone who is not a member.
    /// </summary>
    [Alias("SetMemberAsync")]
    Task<bool> SetMemberAsync(Guid userId, Role? role, CancellationToken cancellationToken = default);

    /// <summary>The application's face services, by creation.</summary>
    [Alias("ListServicesAsync")]
    Task<IReadOnlyList<FaceServiceDetails>> ListServicesAsync(CancellationToken cancellationToken = default);
}

/// <summary>A face service ("model"), keyed by its guid (= the face collection's id).</summary>
[Alias("CompreFace.Admin.IFaceServiceGrain")]
public interface IFaceServiceGrain : IGrainWithGuidKey
{
    /// <summary>Creates the service in <paramref name="appId"/> with a fresh API key.</summary>
    [Alias("CreateAsync")]
    Task<NamingOutcome> CreateAsync(Guid appId, string name, FaceServiceType type, CancellationToken cancellationToken = default);

    /// <summary>The service, or null.</summary>
    [Alias("GetAsync")]
    Task<FaceServiceDetails?> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>Renames the service (unique within its app, case-insensitive; the same name counts as taken).</summary>
    [Alias("RenameAsync")]
    Task<NamingOutcome> RenameAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Gives the service a new key; the old key stops working at once, cluster-wide. The collection stays.</summary>
    [Alias("RegenerateKeyAsync")]
    Task<FaceServiceDetails?> RegenerateKeyAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates this service as a copy of <paramref name="sourceServiceId"/> under <paramref name="name"/>, in the same
    /// application with the same type and a fresh key; a recognition service gets a copy of every subject, example
    /// and stored image. <see cref="NamingOutcome.NotFound"/> when the source is gone.
    /// </summary>
    [Alias("CloneAsync")]
    Task<NamingOutcome> CloneAsync(Guid sourceServiceId, string name, CancellationToken cancellationToken = default);

    /// <summary>Deletes the service, its collection and its key (which stops working at once).</summary>
    [Alias("DeleteAsync")]
    Task<bool> DeleteAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the service's request quota (null: the node-wide default applies); its key sees the change on its next
    /// request, on every node. Null when there is no such service.
    /// </summary>
    [Alias("SetQuotaAsync")]
    Task<FaceServiceDetails?> SetQuotaAsync(ServiceQuota? quota, CancellationToken cancellationToken = default);
}

/// <summary>
/// Writes and reads the per-service request statistics (docs/compreface-behaviour.md#statistics). Stateless: every node's request counter flushes
/// its in-memory totals through a local activation, which adds them to the store's hourly rows.
/// </summary>
[Alias("CompreFace.Admin.IRequestStatisticsGrain")]
public interface IRequestStatisticsGrain : IGrainWithIntegerKey
{
    /// <summary>Adds hourly counts to the stored totals (one transaction).</summary>
    [Alias("AddAsync")]
    Task AddAsync(IReadOnlyList<RequestCount> counts, CancellationToken cancellationToken = default);

    /// <summary>The stored hourly totals of a service from <paramref name="fromUtc"/> on, oldest first.</summary>
    [Alias("ListAsync")]
    Task<IReadOnlyList<RequestCount>> ListAsync(Guid serviceId, DateTime fromUtc, CancellationToken cancellationToken = default);
}

/// <summary>
/// Who may make the first sign-up, which becomes the server's owner (implemented beside the admin grains, asked by the
/// HTTP tier for each sign-up).
/// </summary>
public interface IOwnerSetupPolicy
{
    /// <summary>
    /// Whether a sign-up from <paramref name="remote"/> (the client's address after trusted-proxy headers) carrying
    /// <paramref name="token"/> may become the first owner: the node's own host, or the setup token.
    /// </summary>
    bool Allows(System.Net.IPAddress? remote, string? token);
}
