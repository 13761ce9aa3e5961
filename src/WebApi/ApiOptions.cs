using System.ComponentModel.DataAnnotations;

namespace CompreFace.WebApi;

/// <summary>
/// Limits of the face API. Its work caps are bound from the <c>Limits</c> section; its upload limits are not: the host
/// fills them from the one options type of the <c>Images</c> section (the node: the inference library's <c>ImageLimitsOptions</c>, whose
/// defaults are CompreFace's 5 MiB file and 10 MiB request), so that one setting governs both tiers. A host that
/// forgets to is stopped at start by the validation.
/// </summary>
public sealed class ApiOptions
{
    /// <summary>Largest accepted image file in bytes (CompreFace <c>MAX_FILE_SIZE</c>).</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileSize { get; set; }

    /// <summary>Largest accepted request body in bytes (CompreFace <c>MAX_REQUEST_SIZE</c> and nginx <c>client_max_body_size</c>).</summary>
    [Range(1, long.MaxValue)]
    public long MaxRequestSize { get; set; }

    /// <summary>Configuration section of the work caps below (the node binds it; upload sizes stay the Images section's).</summary>
    public const string LimitsSectionName = "Limits";

    /// <summary>
    /// Highest <c>prediction_count</c> (<c>Limits:MaxPredictionCount</c>): CompreFace has none, so one request could ask
    /// for a million-row sort; 1000 is far above what its UI (3) and SDK examples (1–5) ask for.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxPredictionCount { get; set; } = 1000;

    /// <summary>
    /// Most vectors in one <c>embeddings/recognize</c>, <c>embeddings/faces/{id}/verify</c> or <c>embeddings/verify</c>
    /// request (<c>Limits:MaxEmbeddingsPerRequest</c>): each vector is a full collection scan (1,500 vectors on a 1M-face
    /// collection were ~40 s of CPU), refused before any is made.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxEmbeddingsPerRequest { get; set; } = 100;

    /// <summary>
    /// Most faces one image is analysed for (<c>Limits:MaxFacesPerImage</c>): each costs an embedding, the plugins and,
    /// on recognition, a collection scan. Not a refusal: like CompreFace's own <c>limit</c>, the largest faces are kept,
    /// so a crowd photo still gets an answer (decision 0024). 100, the embeddings cap, is far above any documented client.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxFacesPerImage { get; set; } = 100;

    /// <summary>
    /// Largest <c>/admin</c> request body in bytes (<c>Limits:MaxAdminRequestSize</c>): its bodies are small JSON
    /// documents and forms, refused above this with 413 before any is parsed (Kestrel's own limit is 30 MB).
    /// </summary>
    [Range(1024, 100L * 1024 * 1024)]
    public long MaxAdminRequestSize { get; set; } = 1024 * 1024;

    /// <summary>The request's <c>limit</c> bounded by <see cref="MaxFacesPerImage"/>: 0 ("all") and anything above become the cap.</summary>
    public FaceRequestParameters Bound(FaceRequestParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return parameters.Limit is > 0 && parameters.Limit <= MaxFacesPerImage ? parameters : parameters with { Limit = MaxFacesPerImage };
    }

    /// <summary>Refuses a request that asks for more matches than <see cref="MaxPredictionCount"/> (400 code 26).</summary>
    public RecognitionParameters Bound(RecognitionParameters recognition)
    {
        ArgumentNullException.ThrowIfNull(recognition);
        return recognition.PredictionCount > MaxPredictionCount
            ? throw ApiErrors.Validation($"prediction_count should be at most {MaxPredictionCount}; ")
            : recognition;
    }

    /// <summary>Refuses more than <see cref="MaxEmbeddingsPerRequest"/> vectors (400 code 26), before any search.</summary>
    public T[] Bound<T>(T[] embeddings, string field)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        return embeddings.Length > MaxEmbeddingsPerRequest
            ? throw ApiErrors.Validation($"At most {MaxEmbeddingsPerRequest} {field} per request, {embeddings.Length} were sent")
            : embeddings;
    }
}
