using CompreFace.Grains.Storage;
using System.Security.Cryptography;
using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Grains.Admin;

/// <summary>Mints session tokens: 32 random bytes each (base64url), stored only as their SHA-256.</summary>
internal static class SessionTokenIssuer
{
    public static async Task<SessionTokens> IssueAsync(
        IAdminStore store, Guid userId, AdminOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var access = NewToken();
        var refresh = NewToken();
        var now = time.GetUtcNow();
        await store.AddTokensAsync(
            [
                new TokenRecord(SessionTokenHash.Compute(access), userId, TokenKind.Access, now.AddSeconds(options.AccessTokenValiditySeconds)),
                new TokenRecord(SessionTokenHash.Compute(refresh), userId, TokenKind.Refresh, now.AddSeconds(options.RefreshTokenValiditySeconds)),
            ],
            cancellationToken);
        return new SessionTokens(access, refresh, options.AccessTokenValiditySeconds, options.RefreshTokenValiditySeconds);
    }

    private static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
