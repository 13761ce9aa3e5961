using Orleans.Concurrency;

namespace CompreFace.Grains.Collections;

/// <summary>A vector to hold in a shard.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.ShardFace")]
public sealed record ShardFace(
    [property: Id(0)] Guid ImageId,
    [property: Id(1)] Guid SubjectId,
    [property: Id(2)] float[] UnitVector,
    [property: Id(3)] string Calculator,
    [property: Id(4)] bool Extra = false);

/// <summary>A match found by a shard.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.ShardMatch")]
public sealed record ShardMatch(
    [property: Id(0)] Guid ImageId,
    [property: Id(1)] Guid SubjectId,
    [property: Id(2)] float Cosine);

/// <summary>
/// Up to <see cref="RecognitionOptions.ShardCapacity"/> vectors of one collection, in memory, one grain per replica
/// (<see cref="RecognitionOptions.Replicas"/>), keyed <c>"{collectionId:N}/{shard}"</c> and <c>"{collectionId:N}/{shard}/{replica}"</c>. Loads its rows from the store on activation; the collection grain writes the store
/// first and then tells the shard, so a shard that dies loses nothing. Shards of a big collection can live on different
/// silos and are searched in parallel.
/// </summary>
[Alias("CompreFace.IFaceShardGrain")]
public interface IFaceShardGrain : IGrainWithStringKey
{
    /// <summary>Adds vectors already stored.</summary>
    [Alias("AddAsync")]
    Task AddAsync(IReadOnlyList<ShardFace> faces, CancellationToken cancellationToken = default);

    /// <summary>Forgets vectors already deleted from the store.</summary>
    [Alias("RemoveAsync")]
    Task RemoveAsync(IReadOnlyList<Guid> imageIds, CancellationToken cancellationToken = default);

    /// <summary>Applies a subject deletion or merge already made in the store (<paramref name="mergeInto"/> null = delete).</summary>
    [Alias("ChangeSubjectAsync")]
    Task ChangeSubjectAsync(Guid subjectId, Guid? mergeInto, CancellationToken cancellationToken = default);

    /// <summary>Drops every vector (the collection was emptied).</summary>
    [Alias("ClearAsync")]
    Task ClearAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Best matches per unit query, best first. A replica that holds a number of rows other than
    /// <paramref name="expectedRows"/> (the collection's count; negative: do not check), or rows whose digest is not
    /// <paramref name="expectedDigest"/> (<see cref="ShardDigest"/>; null: do not check), missed a write and reloads
    /// the shard from the store before it answers.
    /// </summary>
    [Alias("SearchAsync"), ReadOnly]
    Task<ShardMatch[][]> SearchAsync(IReadOnlyList<float[]> unitQueries, string calculator, int count, bool perSubject, int expectedRows = -1, ulong? expectedDigest = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Loads the shard from the store again (built aside, then swapped): after a re-embedded collection switched its
    /// served vectors (docs/decisions/0034-jobs-and-re-embedding.md).
    /// </summary>
    [Alias("ReloadAsync")]
    Task ReloadAsync(CancellationToken cancellationToken = default);

    /// <summary>Number of vectors held and bytes used (activates and loads the shard).</summary>
    [Alias("GetSizeAsync"), ReadOnly]
    Task<(int Count, long Bytes)> GetSizeAsync(CancellationToken cancellationToken = default);
}
