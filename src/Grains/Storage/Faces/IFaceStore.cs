using CompreFace.Grains.Interfaces;

namespace CompreFace.Grains.Storage;

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
/// and SQLite (the embedded single-node default); one contract test suite covers both (tests/Store.Tests).
/// Every call sees only rows of <c>collectionId</c>: another collection's ids read as absent and are never changed.
/// A broken constraint (duplicate id or name, a subject of another collection) throws a
/// <see cref="System.Data.Common.DbException"/>; a grain that keeps its own rules never causes one.
/// </summary>
public interface IFaceStore
{
    /// <summary>Creates or migrates the schema; idempotent, safe to call from several nodes at once.</summary>
    Task EnsureSchemaAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Throws unless the store answers a trivial query on its schema now (the readiness probe): a fresh connection,
    /// so a store that went away is noticed even while pooled connections look idle.
    /// </summary>
    Task PingAsync(CancellationToken cancellationToken = default);

    /// <summary>All subjects of a collection, in insertion order.</summary>
    Task<IReadOnlyList<SubjectRecord>> GetSubjectsAsync(Guid collectionId, CancellationToken cancellationToken = default);

    /// <summary>Inserts a subject. Names are unique per collection case-sensitively (a duplicate throws <see cref="System.Data.Common.DbException"/>); the case-insensitive rules are the grain's.</summary>
    Task AddSubjectAsync(Guid collectionId, SubjectRecord subject, CancellationToken cancellationToken = default);

    /// <summary>Renames a subject in place (id and list position kept). Throws <see cref="KeyNotFoundException"/> when it is not in this collection.</summary>
    Task RenameSubjectAsync(Guid collectionId, Guid subjectId, string newName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves every example of <paramref name="fromSubjectId"/> to <paramref name="toSubjectId"/> (shards unchanged) and
    /// deletes the former, atomically. Throws <see cref="KeyNotFoundException"/>, changing nothing, when either is not
    /// in this collection, and <see cref="ArgumentException"/> when they are the same.
    /// </summary>
    Task MergeSubjectAsync(Guid collectionId, Guid fromSubjectId, Guid toSubjectId, CancellationToken cancellationToken = default);

    /// <summary>Deletes subjects with their examples and images, atomically; returns the number of examples removed. Unknown ids are skipped.</summary>
    Task<int> DeleteSubjectsAsync(Guid collectionId, IReadOnlyCollection<Guid> subjectIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes every subject, example and image of the collection, and the model a re-embedding switched it to (an empty
    /// collection starts again as a new one does); returns the number of subjects removed.
    /// </summary>
    Task<int> DeleteCollectionAsync(Guid collectionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts one example and, when given, its original image bytes, atomically. The image is kept only when
    /// <see cref="StorageOptions.SaveImages"/> is on; an empty image counts as none (note that a null <c>byte[]</c>
    /// converts to an empty, not a null, <see cref="ReadOnlyMemory{T}"/>). The subject must be in this collection.
    /// </summary>
    Task AddFaceAsync(Guid collectionId, FaceRecord face, ReadOnlyMemory<byte>? image, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts many examples (no images) in one transaction; PostgreSQL streams them with binary COPY. For bulk loads:
    /// cloning a service, imports, and the benchmark's million-face collections.
    /// </summary>
    Task AddFacesAsync(Guid collectionId, IReadOnlyList<FaceRecord> faces, CancellationToken cancellationToken = default);

    /// <summary>
    /// Copies every subject, example and stored image of <paramref name="sourceId"/> into the empty collection
    /// <paramref name="targetId"/> under new ids, in one transaction and inside the database (no vectors travel);
    /// names, shards, vectors and calculators are kept, insertion order too. Returns the number of examples copied.
    /// For cloning a service (docs/compreface-behaviour.md#services).
    /// </summary>
    Task<int> CopyCollectionAsync(Guid sourceId, Guid targetId, CancellationToken cancellationToken = default);

    /// <summary>Deletes examples (and their images) by id; unknown ids and repeats are skipped. Returns what was deleted, in request order. Subjects stay.</summary>
    Task<IReadOnlyList<FaceRecord>> DeleteFacesAsync(Guid collectionId, IReadOnlyCollection<Guid> imageIds, CancellationToken cancellationToken = default);

    /// <summary>One example, or null if it is not in this collection.</summary>
    Task<FaceRecord?> GetFaceAsync(Guid collectionId, Guid imageId, CancellationToken cancellationToken = default);

    /// <summary>The original image bytes of an example, or null when absent or not stored.</summary>
    Task<byte[]?> GetImageAsync(Guid collectionId, Guid imageId, CancellationToken cancellationToken = default);

    /// <summary>
    /// A page of examples, optionally of one subject (exact, case-sensitive name match), with the total count.
    /// Order is stable (by insertion). <paramref name="page"/> is 0-based (≥ 0) and <paramref name="size"/> ≥ 1, else
    /// <see cref="ArgumentOutOfRangeException"/>; a page past the end is empty but still carries the total.
    /// </summary>
    Task<(IReadOnlyList<FaceListing> Page, long Total)> ListFacesAsync(Guid collectionId, string? subject, int page, int size, CancellationToken cancellationToken = default);

    /// <summary>Number of original images stored for the collection's examples.</summary>
    Task<long> CountImagesAsync(Guid collectionId, CancellationToken cancellationToken = default);

    /// <summary>Number of examples in each shard of the collection (shards with none are absent).</summary>
    Task<IReadOnlyDictionary<int, int>> CountFacesByShardAsync(Guid collectionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The digest of the image ids in each shard of the collection (<c>ShardDigest</c>: the sum modulo 2^64 of each
    /// id's first 15 hex digits; shards with none are absent), which shard copies compare with their own rows.
    /// </summary>
    Task<IReadOnlyDictionary<int, ulong>> DigestFacesByShardAsync(Guid collectionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams one shard's examples for activation (PostgreSQL: binary COPY). <paramref name="sink"/> receives each
    /// example's id, subject, calculator (the model that computed it) and vector, in insertion order; the span is only valid during the call, so the sink copies
    /// what it keeps. The sink runs synchronously on the reading loop: keep it cheap and do not block in it.
    /// </summary>
    Task LoadShardAsync(Guid collectionId, int shard, FaceSink sink, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> examples after position <paramref name="afterSeq"/> (0: from the start) in insertion
    /// order, with their original images when <paramref name="images"/> is set: keyset pages, so an export of any size
    /// reads one bounded page at a time (docs/export-format.md). The next page starts after the last row's <c>Seq</c>.
    /// </summary>
    Task<IReadOnlyList<FaceExportRow>> ReadFacesAsync(Guid collectionId, long afterSeq, int limit, bool images, CancellationToken cancellationToken = default);

    /// <summary>Which of <paramref name="imageIds"/> are examples of this collection (for idempotent imports).</summary>
    Task<IReadOnlySet<Guid>> FindFacesAsync(Guid collectionId, IReadOnlyCollection<Guid> imageIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts new subjects, then examples with their images (those in <paramref name="images"/>, kept only when
    /// <see cref="StorageOptions.SaveImages"/> is on), in one transaction: one batch of an import. No webhook events are
    /// queued (an import is one audited admin action, not thousands of face additions). PostgreSQL streams the examples
    /// and images with binary COPY.
    /// </summary>
    Task ImportAsync(
        Guid collectionId, IReadOnlyList<SubjectRecord> subjects, IReadOnlyList<FaceRecord> faces, IReadOnlyDictionary<Guid, byte[]> images,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether any stored example was computed by a model other than <paramref name="calculator"/>: inside
    /// <paramref name="collectionId"/>, and in every other collection. Answered from an index on the calculator, so it
    /// stays instant on a consistent store of any size (CompreFace's <c>/consistence/status</c> flags).
    /// </summary>
    Task<(bool InCollection, bool Elsewhere)> FindOtherCalculatorsAsync(string calculator, Guid collectionId, CancellationToken cancellationToken = default);
}

/// <summary>An example read for an export: its position in the collection's insertion order, the row, and its image when asked for and stored.</summary>
public sealed record FaceExportRow(long Seq, FaceRecord Face, byte[]? Image);

/// <summary>Receives one streamed example; <paramref name="embedding"/> is only valid during the call.</summary>
public delegate void FaceSink(Guid imageId, Guid subjectId, string calculator, ReadOnlySpan<float> embedding);
