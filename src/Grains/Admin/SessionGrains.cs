using CompreFace.Grains.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Grains.Admin;

/// <summary>
/// Password login for one email. Failures are counted in memory per client address: <see cref="AdminOptions.LoginFailureLimit"/>
/// consecutive ones from one address lock the email for that address for <see cref="AdminOptions.LockoutSeconds"/>,
/// during which no password from it is checked; other addresses are unaffected, so a stranger cannot keep the owner
/// out (decision 0024). One activation per email cluster-wide, so the counts hold across nodes; the activation is
/// kept alive while an address is locked, and at most <see cref="MaxTrackedAddresses"/> addresses are tracked.
/// Unknown emails are throttled too and cost the same hash work, so the answer does not reveal who is registered.
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

    /// <summary>
    /// Addresses whose failures one email remembers. Past it, the entry idle longest is forgotten: memory stays
    /// bounded when failures come from very many addresses (which the per-address rate limit slows down anyway).
    /// </summary>
    internal const int MaxTrackedAddresses = 1024;

    private readonly AdminOptions _options = options.Value;
    private readonly Dictionary<string, Failures> _failures = new(StringComparer.Ordinal);

    async Task<LoginResult> ILoginGrain.LoginAsync(string password, string clientAddress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(clientAddress);
        var now = time.GetUtcNow();
        if (_failures.TryGetValue(clientAddress, out var failures) && now < failures.LockedUntil)
        {
            return new LoginResult(LoginStatus.LockedOut, null);
        }

        var user = await store.FindUserByEmailAsync(this.GetPrimaryKeyString(), cancellationToken);
        var hash = user is { PasswordHash.Length: > 0 } ? user.PasswordHash : _decoyHash ??= hasher.HashPassword(Nobody, Guid.NewGuid().ToString());
        var verdict = await Task.Run(() => hasher.VerifyHashedPassword(Nobody, hash, password), cancellationToken);
        if (user is null || user.PasswordHash.Length == 0 || verdict == PasswordVerificationResult.Failed)
        {
            CountFailure(clientAddress, failures);
            return new LoginResult(LoginStatus.BadCredentials, null);
        }

        _failures.Remove(clientAddress);
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

        var tokens = await SessionTokenIssuer.IssueAsync(store, user.UserId, _options, time, cancellationToken);
        return new LoginResult(LoginStatus.Succeeded, tokens);
    }

    private void CountFailure(string clientAddress, Failures? previous)
    {
        var now = time.GetUtcNow();
        var count = (previous?.Count ?? 0) + 1;   // a lapsed lockout left 0
        if (count >= _options.LoginFailureLimit)
        {
            _failures[clientAddress] = new Failures(0, now.AddSeconds(_options.LockoutSeconds), now);
            DelayDeactivation(TimeSpan.FromSeconds(_options.LockoutSeconds));
            LogLockedOut(logger, _options.LoginFailureLimit, _options.LockoutSeconds);
        }
        else
        {
            _failures[clientAddress] = new Failures(count, DateTimeOffset.MinValue, now);
        }

        if (_failures.Count > MaxTrackedAddresses)
        {
            _failures.Remove(_failures.MinBy(f => f.Value.LastFailure).Key);
        }
    }

    /// <summary>Consecutive failures from one address, and until when that address is locked out.</summary>
    private sealed record Failures(int Count, DateTimeOffset LockedUntil, DateTimeOffset LastFailure);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "A login email was locked out for one client address after {Failures} failures for {Seconds} s")]
    private static partial void LogLockedOut(ILogger logger, int failures, int seconds);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Information, Message = "A password hash was upgraded to the current iteration count at login")]
    private static partial void LogPasswordHashUpgraded(ILogger logger);
}

/// <summary>
/// One session token (keyed by its hash). The stored row is read once per activation; revocation and refresh go
/// through this activation, so a revoked token fails at once on every node.
/// </summary>
internal sealed class SessionGrain(IAdminStore store, IOptions<AdminOptions> options, TimeProvider time) : Grain, ISessionGrain
{
    private TokenRecord? _token;
    private bool _loaded;

    async Task<Guid?> ISessionGrain.AuthenticateAsync(CancellationToken cancellationToken)
    {
        var token = await LoadAsync(cancellationToken);
        return token is { Kind: TokenKind.Access } && token.ExpiresAt > time.GetUtcNow() ? token.UserId : null;
    }

    async Task<SessionTokens?> ISessionGrain.RefreshAsync(CancellationToken cancellationToken)
    {
        var token = await LoadAsync(cancellationToken);
        if (token is not { Kind: TokenKind.Refresh } || token.ExpiresAt <= time.GetUtcNow() || await store.FindUserAsync(token.UserId, cancellationToken) is null)
        {
            return null;
        }

        // One use per refresh token: a replayed one fails.
        await RevokeAsync(cancellationToken);
        return await SessionTokenIssuer.IssueAsync(store, token.UserId, options.Value, time, cancellationToken);
    }

    Task<bool> ISessionGrain.RevokeAsync(CancellationToken cancellationToken) => RevokeAsync(cancellationToken);

    private async Task<bool> RevokeAsync(CancellationToken cancellationToken)
    {
        _token = null;
        _loaded = true;
        return await store.DeleteTokenAsync(Hash(), cancellationToken);
    }

    private async Task<TokenRecord?> LoadAsync(CancellationToken cancellationToken)
    {
        if (!_loaded)
        {
            _token = await store.FindTokenAsync(Hash(), cancellationToken);
            _loaded = true;
        }

        return _token;
    }

    private byte[] Hash() => Convert.FromHexString(this.GetPrimaryKeyString());
}
