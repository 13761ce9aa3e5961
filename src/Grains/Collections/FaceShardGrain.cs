using System.Diagnostics;
using CompreFace.Grains.Persistence;
using Microsoft.Extensions.Logging;

namespace CompreFace.Grains.Collections;

/// <inheritdoc cref="IFaceShardGrain" />
internal sealed partial class FaceShardGrain(IFaceStore store, ILogger<FaceShardGrain> logger) : Grain, IFaceShardGrain
{
    private EmbeddingIndex? _index;
    private Guid _collectionId;
    private int _shard;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_collectionId, _shard) = ParseKey(this.GetPrimaryKeyString());
        var started = Stopwatch.GetTimestamp();
        EmbeddingIndex? index = null;
        await store.LoadShardAsync(_collectionId, _shard, (imageId, subjectId, vector) =>
        {
            index ??= new EmbeddingIndex(vector.Length);
            if (vector.Length == index.Dimension)
            {
                index.Add(imageId, subjectId, vector);
            }
        }, cancellationToken);
        _index = index;
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        LogLoaded(logger, _collectionId, _shard, index?.Count ?? 0, elapsed);
    }

    Task IFaceShardGrain.AddAsync(IReadOnlyList<ShardFace> faces, CancellationToken cancellationToken)
    {
        foreach (var face in faces)
        {
            _index ??= new EmbeddingIndex(face.UnitVector.Length);
            _index.Add(face.ImageId, face.SubjectId, face.UnitVector);
        }

        return Task.CompletedTask;
    }

    Task IFaceShardGrain.RemoveAsync(IReadOnlyList<Guid> imageIds, CancellationToken cancellationToken)
    {
        if (_index is not null)
        {
            foreach (var id in imageIds)
            {
                _index.Remove(id);
            }
        }

        return Task.CompletedTask;
    }

    Task IFaceShardGrain.ChangeSubjectAsync(Guid subjectId, Guid? mergeInto, CancellationToken cancellationToken)
    {
        if (mergeInto is { } target)
        {
            _index?.ReassignSubject(subjectId, target);
        }
        else
        {
            _index?.RemoveSubject(subjectId);
        }

        return Task.CompletedTask;
    }

    Task IFaceShardGrain.ClearAsync(CancellationToken cancellationToken)
    {
        _index = null;
        return Task.CompletedTask;
    }

    Task<ShardMatch[][]> IFaceShardGrain.SearchAsync(IReadOnlyList<float[]> unitQueries, int count, bool perSubject, CancellationToken cancellationToken)
    {
        if (_index is null || _index.Count == 0)
        {
            return Task.FromResult(unitQueries.Select(_ => Array.Empty<ShardMatch>()).ToArray());
        }

        var hits = _index.Search(unitQueries, count, perSubject);
        return Task.FromResult(Array.ConvertAll(hits, h => Array.ConvertAll(h, m => new ShardMatch(m.ImageId, m.SubjectId, m.Cosine))));
    }

    Task<(int Count, long Bytes)> IFaceShardGrain.GetSizeAsync(CancellationToken cancellationToken) =>
        Task.FromResult((_index?.Count ?? 0, _index?.ApproximateBytes ?? 0));

    /// <summary>The grain key of shard <paramref name="shard"/> of a collection.</summary>
    public static string KeyOf(Guid collectionId, int shard) => $"{collectionId:N}/{shard}";

    private static (Guid Collection, int Shard) ParseKey(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return (Guid.ParseExact(key.AsSpan(0, slash), "N"), int.Parse(key.AsSpan(slash + 1), System.Globalization.CultureInfo.InvariantCulture));
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Shard {Shard} of collection {CollectionId} loaded {Count} faces in {Milliseconds:F0} ms")]
    private static partial void LogLoaded(ILogger logger, Guid collectionId, int shard, int count, double milliseconds);
}
