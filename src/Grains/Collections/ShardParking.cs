using System.Collections.Concurrent;

namespace CompreFace.Grains.Collections;

/// <summary>
/// What a shard copy held when Orleans deactivated it only because the silo that kept its directory entry died
/// (<see cref="DeactivationReasonCode.DirectoryFailure"/>): Orleans drops such activations to keep one activation per
/// grain, although nothing is wrong with their contents. The rendezvous placement reactivates the copy on the same
/// silo (<see cref="RankedPlacementDirector"/>), which takes its rows back from here instead of loading the shard from
/// the store, so a node's death does not make the surviving copy of a shard reload at the moment it is needed
/// (docs/decisions/0032). Rows it may have missed meanwhile are caught by the search's check against the collection's
/// count and digest. Held for <see cref="Lifetime"/> at most; one per silo.
/// </summary>
internal sealed class ShardParking : IDisposable
{
    /// <summary>How long parked rows wait for their copy to reactivate before they are dropped.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, (ShardContents Contents, long At)> _parked = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;

    public ShardParking(TimeProvider time)
    {
        _time = time;
        _sweeper = time.CreateTimer(_ => Sweep(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Parks the rows of the copy <paramref name="key"/>.</summary>
    public void Park(string key, ShardContents contents)
    {
        _parked[key] = (contents, _time.GetTimestamp());
        _sweeper.Change(Lifetime, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Takes the parked rows of <paramref name="key"/>, if they are there and not older than <see cref="Lifetime"/>.</summary>
    public ShardContents? Take(string key) =>
        _parked.TryRemove(key, out var entry) && _time.GetElapsedTime(entry.At) <= Lifetime ? entry.Contents : null;

    /// <summary>Copies parked now.</summary>
    public int Count => _parked.Count;

    public void Dispose() => _sweeper.Dispose();

    private void Sweep()
    {
        foreach (var (key, entry) in _parked)
        {
            if (_time.GetElapsedTime(entry.At) > Lifetime)
            {
                _parked.TryRemove(key, out _);
            }
        }

        if (!_parked.IsEmpty)
        {
            _sweeper.Change(Lifetime, Timeout.InfiniteTimeSpan);
        }
    }
}

/// <summary>The rows a shard copy holds: one index per model, and the ids of rows it could not index.</summary>
internal sealed record ShardContents(Dictionary<string, EmbeddingIndex> Indexes, HashSet<Guid> Skipped, Dictionary<string, EmbeddingIndex>? Extra = null);
