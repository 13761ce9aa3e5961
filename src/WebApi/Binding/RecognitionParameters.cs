namespace CompreFace.WebApi.Binding;

/// <summary>
/// Recognize's own parameters: CompreFace's <c>prediction_count</c> and <c>detect_faces</c>, and two opt-in
/// extensions that old clients never send: <c>unique_subjects</c> (one entry per subject, its best example) and
/// <c>similarity_threshold</c> (matches below it are dropped on the server).
/// </summary>
/// <param name="PredictionCount">Matches per face, at least 1.</param>
/// <param name="DetectFaces">False treats the whole image as one face.</param>
/// <param name="UniqueSubjects">One match per subject instead of one per example.</param>
/// <param name="SimilarityThreshold">Lowest similarity returned, in [0, 1]; null = no filter (CompreFace).</param>
public sealed record RecognitionParameters(int PredictionCount, bool DetectFaces, bool UniqueSubjects, double? SimilarityThreshold)
{
    public const string UniqueSubjectsName = "unique_subjects";
    public const string SimilarityThresholdName = "similarity_threshold";

    /// <summary>Recognize (image): all four parameters.</summary>
    public static RecognitionParameters Parse(RequestParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var count = FaceRequestParameters.ParsePredictionCount(parameters);
        var detectFaces = FaceRequestParameters.ParseDetectFaces(parameters);
        return new RecognitionParameters(count, detectFaces, ParseUniqueSubjects(parameters), ParseSimilarityThreshold(parameters));
    }

    /// <summary>Embedding recognition: no <c>detect_faces</c>.</summary>
    public static RecognitionParameters ParseForEmbeddings(RequestParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var count = FaceRequestParameters.ParsePredictionCount(parameters);
        return new RecognitionParameters(count, true, ParseUniqueSubjects(parameters), ParseSimilarityThreshold(parameters));
    }

    private static bool ParseUniqueSubjects(RequestParameters parameters) => parameters.GetBoolean(UniqueSubjectsName, false);

    private static double? ParseSimilarityThreshold(RequestParameters parameters)
    {
        var threshold = parameters.GetDouble(SimilarityThresholdName);
        return threshold is { } t && !(t >= 0 && t <= 1)
            ? throw ApiErrors.Validation("similarity_threshold should be between 0 and 1; ")
            : threshold;
    }
}
