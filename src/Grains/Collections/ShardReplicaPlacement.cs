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

/// <summary>Chooses the silo of a shard copy, a collection or its standby by rendezvous ranking (see <see cref="ShardReplicaPlacement"/>).</summary>
internal sealed class RankedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        var key = target.GrainIdentity.Key.ToString()!;
        if (strategy is CollectionStandbyPlacement && silos.Length > 1)
        {
            // The collection grain activates its standby first (from its own activation), so the caller's silo is
            // the collection grain's: never put the standby there. Ranks alone could, when the collection grain was
            // placed from an older view of the cluster (a node joining during start-up), and one kill would then take
            // both; measured once as a 2.2 s recognition.
            silos = silos.Where(s => !s.Equals(context.LocalSilo)).ToArray();
            return Task.FromResult(Choose(silos, key, 0));
        }

        var (rankKey, rank) = strategy switch
        {
            ShardReplicaPlacement => ShardKeys.Split(key),
            _ => (key, 0),
        };
        return Task.FromResult(Choose(silos, rankKey, rank));
    }

    /// <summary>The silo of rank <paramref name="rank"/> for <paramref name="key"/> among <paramref name="silos"/>.</summary>
    internal static SiloAddress Choose(IReadOnlyList<SiloAddress> silos, string key, int rank)
    {
        if (silos.Count == 1)
        {
            return silos[0];
        }

        // The endpoint, not the generation, so a restarted node takes its old grains back when they reactivate.
        var ranked = silos.OrderByDescending(s => Score(key, s.Endpoint.ToString())).ThenBy(s => s.Endpoint.ToString(), StringComparer.Ordinal).ToArray();
        return ranked[rank % ranked.Length];
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
