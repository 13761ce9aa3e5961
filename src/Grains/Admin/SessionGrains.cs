using CompreFace.Grains.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CompreFace.Grains.Interfaces.Admin;
using Orleans.Concurrency;

namespace CompreFace.Grains.Admin;

/// <summary>
/// Password login for one email. Failures are counted in memory per client address: <see cref="AdminOptions.LoginFailureLimit"/>
/// consecutive ones from one address lock the email for that address for <see cref="AdminOptions.LockoutSeconds"/>,
/// during which no password from it is checked; other addresses are unaffected, so a stranger cannot keep the owner
/// out (decision 0024). One activation per email cluster-wide, so the counts hold across nodes; the activation is
/// kept alive while an address is locked, and at most <see cref="LoginFailures.MaxTracked"/> addresses are tracked.
/// Unknown emails are throttled alike and cost the same hash work, so the answer does not reveal who is registered;
/// their failures are counted by the client address's <see cref="IUnknownEmailLoginGrain"/> instead, and this
/// activation goes after the call, so a flood of random well-formed emails leaves one activation per client address,
/// not one per email.
/// </summary>
internal sealed partial class LoginGrain(
    IAdminStore store,
    IPasswordHasher<AdminUser> hasher,
    IOptions<AdminOptions> options,
    TimeProvider time,
    ILogger<LoginGrain> logger) : Grain, ILoginGrain
{
    private static readonly AdminUser Nobody = new();

    /// <summary>
    /// A valid hash of a random password made by the configured hasher (same iterations as real hashes), verified for
    /// unknown emails so that they take as long as known ones.
    /// </summary>
    private static string? _decoyHash;

    private readonly AdminOptions _options = options.Value;
    private readonly LoginFailures _failures = new(options.Value, time);

    async Task<LoginResult> ILoginGrain.LoginAsync(string password, string clientAddress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(clientAddress);

        // The account first, on every path, so that a locked answer takes as long for a registered email as for another.
        var user = await store.FindUserByEmailAsync(this.GetPrimaryKeyString(), cancellationToken);
        if (user is null && _failures.IsEmpty)
        {
            return await UnknownEmailAsync(password, clientAddress, cancellationToken);
        }

        if (_failures.IsLocked(clientAddress))
        {
            return new LoginResult(LoginStatus.LockedOut, null);
        }

        var verdict = await VerifyAsync(user is { PasswordHash.Length: > 0 } ? user.PasswordHash : null, password, cancellationToken);
        if (user is null || user.PasswordHash.Length == 0 || verdict == PasswordVerificationResult.Failed)
        {
            CountFailure(clientAddress);
            return new LoginResult(LoginStatus.BadCredentials, null);
        }

        _failures.Clear(clientAddress);
        if (!user.Enabled)
        {
            return new LoginResult(LoginStatus.Disabled, null);
        }

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            // A hash from before the current iteration count (or Identity's older format): the password is at hand
            // only now, so this is when it can be upgraded.
            var upgraded = await Task.Run(() => hasher.HashPassword(Nobody, password), cancellationToken);
            await store.SetPasswordHashAsync(user.UserId, upgraded, cancellationToken);
            LogPasswordHashUpgraded(logger);
        }

        var tokens = await SessionTokenIssuer.StartAsync(store, user, _options, time, cancellationToken);
        return new LoginResult(LoginStatus.Succeeded, tokens);
    }

    /// <summary>
    /// No account has this email: the same answers as for a wrong password (the decoy hash, the same lockout), counted by
    /// the client address's grain; this activation keeps nothing and goes after the call.
    /// </summary>
    private async Task<LoginResult> UnknownEmailAsync(string password, string clientAddress, CancellationToken cancellationToken)
    {
        DeactivateOnIdle();
        var email = this.GetPrimaryKeyString();
        var attempts = GrainFactory.GetGrain<IUnknownEmailLoginGrain>(clientAddress);
        if (await attempts.IsLockedAsync(email))
        {
            return new LoginResult(LoginStatus.LockedOut, null);
        }

        await VerifyAsync(null, password, cancellationToken);
        await attempts.CountFailureAsync(email);
        return new LoginResult(LoginStatus.BadCredentials, null);
    }

    private Task<PasswordVerificationResult> VerifyAsync(string? hash, string password, CancellationToken cancellationToken)
    {
        var checkedHash = hash ?? (_decoyHash ??= hasher.HashPassword(Nobody, Guid.NewGuid().ToString()));
        return Task.Run(() => hasher.VerifyHashedPassword(Nobody, checkedHash, password), cancellationToken);
    }

    private void CountFailure(string clientAddress)
    {
        if (_failures.Count(clientAddress))
        {
            DelayDeactivation(TimeSpan.FromSeconds(_options.LockoutSeconds));
            LogLockedOut(logger, _options.LoginFailureLimit, _options.LockoutSeconds);
        }
    }

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "A login email was locked out for one client address after {Failures} failures for {Seconds} s")]
    private static partial void LogLockedOut(ILogger logger, int failures, int seconds);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Information, Message = "A password hash was upgraded to the current iteration count at login")]
    private static partial void LogPasswordHashUpgraded(ILogger logger);
}

/// <summary>
/// Failed logins of one client address against emails that have no account (key: the address as the edge names it):
/// the same per-(email, address) counting and lockout as <see cref="LoginGrain"/> applies to registered emails, held
/// here so that random emails do not each keep an activation. At most <see cref="LoginFailures.MaxTracked"/> emails
/// per address (the one idle longest is forgotten); the per-address rate limit slows one address down anyway.
/// </summary>
internal sealed partial class UnknownEmailLoginGrain(IOptions<AdminOptions> options, TimeProvider time, ILogger<UnknownEmailLoginGrain> logger)
    : Grain, IUnknownEmailLoginGrain
{
    private readonly LoginFailures _failures = new(options.Value, time);

    Task<bool> IUnknownEmailLoginGrain.IsLockedAsync(string email) => Task.FromResult(_failures.IsLocked(email));

    Task IUnknownEmailLoginGrain.CountFailureAsync(string email)
    {
        if (_failures.Count(email))
        {
            DelayDeactivation(TimeSpan.FromSeconds(options.Value.LockoutSeconds));
            LogLockedOut(logger, options.Value.LoginFailureLimit, options.Value.LockoutSeconds);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 3601, Level = LogLevel.Information, Message = "An email without an account was locked out for one client address after {Failures} failures for {Seconds} s")]
    private static partial void LogLockedOut(ILogger logger, int failures, int seconds);
}

/// <summary>
/// Consecutive login failures per key (a client address, or an email), and until when a key is locked; bounded at
/// <see cref="MaxTracked"/> keys, the one idle longest forgotten first.
/// </summary>
internal sealed class LoginFailures(AdminOptions options, TimeProvider time)
{
    /// <summary>How many keys are remembered: memory stays bounded when failures come from very many of them.</summary>
    internal const int MaxTracked = 1024;

    private readonly Dictionary<string, Failures> _failures = new(StringComparer.Ordinal);

    public bool IsEmpty => _failures.Count == 0;

    public bool IsLocked(string key) => _failures.TryGetValue(key, out var failures) && time.GetUtcNow() < failures.LockedUntil;

    public void Clear(string key) => _failures.Remove(key);

    /// <summary>Counts one failure for <paramref name="key"/>; true when it now locks the key.</summary>
    public bool Count(string key)
    {
        var now = time.GetUtcNow();
        var count = (_failures.TryGetValue(key, out var previous) ? previous.Count : 0) + 1;   // a lapsed lockout left 0
        var locks = count >= options.LoginFailureLimit;
        _failures[key] = locks
            ? new Failures(0, now.AddSeconds(options.LockoutSeconds), now)
            : new Failures(count, DateTimeOffset.MinValue, now);
        if (_failures.Count > MaxTracked)
        {
            _failures.Remove(_failures.MinBy(f => f.Value.LastFailure).Key);
        }

        return locks;
    }

    /// <summary>Consecutive failures, and until when the key is locked out.</summary>
    private sealed record Failures(int Count, DateTimeOffset LockedUntil, DateTimeOffset LastFailure);
}

/// <summary>
/// Session tokens (docs/decisions/0023-accounts-and-sessions.md): a stateless worker (key 0, a local activation on every
/// silo) that reads the token row and its user's security stamp from the store on every call. Nothing is cached, so a
/// password change, a role change or a revoked family on one node is refused on every node at the next call; and a
/// random cookie creates no activation of its own. Refresh-token reuse is decided by the store's one-shot update.
/// </summary>
[StatelessWorker]
internal sealed partial class SessionGrain(IAdminStore store, IOptions<AdminOptions> options, TimeProvider time, ILogger<SessionGrain> logger)
    : Grain, ISessionGrain
{
    private AdminOptions Options => options.Value;

    async Task<Guid?> ISessionGrain.AuthenticateAsync(string tokenKey, CancellationToken cancellationToken)
    {
        var found = await FindAsync(tokenKey, cancellationToken);
        return found is { Token: { Kind: TokenKind.Access } token } && IsLive(found, time.GetUtcNow()) ? token.UserId : null;
    }

    async Task<SessionTokens?> ISessionGrain.RefreshAsync(string tokenKey, CancellationToken cancellationToken)
    {
        var found = await FindAsync(tokenKey, cancellationToken);
        if (found is not { Token: { Kind: TokenKind.Refresh } token })
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (token.UsedAt is { } usedAt)
        {
            // Spent already. Within the grace period this is a second tab that refreshed at the same moment; later, the
            // token was copied: whoever holds the family's current tokens may be the thief, so the whole session ends.
            if (now - usedAt > TimeSpan.FromSeconds(Options.RefreshReuseGraceSeconds))
            {
                await EndFamilyAsync(token, cancellationToken);
                LogRefreshReuse(logger, token.UserId);
            }

            return null;
        }

        if (!IsLive(found, now))
        {
            return null;
        }

        if (!await store.SpendRefreshTokenAsync(token.Hash, now, cancellationToken))
        {
            // Another call spent it between the read and now: the same race as above, inside the grace period.
            return null;
        }

        return await SessionTokenIssuer.IssueAsync(
            store, token.UserId, token.FamilyId ?? Guid.NewGuid(), token.Stamp, token.SessionStartedAt ?? now, Options, time, cancellationToken);
    }

    async Task<bool> ISessionGrain.RevokeAsync(string tokenKey, CancellationToken cancellationToken)
    {
        var found = await FindAsync(tokenKey, cancellationToken);
        if (found is null)
        {
            return false;
        }

        // A logout ends the session (its family), spent refresh tokens included.
        await EndFamilyAsync(found.Token, cancellationToken);
        return true;
    }

    /// <summary>Unexpired, issued under the user's current security stamp, and within the absolute session lifetime.</summary>
    private bool IsLive(SessionTokenRecord found, DateTimeOffset now) =>
        found.Token.ExpiresAt > now
        && found.Token.Stamp == found.UserStamp
        && (found.Token.SessionStartedAt is not { } started || started.AddSeconds(Options.SessionLifetimeSeconds) > now);

    private Task<SessionTokenRecord?> FindAsync(string tokenKey, CancellationToken cancellationToken) =>
        tokenKey is { Length: 64 } && IsHex(tokenKey)
            ? store.FindSessionTokenAsync(Convert.FromHexString(tokenKey), cancellationToken)
            : Task.FromResult<SessionTokenRecord?>(null);

    private async Task EndFamilyAsync(TokenRecord token, CancellationToken cancellationToken)
    {
        if (token.FamilyId is { } family)
        {
            await store.DeleteTokenFamilyAsync(family, cancellationToken);
        }
        else
        {
            await store.DeleteTokenAsync(token.Hash, cancellationToken);
        }
    }

    private static bool IsHex(string value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning,
        Message = "A spent refresh token of user {UserId} was presented again: its whole session was ended (the token may have been stolen)")]
    private static partial void LogRefreshReuse(ILogger logger, Guid userId);
}
