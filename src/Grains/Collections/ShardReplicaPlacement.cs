using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace CompreFace.Grains.Collections;

/// <summary>
/// Places the copies of one shard on distinct silos: the compatible silos are ranked by a hash of the shard's key and
/// each silo's endpoint (rendezvous hashing), and copy r goes to the r-th of them. Every silo computes the same
/// ranking, so copies land apart without any coordination, and shards spread evenly over the silos.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("CompreFace.ShardReplicaPlacement")]
public sealed class ShardReplicaPlacement : PlacementStrategy
{
}

/// <summary>The collection grain: first in its collection id's ranking (see <see cref="ShardReplicaPlacement"/>).</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("CompreFace.CollectionPlacement")]
public sealed class CollectionPlacement : PlacementStrategy
{
}

/// <summary>The collection's standby: first in the same ranking among the silos other than the caller's (the collection grain's).</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("CompreFace.CollectionStandbyPlacement")]
public sealed class CollectionStandbyPlacement : PlacementStrategy
{
}

/// <summary>Marks a grain class placed by <see cref="ShardReplicaPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ShardReplicaPlacementAttribute() : PlacementAttribute(new ShardReplicaPlacement());

/// <summary>Marks a grain class placed by <see cref="CollectionPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class CollectionPlacementAttribute() : PlacementAttribute(new CollectionPlacement());

/// <summary>Marks a grain class placed by <see cref="CollectionStandbyPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class CollectionStandbyPlacementAttribute() : PlacementAttribute(new CollectionStandbyPlacement());

/// <summary>
/// Chooses the silo of a shard copy, a collection or its standby by rendezvous ranking (see <see cref="ShardReplicaPlacement"/>).
/// </summary>
/// <remarks>
/// The ranking keeps the silos that left the cluster (dead or stopping, as long as the membership table lists them) in
/// their places, and a copy whose silo left takes a spare: the first live silo ranked after all of the key's slots
/// (copies; collection and standby). Ranking only the live silos would shift every rank behind the dead one, so a copy
/// that survived would be placed somewhere else when Orleans asks again, which it does when the dead silo held the
/// copy's directory entry: a second activation of a copy that never died, loading the whole shard from the store while
/// the first keeps running (measured: both copies of a 100k shard loading at once after a kill, searches waiting 7 s).
/// Kept in place, the survivor is found where it lives, and the replacement lands on a silo that holds no sibling.
/// </remarks>
internal sealed class RankedPlacementDirector(IClusterMembershipService membership, IOptions<RecognitionOptions> options) : IPlacementDirector
{
    /// <summary>Slots of a collection key: the collection grain (0) and its standby (1).</summary>
    private const int CollectionSlots = 2;

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        var key = target.GrainIdentity.Key.ToString()!;
        var departed = Departed();
        if (strategy is CollectionStandbyPlacement && silos.Length > 1)
        {
            // The collection grain activates its standby first (from its own activation), so the caller's silo is
            // the collection grain's: never put the standby there. Ranks alone could, when the collection grain was
            // placed from an older view of the cluster (a node joining during start-up), and one kill would then take
            // both; measured once as a 2.2 s recognition.
            var choice = Choose(silos, departed, key, 1, CollectionSlots);
            return Task.FromResult(choice.Equals(context.LocalSilo)
                ? Choose(silos.Where(s => !s.Equals(context.LocalSilo)).ToArray(), [], key, 0, 1)
                : choice);
        }

        if (strategy is ShardReplicaPlacement)
        {
            var (shardKey, replica) = ShardKeys.Split(key);
            return Task.FromResult(Choose(silos, departed, shardKey, replica, Math.Max(options.Value.Replicas, replica + 1)));
        }

        return Task.FromResult(Choose(silos, departed, key, 0, CollectionSlots));
    }

    /// <summary>Endpoints of the silos the membership table lists as no longer active (dead, stopping, shutting down).</summary>
    private string[] Departed() =>
    [
        .. membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status is SiloStatus.Dead or SiloStatus.ShuttingDown or SiloStatus.Stopping)
            .Select(m => m.SiloAddress.Endpoint.ToString()),
    ];

    /// <summary>
    /// The silo of slot <paramref name="slot"/> (of <paramref name="slots"/>) for <paramref name="key"/>: the live silo
    /// ranked there, or, when a departed silo holds that place, the k-th live silo ranked after all slots (k: departed
    /// places before this slot), so that replacements land apart from the copies that live on; with no spare left,
    /// the old rule (rank among the live silos).
    /// </summary>
    internal static SiloAddress Choose(IReadOnlyList<SiloAddress> silos, IReadOnlyCollection<string> departed, string key, int slot, int slots)
    {
        if (silos.Count == 1)
        {
            return silos[0];
        }

        var live = silos.ToDictionary(s => s.Endpoint.ToString(), StringComparer.Ordinal);
        var ranked = live.Keys.Concat(departed.Where(d => !live.ContainsKey(d)).Distinct(StringComparer.Ordinal))
            .OrderByDescending(endpoint => Score(key, endpoint))
            .ThenBy(endpoint => endpoint, StringComparer.Ordinal)
            .ToArray();
        if (slot < ranked.Length && live.TryGetValue(ranked[slot], out var mine))
        {
            return mine;
        }

        var taken = Math.Min(slots, ranked.Length);
        var before = ranked.Take(Math.Min(slot, taken)).Count(endpoint => !live.ContainsKey(endpoint));
        var spares = ranked.Skip(taken).Where(live.ContainsKey).ToArray();
        if (slot < taken && before < spares.Length)
        {
            return live[spares[before]];
        }

        // The endpoint, not the generation, so a restarted node takes its old grains back when they reactivate.
        var liveRanked = ranked.Where(live.ContainsKey).ToArray();
        return live[liveRanked[slot % liveRanked.Length]];
    }

    /// <summary>FNV-1a of key and silo, mixed: stable across processes and runs (string.GetHashCode is randomised).</summary>
    private static uint Score(string key, string silo)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }

        hash = (hash ^ '@') * 16777619u;
        foreach (var c in silo)
        {
            hash = (hash ^ c) * 16777619u;
        }

        hash ^= hash >> 15;
        hash *= 0x2c1b3c6du;
        hash ^= hash >> 12;
        return hash;
    }
}

/// <summary>The grain keys of shard replicas.</summary>
internal static class ShardKeys
{
    /// <summary>
    /// Replica <paramref name="replica"/> of shard <paramref name="shard"/>: <c>"{collection:N}/{shard}"</c> for the first
    /// copy (the key a shard always had, so a single node is unchanged) and <c>"{collection:N}/{shard}/{replica}"</c> for
    /// the others.
    /// </summary>
    public static string Of(Guid collectionId, int shard, int replica = 0) =>
        replica == 0
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{collectionId:N}/{shard}")
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{collectionId:N}/{shard}/{replica}");

    /// <summary>The shard part of a replica key and the replica's number.</summary>
    public static (string ShardKey, int Replica) Split(string key)
    {
        var first = key.IndexOf('/', StringComparison.Ordinal);
        var second = first < 0 ? -1 : key.IndexOf('/', first + 1);
        return second < 0
            ? (key, 0)
            : (key[..second], int.Parse(key.AsSpan(second + 1), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Collection, shard and replica of a replica key.</summary>
    public static (Guid Collection, int Shard, int Replica) Parse(string key)
    {
        var (shardKey, replica) = Split(key);
        var slash = shardKey.IndexOf('/', StringComparison.Ordinal);
        return (Guid.ParseExact(shardKey.AsSpan(0, slash), "N"),
            int.Parse(shardKey.AsSpan(slash + 1), System.Globalization.CultureInfo.InvariantCulture), replica);
    }
}

/// <summary>The failures of a call to a shard copy that mean "its silo is gone", not "the request is wrong".</summary>
internal static class ReplicaFailures
{
    /// <summary>True when <paramref name="exception"/> (or an inner one) says the copy's silo could not be reached or did not answer.</summary>
    public static bool IsUnreachable(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SiloUnavailableException or OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException or TimeoutException)
            {
                return true;
            }

            if (e is AggregateException { InnerExceptions.Count: > 1 } aggregate)
            {
                return aggregate.InnerExceptions.All(IsUnreachable);
            }
        }

        return false;
    }
}
