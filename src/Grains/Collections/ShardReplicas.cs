using Microsoft.Extensions.Logging;
using CompreFace.Grains.Interfaces;

namespace CompreFace.Grains.Collections;

/// <summary>
/// The copies of a collection's shards as its collection grain and its standby use them: how many there are, applying
/// a committed write to every live copy, and searching one live copy per shard with fail-over and hedging
/// (docs/decisions/0026). Lives inside one grain activation; not thread-safe (grains are single-threaded).
/// </summary>
internal sealed partial class ShardReplicas(Guid collectionId, IGrainFactory grains, RecognitionOptions options, IClusterMembershipService membership, ILogger logger)
{
    private uint _next;

    /// <summary>
    /// How many copies of each shard to keep: <see cref="RecognitionOptions.Replicas"/>, but no more than the cluster
    /// has active silos (the copies of one shard belong on distinct silos; a single node keeps one).
    /// </summary>
    public int Count()
    {
        if (options.Replicas <= 1)
        {
            return 1;
        }

        var active = membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
        return Math.Clamp(active, 1, options.Replicas);
    }

    /// <summary>The copies of <paramref name="shard"/>.</summary>
    public IFaceShardGrain[] Of(int shard)
    {
        var replicas = new IFaceShardGrain[Count()];
        for (var r = 0; r < replicas.Length; r++)
        {
            replicas[r] = grains.GetGrain<IFaceShardGrain>(ShardKeys.Of(collectionId, shard, r));
        }

        return replicas;
    }

    /// <summary>
    /// Applies a write already committed to the store to every copy of <paramref name="shard"/>. A copy whose silo
    /// cannot be reached is left behind: its activation is gone with its silo, or it notices the missed write by its
    /// row count (<see cref="IFaceShardGrain.SearchAsync"/>) and loads the store before it serves again. A copy that
    /// has not answered within <see cref="RecognitionOptions.ReplicaHedgeDelay"/> while another one applied the write is
    /// not waited for (docs/decisions/0032). Fails only when no copy applied it, or a copy failed for another reason.
    /// </summary>
    public async Task ApplyAsync(int shard, Func<IFaceShardGrain, Task> write)
    {
        var replicas = Of(shard);
        if (replicas.Length == 1)
        {
            await write(replicas[0]);
            return;
        }

        var writes = replicas.Select(write).ToArray();
        var all = Task.WhenAll(writes);
        if (await Task.WhenAny(all, Task.Delay(options.ReplicaHedgeDelay)) != all)
        {
            // A copy that is still loading (reactivated after a failover) would hold the write for seconds. Past the
            // hedge delay one applied copy is enough: the slow one applies the write when it gets to it (its queue
            // keeps the order), and a search checks its rows against the collection's before it answers.
            while (!all.IsCompleted && !writes.Any(w => w.IsCompletedSuccessfully))
            {
                await Task.WhenAny(writes.Where(w => !w.IsCompleted));
            }

            if (!all.IsCompleted)
            {
                var slow = writes.Count(w => !w.IsCompleted);
                LogReplicaSlow(logger, collectionId, shard, slow, writes.Length);
                all.Ignore();
                return;
            }
        }

        try
        {
            await all;
        }
        catch (Exception) when (writes.Any(w => w.IsCompletedSuccessfully)
            && writes.All(w => w.IsCompletedSuccessfully || ReplicaFailures.IsUnreachable(w.Exception)))
        {
            LogReplicaBehind(logger, collectionId, shard, writes.Count(w => !w.IsCompletedSuccessfully), writes.Length);
        }
    }

    /// <summary>
    /// The start of a search, the same for the collection grain and its standby: a query of another model than the
    /// serving one is refused (<see cref="ModelPlan.ThrowIfStale"/>), the queries are normalized, and when there is no
    /// query or every shard is empty the answer (one empty list per query) is given without asking any shard.
    /// </summary>
    public static (float[][] Queries, IReadOnlyList<IReadOnlyList<FaceMatch>>? Empty) PrepareSearch(FaceSearch search, ModelPlan plan, IReadOnlyDictionary<int, int> shardSizes)
    {
        ArgumentNullException.ThrowIfNull(search);
        plan.ThrowIfStale(search);
        var queries = search.Embeddings.Select(e => Similarity.Normalize(e)).ToArray();
        return queries.Length == 0 || !shardSizes.Values.Any(size => size > 0)
            ? (queries, queries.Select(_ => (IReadOnlyList<FaceMatch>)[]).ToArray())
            : (queries, null);
    }

    /// <summary>
    /// Searches every non-empty shard (one copy each, in parallel) and merges the best <see cref="FaceSearch.Count"/>
    /// matches per query, by cosine descending, shards merged in shard order so equal scores keep a stable order.
    /// <paramref name="checkRows"/> passes each shard's row count (and its digest, when <paramref name="digests"/> is
    /// given) so that a copy that missed a write catches up.
    /// </summary>
    public async Task<ShardMatch[][]> SearchAsync(FaceSearch search, float[][] queries, IReadOnlyDictionary<int, int> shardSizes, bool checkRows, CancellationToken cancellationToken, IReadOnlyDictionary<int, ulong>? digests = null)
    {
        var shards = shardSizes.Where(s => s.Value > 0).Select(s => s.Key).Order().ToArray();
        if (shards.Length == 0 || queries.Length == 0)
        {
            return queries.Select(_ => Array.Empty<ShardMatch>()).ToArray();
        }

        var count = Math.Max(1, search.Count);
        var perShard = await Task.WhenAll(shards.Select(s => SearchShardAsync(s, checkRows ? shardSizes[s] : -1, checkRows && digests is not null ? digests.GetValueOrDefault(s) : null, queries, search, count, cancellationToken)));
        var results = new ShardMatch[queries.Length][];
        for (var q = 0; q < queries.Length; q++)
        {
            var candidates = perShard.SelectMany(shardHits => shardHits[q]);
            if (search.PerSubject && shards.Length > 1)
            {
                candidates = candidates.GroupBy(m => m.SubjectId).Select(g => g.MaxBy(m => m.Cosine)!);
            }

            results[q] = candidates.OrderByDescending(m => m.Cosine).Take(count).ToArray();
        }

        return results;
    }

    /// <summary>
    /// Searches one copy of <paramref name="shard"/>, rotating over the copies to spread the load. When the copy fails
    /// because its silo is unreachable, or has not answered within <see cref="RecognitionOptions.ReplicaHedgeDelay"/>
    /// (loading, on a dead silo not yet declared dead, stalled), the next copy is asked as well; the first answer wins.
    /// </summary>
    private async Task<ShardMatch[][]> SearchShardAsync(int shard, int rows, ulong? digest, float[][] queries, FaceSearch search, int count, CancellationToken cancellationToken)
    {
        var replicas = Of(shard);
        if (replicas.Length == 1)
        {
            return await replicas[0].SearchAsync(queries, search.Calculator, count, search.PerSubject, rows, digest, cancellationToken);
        }

        var first = (int)(_next++ % (uint)replicas.Length);
        var pending = new List<Task<ShardMatch[][]>>(replicas.Length);
        var asked = 0;
        void Ask() => pending.Add(replicas[(first + asked++) % replicas.Length]
            .SearchAsync(queries, search.Calculator, count, search.PerSubject, rows, digest, cancellationToken));

        Ask();
        Task<ShardMatch[][]>? unreachable = null;
        while (pending.Count > 0)
        {
            var answer = Task.WhenAny(pending);
            if (asked < replicas.Length && await Task.WhenAny(answer, Task.Delay(options.ReplicaHedgeDelay, cancellationToken)) != answer)
            {
                LogHedged(logger, collectionId, shard, asked);
                Ask();
                continue;
            }

            var done = await answer;
            pending.Remove(done);
            if (done.IsCompletedSuccessfully || !ReplicaFailures.IsUnreachable(done.Exception))
            {
                pending.ForEach(p => p.Ignore());
                return await done;
            }

            LogReplicaFailed(logger, collectionId, shard, done.Exception!.InnerException?.GetType().Name ?? "?");
            unreachable = done;
            if (asked < replicas.Length)
            {
                Ask();
            }
        }

        // Every copy's silo was unreachable: the caller (the HTTP tier) retries once the cluster has reacted.
        return await unreachable!;
    }

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Collection {CollectionId}, shard {Shard}: {Behind} of {Replicas} copies unreachable for a write; they catch up from the store")]
    private static partial void LogReplicaBehind(ILogger logger, Guid collectionId, int shard, int behind, int replicas);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Collection {CollectionId}, shard {Shard}: {Slow} of {Replicas} copies slow to apply a write (loading?); acknowledged after the others, they apply it when they answer")]
    private static partial void LogReplicaSlow(ILogger logger, Guid collectionId, int shard, int slow, int replicas);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Collection {CollectionId}, shard {Shard}: copy {Asked} did not answer in time; asking the next one too")]
    private static partial void LogHedged(ILogger logger, Guid collectionId, int shard, int asked);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Collection {CollectionId}, shard {Shard}: a copy failed ({Exception}); asking another")]
    private static partial void LogReplicaFailed(ILogger logger, Guid collectionId, int shard, string exception);
}
