using System.Collections.Concurrent;

namespace CompreFace.WebApi.Http;

/// <summary>
/// This node's last answer of each API key's grain (a key that resolved to a service), kept for the moment that grain
/// cannot answer: its silo died and is not yet declared dead, and every request would otherwise wait for the
/// detection and the grain's reactivation (docs/decisions/0032). Never consulted while the grain answers in time; an
/// answer of "unknown" forgets the key at once.
/// </summary>
public sealed class RecentApiKeys(TimeProvider time)
{
    /// <summary>At most this many keys are remembered (only keys that opened a service, so a real, bounded set).</summary>
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, (FaceServiceInfo Service, long At)> _services = new(StringComparer.Ordinal);

    /// <summary>Records the grain's answer for <paramref name="key"/> (null: the key opens nothing, so forget it).</summary>
    public void Remember(string key, FaceServiceInfo? service)
    {
        if (service is null)
        {
            _services.TryRemove(key, out _);
        }
        else if (_services.Count < Capacity || _services.ContainsKey(key))
        {
            _services[key] = (service, time.GetTimestamp());
        }
    }

    /// <summary>The service <paramref name="key"/> last resolved to, if that answer is at most <paramref name="maxAge"/> old.</summary>
    public FaceServiceInfo? Recent(string key, TimeSpan maxAge) =>
        _services.TryGetValue(key, out var entry) && time.GetElapsedTime(entry.At) <= maxAge ? entry.Service : null;
}
