namespace CompreFace.WebApi.ApiDocs;

/// <summary>
/// The face API's query parameters as documented (docs/compreface-behaviour.md#common-parameters); names come from the
/// binding types that read them, so a renamed parameter cannot drift from its description.
/// </summary>
public static class FaceApiParameters
{
    public static QueryParameterDoc Limit { get; } = new(
        FaceRequestParameters.LimitName, "Maximum number of faces, biggest first; 0 (the default) returns all.", "integer");

    public static QueryParameterDoc DetProbThreshold { get; } = new(
        FaceRequestParameters.DetProbThresholdName, "Detection confidence in [0, 1] below which a face is ignored; default: the detector's own. Outside [0, 1] is code 28.", "number");

    public static QueryParameterDoc FacePlugins { get; } = new(
        FaceRequestParameters.FacePluginsName, "Comma-separated plugins to run on each face: age, gender, landmarks, calculator (returns the embedding), pose, mask.");

    public static QueryParameterDoc Status { get; } = new(
        FaceRequestParameters.StatusName, "true adds execution_time per face and plugins_versions.", "boolean");

    public static QueryParameterDoc MinFaceSize { get; } = new(
        FaceRequestParameters.MinFaceSizeName, "Beyond CompreFace: faces whose shorter box side is below this many pixels are dropped before the limit (default 0).", "integer");

    public static QueryParameterDoc MinQuality { get; } = new(
        FaceRequestParameters.MinQualityName, "Beyond CompreFace: faces whose quality score is below this value in [0, 1] are dropped before the limit (default 0).", "number");

    public static QueryParameterDoc PredictionCount { get; } = new(
        FaceRequestParameters.PredictionCountName, "Matches returned per face, at least 1 (default 1); bounded by Limits:MaxPredictionCount.", "integer");

    public static QueryParameterDoc DetectFaces { get; } = new(
        FaceRequestParameters.DetectFacesName, "false treats the whole image as one face (default true).", "boolean");

    public static QueryParameterDoc UniqueSubjects { get; } = new(
        RecognitionParameters.UniqueSubjectsName, "Beyond CompreFace: true returns one match per subject (its best example) instead of one per example.", "boolean");

    public static QueryParameterDoc SimilarityThreshold { get; } = new(
        RecognitionParameters.SimilarityThresholdName, "Beyond CompreFace: matches below this similarity in [0, 1] are dropped on the server.", "number");

    public static QueryParameterDoc SubjectToAdd { get; } = new(
        AddFaceParameters.SubjectName, "The subject the example belongs to; created when new, matched case-insensitively.", Required: true);

    public static QueryParameterDoc SubjectFilter { get; } = new(
        AddFaceParameters.SubjectName, "Only this subject's examples (exact, case-sensitive).");

    public static QueryParameterDoc SubjectToDelete { get; } = new(
        AddFaceParameters.SubjectName, "The subject whose examples are deleted (with the subject itself); missing or blank is code 26.", Required: true);

    public static QueryParameterDoc Page { get; } = new(
        "page", "Page number from 0 (default 0).", "integer");

    public static QueryParameterDoc Size { get; } = new(
        "size", "Page size, 1 to 2000 (default 20).", "integer");

    /// <summary>The parameters every image endpoint reads (detect, verify, verify-by-id).</summary>
    public static QueryParameterDoc[] Image { get; } = [Limit, DetProbThreshold, FacePlugins, Status, MinFaceSize, MinQuality];

    /// <summary>Recognize: the image parameters and recognition's own.</summary>
    public static QueryParameterDoc[] Recognize { get; } = [.. Image, PredictionCount, DetectFaces, UniqueSubjects, SimilarityThreshold];

    /// <summary>Recognition by embeddings: recognition's own parameters without <c>detect_faces</c>.</summary>
    public static QueryParameterDoc[] RecognizeEmbeddings { get; } = [PredictionCount, UniqueSubjects, SimilarityThreshold];

    /// <summary>Adding an example.</summary>
    public static QueryParameterDoc[] AddFace { get; } = [SubjectToAdd, DetProbThreshold, MinFaceSize, MinQuality];
}
