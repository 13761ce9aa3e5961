namespace CompreFace.Grains.Interfaces;

/// <summary>Adds one example (a face embedding) to a subject, creating the subject if needed.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.AddFaceCommand")]
public sealed record AddFaceCommand
{
    /// <summary>Subject name as sent (matched case-insensitively; created when absent).</summary>
    [Id(0)] public required string Subject { get; init; }

    /// <summary>The raw embedding from the model; the collection L2-normalises it before storing.</summary>
    [Id(1)] public required float[] Embedding { get; init; }

    /// <summary>Version of the model that computed the embedding.</summary>
    [Id(2)] public required string Calculator { get; init; }

    /// <summary>The original upload, stored when images are kept (CompreFace's <c>save_images_to_db</c>).</summary>
    [Id(3)] public byte[]? Image { get; init; }

    /// <summary>
    /// The id the new example gets, chosen by the caller so that the add is idempotent: a repeat of a command whose
    /// id is already stored returns that id and stores nothing (the HTTP tier retries adds after an ambiguous cluster
    /// failure; docs/decisions/0014). <see cref="Guid.Empty"/>: the collection picks a new id.
    /// </summary>
    [Id(4)] public Guid ImageId { get; init; }

    /// <summary>While the collection is re-embedded: the face's vector of the target model (<see cref="AlsoCalculator"/>).</summary>
    [Id(5)] public float[]? AlsoEmbedding { get; init; }

    /// <summary>The model of <see cref="AlsoEmbedding"/>.</summary>
    [Id(6)] public string? AlsoCalculator { get; init; }
}

/// <summary>An example and the name of its subject.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.FaceRef")]
public sealed record FaceRef(Guid ImageId, string Subject);

/// <summary>A stored example with its normalised vector (for verify-by-id).</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.StoredFace")]
public sealed record StoredFace(string Subject, float[] Embedding);

/// <summary>What to search for.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.FaceSearch")]
public sealed record FaceSearch
{
    /// <summary>Query embeddings (raw; normalised by the collection).</summary>
    [Id(0)] public required IReadOnlyList<float[]> Embeddings { get; init; }

    /// <summary>
    /// The model that computed the queries (its calculator version): only examples computed by the same model are
    /// compared, so a collection enrolled with another model never yields meaningless similarities.
    /// </summary>
    [Id(3)] public required string Calculator { get; init; }

    /// <summary>How many matches per query (CompreFace's <c>prediction_count</c>).</summary>
    [Id(1)] public int Count { get; init; } = 1;

    /// <summary>
    /// Beyond CompreFace (opt-in): one match per subject, its best example, instead of CompreFace's ranking of
    /// examples in which a subject can repeat (CompreFace issue #805).
    /// </summary>
    [Id(2)] public bool PerSubject { get; init; }

    /// <summary>
    /// Search under <see cref="Calculator"/> whatever the collection's <see cref="ModelPlan"/> (vectors sent by the
    /// client, which cannot be computed again); false: a plan that needs another model refuses the search with
    /// <see cref="ModelPlanChangedException"/>.
    /// </summary>
    [Id(4)] public bool AnyModel { get; init; }
}

/// <summary>One match: an example's subject and the cosine of the query with it.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.FaceMatch")]
public sealed record FaceMatch(string Subject, float Cosine, Guid ImageId);

/// <summary>What renaming a subject did.</summary>
[GenerateSerializer]
public enum SubjectRenameOutcome
{
    /// <summary>No subject with the old name (compared case-insensitively).</summary>
    NotFound = 0,

    /// <summary>The new name equals the old one exactly: nothing changed (CompreFace answers <c>updated: false</c>).</summary>
    Unchanged = 1,

    /// <summary>The subject now has the new name.</summary>
    Renamed = 2,

    /// <summary>Another subject had the new name: the examples moved to it and the old subject is gone.</summary>
    Merged = 3,
}

/// <summary>What deleting one subject did.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.SubjectDeletion")]
public sealed record SubjectDeletion(string Subject, int FacesDeleted);

/// <summary>Whether examples of another model are stored, in the demo collection and elsewhere.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.ModelConsistency")]
public sealed record ModelConsistency(bool DemoCollectionInconsistent, bool StoreInconsistent);
