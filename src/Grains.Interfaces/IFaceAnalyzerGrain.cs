namespace CompreFace.Grains.Interfaces;

/// <summary>
/// Stateless inference worker: decodes an image, detects faces, and runs the requested models.
/// Any silo with models may host activations, so GPU or inference-only nodes can take this load.
/// </summary>
[Alias("CompreFace.IFaceAnalyzerGrain")]
public interface IFaceAnalyzerGrain : IGrainWithIntegerKey
{
    /// <summary>Analyses one image.</summary>
    [Alias("AnalyzeAsync"), RetrySafe]
    Task<FaceAnalysisResult> AnalyzeAsync(FaceAnalysisRequest request, CancellationToken cancellationToken = default);

    /// <summary>The embedding model of this worker (the embedding endpoints, which analyse no image).</summary>
    [Alias("GetCalculatorAsync"), RetrySafe]
    Task<CalculatorIdentity> GetCalculatorAsync(CancellationToken cancellationToken = default);

    /// <summary>Models, versions and execution provider of this worker.</summary>
    [Alias("GetStatusAsync"), RetrySafe]
    Task<InferenceStatus> GetStatusAsync(CancellationToken cancellationToken = default);
}
