namespace CompreFace.Grains.Interfaces;

/// <summary>Why a photo gave no example (the per-file reasons of bulk enrolment and of an import that re-embeds).</summary>
public enum EnrolmentProblem
{
    /// <summary>Exactly one face: enrolled.</summary>
    None = 0,

    /// <summary>No face found (CompreFace's code 28 on add).</summary>
    NoFace = 1,

    /// <summary>More than one face (CompreFace's code 31 on add): which person is meant is unknown.</summary>
    SeveralFaces = 2,

    /// <summary>Not a decodable picture, or one over the pixel limit.</summary>
    BadImage = 3,

    /// <summary>The file is over <c>Images:MaxFileSize</c>.</summary>
    TooLarge = 4,
}

/// <summary>
/// What analysing one photo for enrolment gave: its one face's vector and model (and, when a second model was asked for,
/// its vector of that one), or the problem.
/// </summary>
public sealed record EnrolmentAnalysis(EnrolmentProblem Problem, float[]? Embedding, string? Calculator, float[]? AlsoEmbedding = null, string? AlsoCalculator = null)
{
    /// <summary>The snake_case name the reports use (<c>no_face</c>, <c>several_faces</c>, <c>bad_image</c>, <c>too_large</c>).</summary>
    public static string Reason(EnrolmentProblem problem) => problem switch
    {
        EnrolmentProblem.None => "ok",
        EnrolmentProblem.NoFace => "no_face",
        EnrolmentProblem.SeveralFaces => "several_faces",
        EnrolmentProblem.BadImage => "bad_image",
        _ => "too_large",
    };
}

/// <summary>
/// The one way a stored or uploaded photo becomes an example outside the add-face request: the inference workers
/// analyse it with add-face's rules (exactly one face, detected with limit 2, default threshold). Used by bulk
/// enrolment and by an import from another model, so both judge photos as <c>POST /faces</c> does.
/// </summary>
public static class FaceEnrolment
{
    /// <summary>Analyses <paramref name="image"/> on a worker (any silo's; the stateless worker spreads the calls).</summary>
    public static Task<EnrolmentAnalysis> AnalyzeAsync(IGrainFactory grains, byte[] image, CancellationToken cancellationToken) =>
        AnalyzeAsync(grains, image, null, null, cancellationToken);

    /// <summary>
    /// Analyses <paramref name="image"/> with <paramref name="embedder"/> (null: the worker's configured model) and, when
    /// given, <paramref name="alsoEmbedder"/> on the same crop: what an add during a re-embedding computes (both models).
    /// </summary>
    public static Task<EnrolmentAnalysis> AnalyzeAsync(IGrainFactory grains, byte[] image, string? embedder, string? alsoEmbedder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return AnalyzeAsync(grains.GetGrain<IFaceAnalyzerGrain>(0).AnalyzeAsync, image, embedder, alsoEmbedder, cancellationToken);
    }

    /// <summary>As <see cref="AnalyzeAsync(IGrainFactory, byte[], string?, string?, CancellationToken)"/>, on the workers <paramref name="analyze"/> reaches (a job's: every inference silo).</summary>
    public static async Task<EnrolmentAnalysis> AnalyzeAsync(
        Func<FaceAnalysisRequest, CancellationToken, Task<FaceAnalysisResult>> analyze, byte[] image, string? embedder, string? alsoEmbedder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(analyze);
        ArgumentNullException.ThrowIfNull(image);
        if (image.Length == 0)
        {
            return new EnrolmentAnalysis(EnrolmentProblem.BadImage, null, null);
        }

        var result = await analyze(
            new FaceAnalysisRequest { Image = image, Limit = 2, ComputeEmbeddings = true, Embedder = embedder, AlsoEmbedder = alsoEmbedder }, cancellationToken);
        return result.Outcome switch
        {
            FaceAnalysisOutcome.FileTooLarge => new(EnrolmentProblem.TooLarge, null, null),
            not FaceAnalysisOutcome.Ok => new(EnrolmentProblem.BadImage, null, null),
            _ when result.Faces.Count == 0 => new(EnrolmentProblem.NoFace, null, null),
            _ when result.Faces.Count > 1 => new(EnrolmentProblem.SeveralFaces, null, null),
            _ => new(
                EnrolmentProblem.None,
                result.Faces[0].Embedding ?? throw new InvalidOperationException("The worker returned a face without the embedding it was asked for."),
                result.Calculator?.Version ?? throw new InvalidOperationException("The worker returned an analysis without its calculator."),
                result.Faces[0].AlsoEmbedding,
                result.AlsoCalculator?.Version),
        };
    }
}
