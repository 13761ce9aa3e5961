using System.Diagnostics;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.Logging;
using CompreFace.Grains.Interfaces;

namespace CompreFace.Grains.Collections;

/// <inheritdoc cref="IFaceShardGrain" />
internal sealed partial class FaceShardGrain(IFaceStore store, ILogger<FaceShardGrain> logger) : Grain, IFaceShardGrain
{
    // One index per model (calculator version). A collection normally holds one; after the embedder is changed it holds
    // the old model's examples too, which are kept (nothing stored is lost) but never compared with the new model's
    // queries: vectors of different models live in unrelated spaces, even at equal dimension.
    private readonly Dictionary<string, EmbeddingIndex> _indexes = new(StringComparer.Ordinal);
    private Guid _collectionId;
    private int _shard;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_collectionId, _shard) = ParseKey(this.GetPrimaryKeyString());
        var started = Stopwatch.GetTimestamp();
        var count = 0;
        try
        {
            await store.LoadShardAsync(_collectionId, _shard, (imageId, subjectId, calculator, vector) =>
            {
                if (IndexFor(calculator, vector.Length) is { } index)
                {
                    index.Add(imageId, subjectId, vector);
                    count++;
                }
            }, cancellationToken);
        }
        catch (Exception exception) when (StoreFailures.IsUnavailable(exception) && exception is not StoreUnavailableException)
        {
            // A failed activation bypasses the grain call filters; callers must still see the one outage type (503),
            // and Orleans discards this activation, so the next call loads again.
            throw new StoreUnavailableException();
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        LogLoaded(logger, _collectionId, _shard, count, _indexes.Count, elapsed);
    }

    Task IFaceShardGrain.AddAsync(IReadOnlyList<ShardFace> faces, CancellationToken cancellationToken)
    {
        foreach (var face in faces)
        {
            IndexFor(face.Calculator, face.UnitVector.Length)?.Add(face.ImageId, face.SubjectId, face.UnitVector);
        }

        return Task.CompletedTask;
    }

    Task IFaceShardGrain.RemoveAsync(IReadOnlyList<Guid> imageIds, CancellationToken cancellationToken)
    {
        foreach (var index in _indexes.Values)
        {
            foreach (var id in imageIds)
            {
                index.Remove(id);
            }
        }

        return Task.CompletedTask;
    }

    Task IFaceShardGrain.ChangeSubjectAsync(Guid subjectId, Guid? mergeInto, CancellationToken cancellationToken)
    {
        foreach (var index in _indexes.Values)
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
        _indexes.Clear();
        return Task.CompletedTask;
    }

    Task<ShardMatch[][]> IFaceShardGrain.SearchAsync(
        IReadOnlyList<float[]> unitQueries, string calculator, int count, bool perSubject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unitQueries);
        if (!_indexes.TryGetValue(calculator, out var index) || index.Count == 0
            || unitQueries.Any(q => q.Length != index.Dimension))
        {
            return Task.FromResult(unitQueries.Select(_ => Array.Empty<ShardMatch>()).ToArray());
        }

        var hits = index.Search(unitQueries, count, perSubject);
        return Task.FromResult(Array.ConvertAll(hits, h => Array.ConvertAll(h, m => new ShardMatch(m.ImageId, m.SubjectId, m.Cosine))));
    }

    Task<(int Count, long Bytes)> IFaceShardGrain.GetSizeAsync(CancellationToken cancellationToken) =>
        Task.FromResult((_indexes.Values.Sum(i => i.Count), _indexes.Values.Sum(i => i.ApproximateBytes)));

    /// <summary>The index of <paramref name="calculator"/>; null (the vector is skipped) for a malformed dimension.</summary>
    private EmbeddingIndex? IndexFor(string calculator, int dimension)
    {
        if (!_indexes.TryGetValue(calculator, out var index))
        {
            index = new EmbeddingIndex(dimension);
            _indexes.Add(calculator, index);
        }

        if (index.Dimension == dimension)
        {
            return index;
        }

        LogDimensionMismatch(logger, _collectionId, _shard, calculator, dimension, index.Dimension);
        return null;
    }

    /// <summary>The grain key of shard <paramref name="shard"/> of a collection.</summary>
    public static string KeyOf(Guid collectionId, int shard) => $"{collectionId:N}/{shard}";

    private static (Guid Collection, int Shard) ParseKey(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return (Guid.ParseExact(key.AsSpan(0, slash), "N"), int.Parse(key.AsSpan(slash + 1), System.Globalization.CultureInfo.InvariantCulture));
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Shard {Shard} of collection {CollectionId} loaded {Count} faces of {Models} model(s) in {Milliseconds:F0} ms")]
    private static partial void LogLoaded(ILogger logger, Guid collectionId, int shard, int count, int models, double milliseconds);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Shard {Shard} of collection {CollectionId}: a {Dimension}-d vector of model {Calculator} skipped; that model's vectors are {Expected}-d")]
    private static partial void LogDimensionMismatch(ILogger logger, Guid collectionId, int shard, string calculator, int dimension, int expected);
}
