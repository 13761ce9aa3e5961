using CompreFace.Grains.Jobs;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CompreFace.Grains.Interfaces;

namespace CompreFace.Grains.Collections;

/// <summary>A committed change of a collection, sent by its collection grain to its standby before the change is acknowledged.</summary>
[GenerateSerializer, Alias("CompreFace.CollectionDelta")]
public sealed class CollectionDelta
{
    /// <summary>The collection was emptied (applied before the rest).</summary>
    [Id(0)]
    public bool Clear { get; set; }

    /// <summary>Subjects created or renamed: id → name.</summary>
    [Id(1)]
    public Dictionary<Guid, string> Subjects { get; set; } = [];

    /// <summary>Subjects deleted or merged into another.</summary>
    [Id(2)]
    public List<Guid> RemovedSubjects { get; set; } = [];

    /// <summary>Rows per shard after the change (all shards).</summary>
    [Id(3)]
    public Dictionary<int, int> ShardSizes { get; set; } = [];

    /// <summary>The collection's model plan (docs/decisions/0034): the standby refuses searches of a stale model as the collection does.</summary>
    [Id(4)]
    public ModelPlan? Plan { get; set; }
}

/// <summary>The collection grain's side of its standby.</summary>
[Alias("CompreFace.ICollectionStandbySync")]
public interface ICollectionStandbySync : IGrainWithGuidKey
{
    /// <summary>Applies a committed change (an empty delta only activates the standby and refreshes the shard sizes).</summary>
    [Alias("SyncAsync")]
    Task SyncAsync(CollectionDelta delta, CancellationToken cancellationToken = default);
}

/// <summary>
/// A second, read-only view of a collection, placed on another silo than the collection grain
/// (<see cref="CollectionPlacement"/>): its subjects and shard sizes, kept current by the collection grain before every
/// acknowledgement, and the same search over the shards' copies. The HTTP tier turns to it when the collection grain
/// does not answer in time (its silo died and is not yet declared dead), so recognitions do not wait for failure
/// detection (docs/decisions/0026). It holds no vectors: one small dictionary per collection.
/// </summary>
[CollectionStandbyPlacement]
internal sealed partial class FaceCollectionStandbyGrain(
    IFaceStore store,
    IJobStore jobs,
    IReembedStore vectors,
    IOptions<RecognitionOptions> options,
    IClusterMembershipService membership,
    ILogger<FaceCollectionStandbyGrain> logger) : Grain, IFaceCollectionStandbyGrain, ICollectionStandbySync
{
    private Dictionary<Guid, string> _names = [];
    private Dictionary<int, int> _shardSizes = [];
    private ModelPlan _plan = ModelPlan.Any;
    private Guid _collectionId;
    private ShardReplicas _shards = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _collectionId = this.GetPrimaryKey();
        _shards = new ShardReplicas(_collectionId, GrainFactory, options.Value, membership, logger);
        await ReloadAsync(cancellationToken);
    }

    Task ICollectionStandbySync.SyncAsync(CollectionDelta delta, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (delta.Clear)
        {
            _names.Clear();
        }

        foreach (var (id, name) in delta.Subjects)
        {
            _names[id] = name;
        }

        foreach (var id in delta.RemovedSubjects)
        {
            _names.Remove(id);
        }

        if (delta.Clear || delta.ShardSizes.Count > 0)
        {
            _shardSizes = new Dictionary<int, int>(delta.ShardSizes);
        }

        _plan = delta.Plan ?? _plan;

        return Task.CompletedTask;
    }

    async Task<IReadOnlyList<IReadOnlyList<FaceMatch>>> IFaceCollectionStandbyGrain.SearchAsync(FaceSearch search, CancellationToken cancellationToken)
    {
        // A query of another model than the serving one would be searched in the shards' second (partial) index during a
        // re-embedding, or in none after the switch: refused, the HTTP tier computes it again, as with the collection.
        var (queries, empty) = ShardReplicas.PrepareSearch(search, _plan, _shardSizes);
        if (empty is not null)
        {
            return empty;
        }

        // No row-count check: the collection grain's counts are the authority, and a standby that missed a change
        // must not make the shards' copies reload.
        var matches = await _shards.SearchAsync(search, queries, _shardSizes, checkRows: false, cancellationToken);
        if (matches.Any(q => q.Any(m => !_names.ContainsKey(m.SubjectId))))
        {
            // A subject this standby has not heard of: it missed a change while unreachable. Catch up before answering.
            LogCatchUp(logger, _collectionId);
            await ReloadAsync(cancellationToken);
        }

        return Array.ConvertAll(matches, q => (IReadOnlyList<FaceMatch>)Array.ConvertAll(q, m => new FaceMatch(_names.GetValueOrDefault(m.SubjectId, string.Empty), m.Cosine, m.ImageId)));
    }

    /// <summary>Subjects and shard sizes from the store (swapped in whole, so interleaved searches see one version).</summary>
    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var names = (await store.GetSubjectsAsync(_collectionId, cancellationToken)).ToDictionary(s => s.SubjectId, s => s.Name);
            var sizes = new Dictionary<int, int>(await store.CountFacesByShardAsync(_collectionId, cancellationToken));
            var plan = await ReembedModels.PlanAsync(jobs, vectors, _collectionId, cancellationToken);
            (_names, _shardSizes, _plan) = (names, sizes, plan);
        }
        catch (Exception exception) when (StoreFailures.IsUnavailable(exception) && exception is not StoreUnavailableException)
        {
            throw new StoreUnavailableException();
        }
    }

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Standby of collection {CollectionId} met an unknown subject; reloading from the store")]
    private static partial void LogCatchUp(ILogger logger, Guid collectionId);
}
