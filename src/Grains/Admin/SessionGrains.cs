using CompreFace.Grains.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Grains.Admin;

/// <summary>
/// Password login for one email. Failures are counted in memory: <see cref="AdminOptions.LoginFailureLimit"/>
/// consecutive ones lock the email for <see cref="AdminOptions.LockoutSeconds"/>, during which no password is checked.
/// One activation per email cluster-wide, so the count holds across nodes; the activation is kept alive while locked.
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

    private readonly AdminOptions _options = options.Value;
    private int _failures;
    private DateTimeOffset _lockedUntil = DateTimeOffset.MinValue;

    async Task<LoginResult> ILoginGrain.LoginAsync(string password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (time.GetUtcNow() < _lockedUntil)
        {
            return new LoginResult(LoginStatus.LockedOut, null);
        }

        var user = await store.FindUserByEmailAsync(this.GetPrimaryKeyString(), cancellationToken);
        var hash = user is { PasswordHash.Length: > 0 } ? user.PasswordHash : _decoyHash ??= hasher.HashPassword(Nobody, Guid.NewGuid().ToString());
        var verdict = await Task.Run(() => hasher.VerifyHashedPassword(Nobody, hash, password), cancellationToken);
        if (user is null || user.PasswordHash.Length == 0 || verdict == PasswordVerificationResult.Failed)
        {
            if (++_failures >= _options.LoginFailureLimit)
            {
                _failures = 0;
                _lockedUntil = time.GetUtcNow().AddSeconds(_options.LockoutSeconds);
                DelayDeactivation(TimeSpan.FromSeconds(_options.LockoutSeconds));
                LogLockedOut(logger, _options.LoginFailureLimit, _options.LockoutSeconds);
            }

            return new LoginResult(LoginStatus.BadCredentials, null);
        }

        _failures = 0;
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

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "A login email was locked out after {Failures} failures for {Seconds} s")]
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
