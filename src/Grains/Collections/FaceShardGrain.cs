using System.Diagnostics;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.Logging;
using CompreFace.Grains.Interfaces;

namespace CompreFace.Grains.Collections;

/// <inheritdoc cref="IFaceShardGrain" />
/// <remarks>
/// One grain per replica (<see cref="ShardKeys"/>), placed apart from its siblings by <see cref="ShardReplicaPlacement"/>.
/// Every write is idempotent (an add replaces the row of its image id, a remove of a missing id does nothing), so a
/// write that reaches a replica which already loaded it from the store changes nothing.
/// </remarks>
[ShardReplicaPlacement]
internal sealed partial class FaceShardGrain(IFaceStore store, IReembedStore vectors, ShardParking parking, ILogger<FaceShardGrain> logger) : Grain, IFaceShardGrain
{
    // One index per model (calculator version). A collection normally holds one; after the embedder is changed it holds
    // the old model's examples too, which are kept (nothing stored is lost) but never compared with the new model's
    // queries: vectors of different models live in unrelated spaces, even at equal dimension.
    private Dictionary<string, EmbeddingIndex> _indexes = new(StringComparer.Ordinal);

    // Rows of the store this replica knows but cannot index (a malformed dimension): counted so that the row count
    // compared with the collection's (the catch-up check) stays exact. Normally empty.
    private HashSet<Guid> _skipped = [];
    private ulong? _digest;

    // Vectors of a second model while the collection is re-embedded (cf_face_vector): searched only under that model
    // and not counted in Rows, which counts faces (docs/decisions/0034-jobs-and-re-embedding.md).
    private Dictionary<string, EmbeddingIndex> _extra = new(StringComparer.Ordinal);
    private Guid _collectionId;
    private int _shard;
    private int _replica;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_collectionId, _shard, _replica) = ShardKeys.Parse(this.GetPrimaryKeyString());
        if (parking.Take(this.GetPrimaryKeyString()) is { } parked)
        {
            // Deactivated only because its directory entry died with another silo: the rows are still good.
            (_indexes, _skipped, _extra) = (parked.Indexes, parked.Skipped, parked.Extra ?? new(StringComparer.Ordinal));
            LogResumed(logger, _collectionId, _shard, _replica, Rows);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        (_indexes, _skipped, _extra) = await LoadAsync(cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        LogLoaded(logger, _collectionId, _shard, _replica, Rows - _skipped.Count, _indexes.Count, elapsed);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (reason.ReasonCode == DeactivationReasonCode.DirectoryFailure && Rows > 0)
        {
            parking.Park(this.GetPrimaryKeyString(), new ShardContents(_indexes, _skipped, _extra));
        }

        return Task.CompletedTask;
    }

    /// <summary>Rows of the store this replica holds (indexed or skipped).</summary>
    private int Rows => _indexes.Values.Sum(i => i.Count) + _skipped.Count;

    /// <summary>
    /// <see cref="ShardDigest"/> of the rows held, computed when a search first needs it after a change (a sum over
    /// the ids, well under a millisecond per 100k) and kept until the next change.
    /// </summary>
    private ulong Digest => _digest ??= ShardDigest.Of(_indexes.Values.SelectMany(i => i.ImageIds).Concat(_skipped));

    /// <summary>Every row of the shard from the store, into new indexes (the current ones keep serving meanwhile).</summary>
    private async Task<(Dictionary<string, EmbeddingIndex> Indexes, HashSet<Guid> Skipped, Dictionary<string, EmbeddingIndex> Extra)> LoadAsync(CancellationToken cancellationToken)
    {
        var indexes = new Dictionary<string, EmbeddingIndex>(StringComparer.Ordinal);
        var skipped = new HashSet<Guid>();
        var extra = new Dictionary<string, EmbeddingIndex>(StringComparer.Ordinal);
        try
        {
            await store.LoadShardAsync(_collectionId, _shard, (imageId, subjectId, calculator, vector) =>
            {
                if (IndexFor(indexes, calculator, vector.Length) is { } index)
                {
                    index.Add(imageId, subjectId, vector);
                }
                else
                {
                    skipped.Add(imageId);
                }
            }, cancellationToken);
            await vectors.LoadShardVectorsAsync(_collectionId, _shard, (imageId, subjectId, calculator, vector) =>
                IndexFor(extra, calculator, vector.Length)?.Add(imageId, subjectId, vector), cancellationToken);
        }
        catch (Exception exception) when (StoreFailures.IsUnavailable(exception) && exception is not StoreUnavailableException)
        {
            // A failed activation bypasses the grain call filters; callers must still see the one outage type (503),
            // and Orleans discards this activation, so the next call loads again.
            throw new StoreUnavailableException();
        }

        return (indexes, skipped, extra);
    }

    Task IFaceShardGrain.AddAsync(IReadOnlyList<ShardFace> faces, CancellationToken cancellationToken)
    {
        _digest = null;
        foreach (var face in faces)
        {
            if (face.Extra)
            {
                IndexFor(_extra, face.Calculator, face.UnitVector.Length)?.Add(face.ImageId, face.SubjectId, face.UnitVector);
            }
            else if (IndexFor(_indexes, face.Calculator, face.UnitVector.Length) is { } index)
            {
                index.Add(face.ImageId, face.SubjectId, face.UnitVector);
            }
            else
            {
                _skipped.Add(face.ImageId);
            }
        }

        return Task.CompletedTask;
    }

    Task IFaceShardGrain.RemoveAsync(IReadOnlyList<Guid> imageIds, CancellationToken cancellationToken)
    {
        _digest = null;
        foreach (var id in imageIds)
        {
            _skipped.Remove(id);
            foreach (var index in _indexes.Values.Concat(_extra.Values))
            {
                index.Remove(id);
            }
        }

        return Task.CompletedTask;
    }

    Task IFaceShardGrain.ChangeSubjectAsync(Guid subjectId, Guid? mergeInto, CancellationToken cancellationToken)
    {
        _digest = null;
        foreach (var index in _indexes.Values.Concat(_extra.Values))
        {
            if (mergeInto is { } target)
            {
                index.ReassignSubject(subjectId, target);
            }
            else
            {
                index.RemoveSubject(subjectId);
            }
        }

        return Task.CompletedTask;
    }

    Task IFaceShardGrain.ClearAsync(CancellationToken cancellationToken)
    {
        _digest = null;
        _indexes.Clear();
        _skipped.Clear();
        _extra.Clear();
        return Task.CompletedTask;
    }

    async Task<ShardMatch[][]> IFaceShardGrain.SearchAsync(
        IReadOnlyList<float[]> unitQueries, string calculator, int count, bool perSubject, int expectedRows, ulong? expectedDigest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unitQueries);
        if (expectedRows >= 0 && (expectedRows != Rows || (expectedDigest is { } digest && digest != Digest)))
        {
            // This replica missed a write (its silo was unreachable when the collection applied it): catch up from the
            // store before serving. Built aside and swapped, so searches interleaving with this one see whole indexes.
            var started = Stopwatch.GetTimestamp();
            var held = Rows;
            (_indexes, _skipped, _extra) = await LoadAsync(cancellationToken);
            _digest = null;
            LogCaughtUp(logger, _collectionId, _shard, _replica, held, Rows, expectedRows, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        // The served vectors of this model, and while a re-embedding runs its second-model vectors too (faces enrolled
        // under the new model before the switch are served ones, the others second-model ones): both are searched.
        var indexes = new[] { _indexes.GetValueOrDefault(calculator), _extra.GetValueOrDefault(calculator) }
            .Where(i => i is { Count: > 0 } && unitQueries.All(q => q.Length == i.Dimension))
            .Select(i => i!)
            .ToArray();
        if (indexes.Length == 0)
        {
            return unitQueries.Select(_ => Array.Empty<ShardMatch>()).ToArray();
        }

        var hits = indexes[0].Search(unitQueries, count, perSubject);
        var results = Array.ConvertAll(hits, h => Array.ConvertAll(h, m => new ShardMatch(m.ImageId, m.SubjectId, m.Cosine)));
        if (indexes.Length > 1)
        {
            var more = indexes[1].Search(unitQueries, count, perSubject);
            for (var q = 0; q < results.Length; q++)
            {
                var merged = results[q].Concat(more[q].Select(m => new ShardMatch(m.ImageId, m.SubjectId, m.Cosine)))
                    .OrderByDescending(m => m.Cosine);
                results[q] = (perSubject ? merged.DistinctBy(m => m.SubjectId) : merged.DistinctBy(m => m.ImageId)).Take(count).ToArray();
            }
        }

        return results;
    }

    async Task IFaceShardGrain.ReloadAsync(CancellationToken cancellationToken) =>
        (_indexes, _skipped, _extra) = await LoadAsync(cancellationToken);

    Task<(int Count, long Bytes)> IFaceShardGrain.GetSizeAsync(CancellationToken cancellationToken) =>
        Task.FromResult((_indexes.Values.Sum(i => i.Count), _indexes.Values.Sum(i => i.ApproximateBytes)));

    /// <summary>The index of <paramref name="calculator"/>; null (the vector is skipped) for a malformed dimension.</summary>
    private EmbeddingIndex? IndexFor(Dictionary<string, EmbeddingIndex> indexes, string calculator, int dimension)
    {
        if (!indexes.TryGetValue(calculator, out var index))
        {
            index = new EmbeddingIndex(dimension);
            indexes.Add(calculator, index);
        }

        if (index.Dimension == dimension)
        {
            return index;
        }

        LogDimensionMismatch(logger, _collectionId, _shard, calculator, dimension, index.Dimension);
        return null;
    }

    /// <summary>The grain key of the first replica of shard <paramref name="shard"/> of a collection.</summary>
    public static string KeyOf(Guid collectionId, int shard) => ShardKeys.Of(collectionId, shard);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Shard {Shard} of collection {CollectionId}, replica {Replica}, loaded {Count} faces of {Models} model(s) in {Milliseconds:F0} ms")]
    private static partial void LogLoaded(ILogger logger, Guid collectionId, int shard, int replica, int count, int models, double milliseconds);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Shard {Shard} of collection {CollectionId}, replica {Replica}: held {Held} rows, the collection {Expected}; caught up from the store ({Rows} rows) in {Milliseconds:F0} ms")]
    private static partial void LogCaughtUp(ILogger logger, Guid collectionId, int shard, int replica, int held, int rows, int expected, double milliseconds);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Shard {Shard} of collection {CollectionId}, replica {Replica}: reactivated after a directory failure with its {Rows} rows kept (no reload)")]
    private static partial void LogResumed(ILogger logger, Guid collectionId, int shard, int replica, int rows);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Shard {Shard} of collection {CollectionId}: a {Dimension}-d vector of model {Calculator} skipped; that model's vectors are {Expected}-d")]
    private static partial void LogDimensionMismatch(ILogger logger, Guid collectionId, int shard, string calculator, int dimension, int expected);
}
