using CompreFace.Grains.Storage;
using System.Security.Cryptography;
using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Grains.Admin;

/// <summary>
/// Mints session tokens: 32 random bytes each (base64url), stored only as their SHA-256, tagged with the session's
/// family, the user's security stamp and the session's start; no token outlives the absolute session lifetime.
/// </summary>
internal static class SessionTokenIssuer
{
    /// <summary>A fresh session (a password login): a new family starting now under the user's current stamp.</summary>
    public static Task<SessionTokens> StartAsync(
        IAdminStore store, UserRecord user, AdminOptions options, TimeProvider time, CancellationToken cancellationToken) =>
        IssueAsync(store, user.UserId, Guid.NewGuid(), user.SecurityStamp, time.GetUtcNow(), options, time, cancellationToken);

    /// <summary>The next pair of an existing session (a refresh): same family, stamp and start.</summary>
    public static async Task<SessionTokens> IssueAsync(
        IAdminStore store, Guid userId, Guid familyId, long stamp, DateTimeOffset startedAt, AdminOptions options, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var access = NewToken();
        var refresh = NewToken();
        var now = time.GetUtcNow();
        var end = startedAt.AddSeconds(options.SessionLifetimeSeconds);
        var accessExpires = Min(now.AddSeconds(options.AccessTokenValiditySeconds), end);
        var refreshExpires = Min(now.AddSeconds(options.RefreshTokenValiditySeconds), end);
        await store.AddTokensAsync(
            [
                new TokenRecord(SessionTokenHash.Compute(access), userId, TokenKind.Access, accessExpires) { FamilyId = familyId, Stamp = stamp, SessionStartedAt = startedAt },
                new TokenRecord(SessionTokenHash.Compute(refresh), userId, TokenKind.Refresh, refreshExpires) { FamilyId = familyId, Stamp = stamp, SessionStartedAt = startedAt },
            ],
            cancellationToken);
        return new SessionTokens(access, refresh, Seconds(accessExpires - now), Seconds(refreshExpires - now));
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static int Seconds(TimeSpan span) => (int)Math.Max(0, Math.Floor(span.TotalSeconds));

    private static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
