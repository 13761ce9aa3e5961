using System.Security.Cryptography;
using System.Text;

namespace CompreFace.Grains.Interfaces.Admin;

/// <summary>How session tokens are stored and addressed: by the SHA-256 of the raw token, never the token itself.</summary>
public static class SessionTokenHash
{
    /// <summary>SHA-256 of the token's UTF-8 bytes.</summary>
    public static byte[] Compute(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }

    /// <summary>The <see cref="ISessionGrain"/> key of a token: lower-case hex of its hash.</summary>
    public static string GrainKey(string token) => Convert.ToHexStringLower(Compute(token));
}
