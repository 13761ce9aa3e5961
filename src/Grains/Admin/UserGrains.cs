using CompreFace.Grains.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Grains.Admin;

/// <summary>A user: reads through to the store (the store is the truth; nothing is cached across calls).</summary>
internal sealed class UserGrain(IAdminStore store, IPasswordHasher<AdminUser> hasher, IOptions<AdminOptions> options, TimeProvider time) : Grain, IUserGrain
{
    private static readonly AdminUser Nobody = new();

    async Task<UserInfo?> IUserGrain.UpdateNamesAsync(string firstName, string lastName, CancellationToken cancellationToken)
    {
        var id = this.GetPrimaryKey();
        return await store.UpdateUserNamesAsync(id, firstName, lastName, cancellationToken)
            && await store.FindUserAsync(id, cancellationToken) is { } user ? user.ToInfo() : null;
    }

    async Task<SessionTokens?> IUserGrain.ChangePasswordAsync(string oldPassword, string newPassword, CancellationToken cancellationToken)
    {
        var user = await store.FindUserAsync(this.GetPrimaryKey(), cancellationToken);
        if (user is not { PasswordHash.Length: > 0 }
            || await Task.Run(() => hasher.VerifyHashedPassword(Nobody, user.PasswordHash, oldPassword), cancellationToken) == PasswordVerificationResult.Failed)
        {
            return null;
        }

        // Every session made with the old password ends (someone who had it may hold one); the caller, who just proved
        // the old password, gets a new one under the new stamp.
        var hash = await Task.Run(() => hasher.HashPassword(Nobody, newPassword), cancellationToken);
        return await store.ReplacePasswordAsync(user.UserId, hash, cancellationToken)
            && await store.FindUserAsync(user.UserId, cancellationToken) is { } changed
            ? await SessionTokenIssuer.StartAsync(store, changed, options.Value, time, cancellationToken)
            : null;
    }

    Task<bool> IUserGrain.EndSessionsAsync(CancellationToken cancellationToken) => store.EndSessionsAsync(this.GetPrimaryKey(), cancellationToken);

    async Task<UserInfo?> IUserGrain.GetAsync(CancellationToken cancellationToken) =>
        await store.FindUserAsync(this.GetPrimaryKey(), cancellationToken) is { } user ? user.ToInfo() : null;

    async Task<IReadOnlyList<ApplicationInfo>> IUserGrain.ListApplicationsAsync(CancellationToken cancellationToken)
    {
        var user = await store.FindUserAsync(this.GetPrimaryKey(), cancellationToken);
        if (user is null)
        {
            return [];
        }

        var everything = user.GlobalRole is Role.Owner or Role.Administrator;
        var apps = await store.ListApplicationsAsync(everything ? null : user.UserId, cancellationToken);
        var result = new List<ApplicationInfo>(apps.Count);
        foreach (var app in apps)
        {
            result.Add(await ApplicationGrain.ToInfoAsync(store, app, cancellationToken));
        }

        return result;
    }
}

/// <summary>
/// The registry of users (one activation, key 0). Sign-ups go through it one at a time so that the check "only the
/// demo user exists" and the takeover cannot race; email uniqueness itself is the database's.
/// </summary>
internal sealed partial class UserRegistryGrain(
    IAdminStore store,
    IPasswordHasher<AdminUser> hasher,
    TimeProvider time,
    IOptions<AdminOptions> options,
    ILogger<UserRegistryGrain> logger) : Grain, IUserRegistryGrain
{
    private static readonly AdminUser Nobody = new();

    async Task<RegistrationOutcome> IUserRegistryGrain.RegisterAsync(Registration registration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);

        // PBKDF2 is deliberately slow: keep it off the grain scheduler.
        var hash = await Task.Run(() => hasher.HashPassword(Nobody, registration.Password), cancellationToken);
        var user = new UserRecord(
            Guid.NewGuid(), registration.Email, hash, registration.FirstName, registration.LastName, Role.User, registration.AllowStatistics, IsDemo: false,
            Enabled: !registration.Unconfirmed);

        var census = await store.GetUserCensusAsync(cancellationToken);
        if (!census.HasOwner)
        {
            // Whoever reaches a fresh node first would own it: only a sign-up from the node's host or with the setup
            // token may (SECURITY.md). Checked here, inside the one registry activation, so two racing sign-ups
            // cannot both pass a check made outside it. With mail on, this holds until a sign-up is confirmed: the
            // first confirmed user becomes the owner, so a later unconfirmed sign-up could still take the server.
            if (!registration.MayBecomeOwner)
            {
                return RegistrationOutcome.OwnerSetupRequired;
            }

            // CompreFace: the first sign-up becomes the demo user (global owner, demo app and services) under a new guid.
            if (census.DemoOnly && await store.TakeOverDemoUserAsync(user, cancellationToken))
            {
                LogDemoTakenOver(logger, user.UserId);
                return RegistrationOutcome.TookOverDemo;
            }

            // No demo seed (Admin:SeedDemo=false): the first user is the owner; with mail on, once confirmed (the
            // confirmation makes the first confirmed user the owner, as for a takeover). Admin:Registration is for
            // everyone after the owner, whom nobody could have invited.
            return await AddAsync(registration is { Unconfirmed: false } ? user with { GlobalRole = Role.Owner } : user, cancellationToken);
        }

        // Everyone after the owner: Admin:Registration. Checked before the email's uniqueness, so a refused sign-up does
        // not tell whether the address is registered.
        var mode = options.Value.Registration;
        if (mode == RegistrationMode.Closed)
        {
            return RegistrationOutcome.RegistrationClosed;
        }

        if (mode == RegistrationMode.InviteOnly && !await store.HasInvitationAsync(user.Email, time.GetUtcNow(), cancellationToken))
        {
            return RegistrationOutcome.NotInvited;
        }

        var outcome = await AddAsync(user, cancellationToken);
        if (outcome == RegistrationOutcome.Created && mode == RegistrationMode.InviteOnly)
        {
            await store.DeleteInvitationAsync(user.Email, cancellationToken);
        }

        return outcome;
    }

    private async Task<RegistrationOutcome> AddAsync(UserRecord user, CancellationToken cancellationToken)
    {
        if (!await store.AddUserAsync(user, cancellationToken))
        {
            return RegistrationOutcome.EmailTaken;
        }

        LogRegistered(logger, user.UserId);
        return RegistrationOutcome.Created;
    }

    async Task<RegistrationMode> IUserRegistryGrain.GetRegistrationModeAsync(CancellationToken cancellationToken)
    {
        // Until someone owns the server, the next sign-up follows the setup rule instead (OwnerSetup).
        return (await store.GetUserCensusAsync(cancellationToken)).HasOwner ? options.Value.Registration : RegistrationMode.Open;
    }

    async Task<DateTimeOffset?> IUserRegistryGrain.InviteAsync(string email, Guid invitedBy, CancellationToken cancellationToken)
    {
        if (await store.FindUserByEmailAsync(email, cancellationToken) is not null)
        {
            return null;
        }

        var expiresAt = time.GetUtcNow().AddSeconds(options.Value.InvitationValiditySeconds);
        await store.SetInvitationAsync(email, invitedBy, expiresAt, cancellationToken);
        LogInvited(logger, invitedBy);
        return expiresAt;
    }

    /// <summary>
    /// No one owns the server yet: only CompreFace's demo user (whom the first sign-up takes over), nobody, or sign-ups
    /// still waiting for their confirmation (the first confirmed becomes the owner).
    /// </summary>
    async Task<bool> IUserRegistryGrain.IsOwnerlessAsync(CancellationToken cancellationToken) =>
        !(await store.GetUserCensusAsync(cancellationToken)).HasOwner;

    async Task<bool> IUserRegistryGrain.IsDemoOnlyAsync(CancellationToken cancellationToken)
    {
        return (await store.GetUserCensusAsync(cancellationToken)).DemoOnly;
    }

    async Task<IReadOnlyList<UserInfo>> IUserRegistryGrain.ListUsersAsync(CancellationToken cancellationToken) =>
        [.. (await store.ListUsersAsync(cancellationToken)).Select(u => u.ToInfo())];

    async Task<UserInfo?> IUserRegistryGrain.FindByEmailAsync(string email, CancellationToken cancellationToken) =>
        await store.FindUserByEmailAsync(email.Trim().ToLowerInvariant(), cancellationToken) is { } user ? user.ToInfo() : null;

    Task IUserRegistryGrain.PingAsync(CancellationToken cancellationToken) => store.PingAsync(cancellationToken);

    async Task<string?> IUserRegistryGrain.IssueConfirmationTokenAsync(string email, CancellationToken cancellationToken)
    {
        var user = await store.FindUserByEmailAsync(email.Trim().ToLowerInvariant(), cancellationToken);
        if (user is not { Enabled: false })
        {
            return null;
        }

        var token = Guid.NewGuid().ToString("D");
        var validity = TimeSpan.FromSeconds(options.Value.ConfirmationTokenValiditySeconds);
        await store.SetRegistrationTokenAsync(SessionTokenHash.Compute(token), user.UserId, time.GetUtcNow().Add(validity), cancellationToken);
        return token;
    }

    async Task<bool> IUserRegistryGrain.ConfirmRegistrationAsync(string token, CancellationToken cancellationToken)
    {
        var userId = await store.ConfirmRegistrationAsync(SessionTokenHash.Compute(token), time.GetUtcNow(), cancellationToken);
        if (userId is null)
        {
            return false;
        }

        LogConfirmed(logger, userId.Value);
        return true;
    }

    async Task<ResetTokenIssued?> IUserRegistryGrain.IssueResetTokenAsync(string email, TimeSpan validity, CancellationToken cancellationToken)
    {
        // Not CompreFace's seeded demo user: it has no password, its address (demo@demo.com) is at someone else's
        // domain, and it is the global owner until the first sign-up takes it over (past the owner setup rule).
        var user = await store.FindUserByEmailAsync(email.Trim().ToLowerInvariant(), cancellationToken);
        if (user is null or { IsDemo: true })
        {
            return null;
        }

        // A random v4 UUID, as CompreFace's link carries (122 random bits from the OS CSPRNG).
        var token = Guid.NewGuid().ToString("D");
        await store.SetResetTokenAsync(SessionTokenHash.Compute(token), user.UserId, time.GetUtcNow().Add(validity), cancellationToken);
        LogResetTokenIssued(logger, user.UserId);
        return new ResetTokenIssued(token, user.Email);
    }

    async Task<bool> IUserRegistryGrain.ResetPasswordAsync(string token, string newPassword, CancellationToken cancellationToken)
    {
        var userId = await store.TakeResetTokenAsync(SessionTokenHash.Compute(token), time.GetUtcNow(), cancellationToken);
        if (userId is null)
        {
            return false;
        }

        var hash = await Task.Run(() => hasher.HashPassword(Nobody, newPassword), cancellationToken);
        if (!await store.ReplacePasswordAsync(userId.Value, hash, cancellationToken))
        {
            return false;
        }

        LogPasswordReset(logger, userId.Value);
        return true;
    }

    async Task<GlobalRoleOutcome> IUserRegistryGrain.SetGlobalRoleAsync(Guid userId, Role role, CancellationToken cancellationToken)
    {
        // One activation: two ownership transfers cannot interleave (the database keeps at most one owner regardless).
        var users = await store.ListUsersAsync(cancellationToken);
        var user = users.FirstOrDefault(u => u.UserId == userId);
        if (user is null)
        {
            return GlobalRoleOutcome.NotFound;
        }

        if (user.GlobalRole == Role.Owner)
        {
            return GlobalRoleOutcome.TargetIsOwner;
        }

        if (role == Role.Owner)
        {
            var owner = users.Single(u => u.GlobalRole == Role.Owner);
            if (!await store.TransferGlobalOwnershipAsync(owner.UserId, userId, cancellationToken))
            {
                return GlobalRoleOutcome.NotFound;
            }

            // Both roles changed: sessions made under either old role end.
            await store.EndSessionsAsync(owner.UserId, cancellationToken);
            await store.EndSessionsAsync(userId, cancellationToken);
            LogOwnershipTransferred(logger, owner.UserId, userId);
            return GlobalRoleOutcome.Done;
        }

        if (!await store.SetGlobalRoleAsync(userId, role, cancellationToken))
        {
            return GlobalRoleOutcome.NotFound;
        }

        await store.EndSessionsAsync(userId, cancellationToken);

        LogGlobalRoleChanged(logger, userId, role);
        return GlobalRoleOutcome.Done;
    }

    async Task<bool> IUserRegistryGrain.DeleteUserAsync(Guid userId, Guid replacerId, CancellationToken cancellationToken)
    {
        var user = await store.FindUserAsync(userId, cancellationToken);
        if (user is null)
        {
            return false;
        }

        if (user.GlobalRole == Role.Owner)
        {
            throw new InvalidOperationException("The global owner cannot be deleted; the HTTP tier refuses this with code 9.");
        }

        // Memberships and session tokens go with the row; a cached session then finds no user (403 code 1).
        if (!await store.DeleteUserAsync(userId, replacerId, cancellationToken))
        {
            return false;
        }

        LogDeleted(logger, userId, replacerId);
        return true;
    }

    [LoggerMessage(EventId = 3204, Level = LogLevel.Information, Message = "User {UserId} invited an email to sign up")]
    private static partial void LogInvited(ILogger logger, Guid userId);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "User {UserId} registered")]
    private static partial void LogRegistered(ILogger logger, Guid userId);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "User {UserId} registered and took over the demo user")]
    private static partial void LogDemoTakenOver(ILogger logger, Guid userId);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Global ownership moved from {PreviousOwnerId} to {UserId}; the previous owner is now ADMINISTRATOR")]
    private static partial void LogOwnershipTransferred(ILogger logger, Guid previousOwnerId, Guid userId);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "User {UserId} is now global {Role}")]
    private static partial void LogGlobalRoleChanged(ILogger logger, Guid userId, Role role);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "User {UserId} confirmed their sign-up")]
    private static partial void LogConfirmed(ILogger logger, Guid userId);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Password-reset token issued for user {UserId}")]
    private static partial void LogResetTokenIssued(ILogger logger, Guid userId);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Password of user {UserId} reset with a mailed token")]
    private static partial void LogPasswordReset(ILogger logger, Guid userId);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "User {UserId} deleted; their applications went to {ReplacerId}")]
    private static partial void LogDeleted(ILogger logger, Guid userId, Guid replacerId);
}

/// <summary>Mapping of stored users to wire records.</summary>
internal static class UserRecordExtensions
{
    public static UserInfo ToInfo(this UserRecord user) => new(user.UserId, user.Email, user.FirstName, user.LastName, user.GlobalRole);
}
