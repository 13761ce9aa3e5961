namespace CompreFace.WebApi.Faces;

/// <summary>Calls to the inference workers, with the worker's rejections turned into CompreFace's errors.</summary>
public static class FaceAnalyzer
{
    /// <summary>
    /// <see cref="IFaceAnalyzerGrain"/> is a stateless worker: one key is enough, Orleans spreads calls over local
    /// activations.
    /// </summary>
    public const long WorkerKey = 0;

    /// <summary>The worker grain reference.</summary>
    public static IFaceAnalyzerGrain Worker(IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return grains.GetGrain<IFaceAnalyzerGrain>(WorkerKey);
    }

    /// <summary>
    /// The embedding model of the inference tier, asked of a worker on every call (a cheap grain call) rather than kept:
    /// only requests that analyse no image need it, and they must follow the tier when it changes embedder.
    /// </summary>
    public static Task<CalculatorIdentity> CalculatorAsync(IGrainFactory grains, CancellationToken cancellationToken) =>
        Worker(grains).GetCalculatorAsync(cancellationToken);

    /// <summary>The model that computed <paramref name="result"/>'s embeddings.</summary>
    public static CalculatorIdentity CalculatorOf(FaceAnalysisResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Calculator ?? throw new InvalidOperationException("The worker returned an analysis without its calculator.");
    }

    /// <summary>Analyses one image without judging the result (verification checks source and target in order).</summary>
    public static Task<FaceAnalysisResult> AnalyzeRawAsync(IGrainFactory grains, FaceAnalysisRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Nothing to decode: the core would answer 400, which CompreFace reports as code 28.
        return request.Image.Length == 0
            ? Task.FromResult(new FaceAnalysisResult { Outcome = FaceAnalysisOutcome.Undecodable, Detail = "Empty image" })
            : Worker(grains).AnalyzeAsync(request, cancellationToken);
    }

    /// <summary>Analyses one image and requires at least one face.</summary>
    public static async Task<FaceAnalysisResult> AnalyzeAsync(IGrainFactory grains, FaceAnalysisRequest request, CancellationToken cancellationToken) =>
        EnsureFaces(await AnalyzeRawAsync(grains, request, cancellationToken));

    /// <summary>
    /// The result if it holds faces. Undecodable and oversized-by-pixels images and "no face" are 400 code 28
    /// (every core 400 is code 28 in CompreFace); a file over the size limit is 400 code 0 as in CompreFace.
    /// </summary>
    public static FaceAnalysisResult EnsureFaces(FaceAnalysisResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Outcome switch
        {
            FaceAnalysisOutcome.Ok when result.Faces.Count > 0 => result,
            FaceAnalysisOutcome.FileTooLarge => throw ApiErrors.Generic(),
            _ => throw ApiErrors.NoFaceFound(),
        };
    }
}
