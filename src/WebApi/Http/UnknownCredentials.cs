using Microsoft.Extensions.Caching.Memory;

namespace CompreFace.WebApi.Http;

/// <summary>
/// A short, bounded, node-local memory of API keys and session tokens that turned out to be unknown, so that a client
/// repeating a wrong one is answered without a grain call or a database read. Safe because neither can become valid
/// later: keys and tokens are random values the server makes and stores before anyone learns them. Entries are hashes
/// or canonical keys, never raw session tokens.
/// </summary>
public sealed class UnknownCredentials : IDisposable
{
    /// <summary>How long an unknown credential is remembered.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    /// <summary>At most this many are remembered (a flood of distinct random values evicts, it does not grow memory).</summary>
    public const int Capacity = 10_000;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = Capacity });

    /// <summary>Whether <paramref name="credential"/> was found unknown in the last <see cref="Lifetime"/>.</summary>
    public bool IsKnownUnknown(string credential) => _cache.TryGetValue(credential, out _);

    /// <summary>Remembers that <paramref name="credential"/> is unknown.</summary>
    public void Remember(string credential) =>
        _cache.Set(credential, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Lifetime });

    public void Dispose() => _cache.Dispose();
}
