namespace CompreFace.Grains.Persistence;

/// <summary>A subject row: its id, collection and name as stored (case preserved).</summary>
public sealed record SubjectRecord(Guid SubjectId, string Name);

/// <summary>A stored face example (CompreFace's "embedding" row; its id is the API's <c>image_id</c>).</summary>
/// <param name="ImageId">The example's id (the API's <c>image_id</c>).</param>
/// <param name="SubjectId">Owning subject.</param>
/// <param name="Shard">Which shard of the collection holds it in memory.</param>
/// <param name="Embedding">L2-normalised float32 vector.</param>
/// <param name="Calculator">Version of the model that computed it.</param>
public sealed record FaceRecord(Guid ImageId, Guid SubjectId, int Shard, float[] Embedding, string Calculator);

/// <summary>An example as listed by the API: its id and its subject's name.</summary>
public sealed record FaceListing(Guid ImageId, string Subject);

/// <summary>
/// Durable storage of face collections: subjects, examples (embeddings) and the original images. Writes are row-level
/// (adding a face is O(1)), every method is durable when its task completes, and one collection grain is the only
/// writer of its collection, so implementations need no cross-call locking. Two implementations: PostgreSQL (cluster)
/// and SQLite (the embedded single-node default); one contract test suite covers both.
/// </summary>
public interface IFaceStore
{
    /// <summary>Creates or migrates the schema; idempotent, safe to call from several nodes at once.</summary>
    Task EnsureSchemaAsync(CancellationToken cancellationToken = default);

    /// <summary>All subjects of a collection, in insertion order.</summary>
    Task<IReadOnlyList<SubjectRecord>> GetSubjectsAsync(Guid collectionId, CancellationToken cancellationToken = default);

    /// <summary>Inserts a subject.</summary>
    Task AddSubjectAsync(Guid collectionId, SubjectRecord subject, CancellationToken cancellationToken = default);

    /// <summary>Renames a subject in place.</summary>
    Task RenameSubjectAsync(Guid collectionId, Guid subjectId, string newName, CancellationToken cancellationToken = default);

    /// <summary>Moves every example of <paramref name="fromSubjectId"/> to <paramref name="toSubjectId"/> and deletes the former, atomically.</summary>
    Task MergeSubjectAsync(Guid collectionId, Guid fromSubjectId, Guid toSubjectId, CancellationToken cancellationToken = default);

    /// <summary>Deletes subjects with their examples and images, atomically; returns the number of examples removed.</summary>
    Task<int> DeleteSubjectsAsync(Guid collectionId, IReadOnlyCollection<Guid> subjectIds, CancellationToken cancellationToken = default);

    /// <summary>Deletes every subject, example and image of the collection; returns the number of subjects removed.</summary>
    Task<int> DeleteCollectionAsync(Guid collectionId, CancellationToken cancellationToken = default);

    /// <summary>Inserts one example and, when given, its original image bytes, atomically.</summary>
    Task AddFaceAsync(Guid collectionId, FaceRecord face, ReadOnlyMemory<byte>? image, CancellationToken cancellationToken = default);

    /// <summary>Deletes examples (and their images) by id; unknown ids are skipped. Returns what was deleted.</summary>
    Task<IReadOnlyList<FaceRecord>> DeleteFacesAsync(Guid collectionId, IReadOnlyCollection<Guid> imageIds, CancellationToken cancellationToken = default);

    /// <summary>One example, or null if it is not in this collection.</summary>
    Task<FaceRecord?> GetFaceAsync(Guid collectionId, Guid imageId, CancellationToken cancellationToken = default);

    /// <summary>The original image bytes of an example, or null when absent or not stored.</summary>
    Task<byte[]?> GetImageAsync(Guid collectionId, Guid imageId, CancellationToken cancellationToken = default);

    /// <summary>
    /// A page of examples, optionally of one subject (exact, case-sensitive name match), with the total count.
    /// Order is stable (by insertion).
    /// </summary>
    Task<(IReadOnlyList<FaceListing> Page, long Total)> ListFacesAsync(Guid collectionId, string? subject, int page, int size, CancellationToken cancellationToken = default);

    /// <summary>Number of examples in each shard of the collection (shards with none are absent).</summary>
    Task<IReadOnlyDictionary<int, int>> CountFacesByShardAsync(Guid collectionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams one shard's examples for activation (PostgreSQL: binary COPY). <paramref name="sink"/> receives each
    /// example's id, subject and vector; the span is only valid during the call, so the sink copies what it keeps.
    /// </summary>
    Task LoadShardAsync(Guid collectionId, int shard, FaceSink sink, CancellationToken cancellationToken = default);
}

/// <summary>Receives one streamed example; <paramref name="embedding"/> is only valid during the call.</summary>
public delegate void FaceSink(Guid imageId, Guid subjectId, ReadOnlySpan<float> embedding);
