using Orleans.Concurrency;

namespace CompreFace.Grains.Interfaces;

/// <summary>
/// The examples of one recognition service's face collection, keyed by the service id (not the API key, which can be
/// regenerated). Holds the vectors in memory (in shards that may live on other silos) and writes every change to the
/// store before answering.
/// </summary>
[Alias("CompreFace.IFaceCollectionGrain")]
public interface IFaceCollectionGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Adds one example; returns its id. Idempotent when <see cref="AddFaceCommand.ImageId"/> is set (as the HTTP tier
    /// always sets it), hence retry-safe.
    /// </summary>
    [Alias("AddFaceAsync"), RetrySafe]
    Task<Guid> AddFaceAsync(AddFaceCommand command, CancellationToken cancellationToken = default);

    /// <summary>Deletes examples by id (unknown ids are skipped); returns what was deleted.</summary>
    [Alias("DeleteFacesAsync")]
    Task<IReadOnlyList<FaceRef>> DeleteFacesAsync(IReadOnlyList<Guid> imageIds, CancellationToken cancellationToken = default);

    /// <summary>A page of examples, optionally of one subject (exact, case-sensitive match, as CompreFace).</summary>
    [Alias("ListFacesAsync"), ReadOnly]
    Task<Page<FaceRef>> ListFacesAsync(string? subject, int page, int size, CancellationToken cancellationToken = default);

    /// <summary>One example with its vector, or null when it is not in this collection.</summary>
    [Alias("GetFaceAsync"), ReadOnly]
    Task<StoredFace?> GetFaceAsync(Guid imageId, CancellationToken cancellationToken = default);

    /// <summary>How many original images the collection stores (0 when images are not saved): the admin API's <c>imageCount</c>.</summary>
    [Alias("CountImagesAsync"), ReadOnly]
    Task<long> CountImagesAsync(CancellationToken cancellationToken = default);

    /// <summary>The original image of an example, or null when absent or not stored.</summary>
    [Alias("GetImageAsync"), ReadOnly]
    Task<byte[]?> GetImageAsync(Guid imageId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> examples after <paramref name="afterSeq"/> (0: the first page), with their images
    /// when <paramref name="images"/> is set: a keyset page of an export (docs/export-format.md).
    /// </summary>
    [Alias("ExportFacesAsync"), ReadOnly]
    Task<ExportPage> ExportFacesAsync(long afterSeq, int limit, bool images, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a batch of an import: subjects that are missing (by name, case-insensitively) are created, then the
    /// examples under their given ids; an id already stored is skipped, so a repeated batch stores nothing twice.
    /// <paramref name="subjects"/> lists names to create even without examples (an export's empty subjects).
    /// </summary>
    [Alias("ImportAsync"), RetrySafe]
    Task<ImportOutcome> ImportAsync(IReadOnlyList<string> subjects, IReadOnlyList<TransferFace> faces, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a step of a bulk enrolment as <see cref="ImportAsync"/> does, but only when every face carries the models
    /// the collection's <see cref="ModelPlan"/> needs, as an add must; otherwise nothing is stored and
    /// <see cref="ModelPlanChangedException"/> gives the plan of now (the caller analyses the photos again and retries).
    /// </summary>
    [Alias("EnrolAsync"), RetrySafe]
    Task<ImportOutcome> EnrolAsync(IReadOnlyList<TransferFace> faces, CancellationToken cancellationToken = default);

    /// <summary>The best matches for each query embedding, by cosine descending (ties in insertion order).</summary>
    [Alias("SearchAsync"), ReadOnly]
    Task<IReadOnlyList<IReadOnlyList<FaceMatch>>> SearchAsync(FaceSearch search, CancellationToken cancellationToken = default);

    /// <summary>Which models searches and adds must be computed by (docs/decisions/0034-jobs-and-re-embedding.md).</summary>
    [Alias("GetModelPlanAsync"), ReadOnly]
    Task<ModelPlan> GetModelPlanAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// The subjects of a face collection. Implemented by the same grain as <see cref="IFaceCollectionGrain"/> (same key,
/// same activation); split only to keep each contract small.
/// </summary>
[Alias("CompreFace.ISubjectCatalogGrain")]
public interface ISubjectCatalogGrain : IGrainWithGuidKey
{
    /// <summary>Creates a subject; false when one with that name exists (case-insensitive).</summary>
    [Alias("AddSubjectAsync")]
    Task<bool> AddSubjectAsync(string subject, CancellationToken cancellationToken = default);

    /// <summary>Renames a subject, merging into an existing one of the new name (CompreFace's rule).</summary>
    [Alias("RenameSubjectAsync")]
    Task<SubjectRenameOutcome> RenameSubjectAsync(string subject, string newName, CancellationToken cancellationToken = default);

    /// <summary>Deletes a subject (matched case-insensitively) with its examples and images; null when not found.</summary>
    [Alias("DeleteSubjectAsync")]
    Task<SubjectDeletion?> DeleteSubjectAsync(string subject, CancellationToken cancellationToken = default);

    /// <summary>Deletes every subject; returns how many there were.</summary>
    [Alias("DeleteAllSubjectsAsync")]
    Task<int> DeleteAllSubjectsAsync(CancellationToken cancellationToken = default);

    /// <summary>All subject names, in creation order.</summary>
    [Alias("ListSubjectsAsync"), ReadOnly]
    Task<IReadOnlyList<string>> ListSubjectsAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// Whether stored examples were computed by a model other than the current one (CompreFace's
/// <c>/consistence/status</c>): a stateless worker over the store, answered from an index.
/// </summary>
[Alias("CompreFace.IModelConsistencyGrain")]
public interface IModelConsistencyGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Checks the examples against <paramref name="calculator"/>: those of the collection <paramref name="demoCollectionId"/>
    /// (the demo service's), and all others.
    /// </summary>
    [Alias("CheckAsync"), ReadOnly]
    Task<ModelConsistency> CheckAsync(string calculator, Guid demoCollectionId, CancellationToken cancellationToken = default);
}

/// <summary>
/// A read-only standby of a collection on another silo than its <see cref="IFaceCollectionGrain"/> (same key, the
/// service id), kept current by it before every acknowledgement. The HTTP tier asks it when the collection grain does
/// not answer a search in time, e.g. while its silo is dead but not yet declared dead (docs/decisions/0026).
/// </summary>
[Alias("CompreFace.IFaceCollectionStandbyGrain")]
public interface IFaceCollectionStandbyGrain : IGrainWithGuidKey
{
    /// <summary>The same answer as <see cref="IFaceCollectionGrain.SearchAsync"/>.</summary>
    [Alias("SearchAsync"), ReadOnly]
    Task<IReadOnlyList<IReadOnlyList<FaceMatch>>> SearchAsync(FaceSearch search, CancellationToken cancellationToken = default);
}
