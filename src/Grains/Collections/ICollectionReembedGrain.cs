namespace CompreFace.Grains.Collections;

/// <summary>A face's vector of the target model, computed by a re-embedding.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.ReembeddedFace")]
public sealed record ReembeddedFace(
    [property: Id(0)] Guid ImageId,
    [property: Id(1)] Guid SubjectId,
    [property: Id(2)] int Shard,
    [property: Id(3)] float[] Vector);

/// <summary>
/// The collection's side of a re-embedding (docs/decisions/0034-jobs-and-re-embedding.md), on the same activation as
/// <see cref="CompreFace.Grains.Interfaces.IFaceCollectionGrain"/>: the collection stays the only writer of its rows.
/// </summary>
[Alias("CompreFace.ICollectionReembedGrain")]
public interface ICollectionReembedGrain : IGrainWithGuidKey
{
    /// <summary>From now on searches must be computed by <paramref name="serving"/> and adds by both models.</summary>
    [Alias("BeginReembedAsync")]
    Task BeginReembedAsync(string serving, string target, CancellationToken cancellationToken = default);

    /// <summary>Stores vectors of <paramref name="target"/> and hands them to the shards (searched only under that model).</summary>
    [Alias("StoreReembeddedAsync")]
    Task StoreReembeddedAsync(string target, IReadOnlyList<ReembeddedFace> faces, CancellationToken cancellationToken = default);

    /// <summary>Switches every face with a vector of <paramref name="target"/> to it, atomically in the store, then serves it; returns the faces switched.</summary>
    [Alias("CompleteReembedAsync")]
    Task<int> CompleteReembedAsync(string target, CancellationToken cancellationToken = default);

    /// <summary>Ends a cancelled or failed re-embedding: searches follow their query's model again; computed vectors stay for a later run.</summary>
    [Alias("AbortReembedAsync")]
    Task AbortReembedAsync(CancellationToken cancellationToken = default);
}
