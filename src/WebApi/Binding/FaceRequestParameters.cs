namespace CompreFace.WebApi.Binding;

/// <summary>
/// The parameters every image endpoint shares (docs/compreface-behaviour.md#common-parameters): <c>limit</c>, <c>det_prob_threshold</c>,
/// <c>face_plugins</c> and <c>status</c>. Recognition adds <c>prediction_count</c> and <c>detect_faces</c> through
/// <see cref="ParsePredictionCount"/> and <see cref="ParseDetectFaces"/>.
/// </summary>
/// <param name="Limit">Maximum faces, biggest first; 0 = all.</param>
/// <param name="DetProbThreshold">Detection threshold in [0, 1], or null for the detector's default.</param>
/// <param name="Plugins">The requested plugins.</param>
/// <param name="Status">Whether to add <c>execution_time</c> and <c>plugins_versions</c>.</param>
public sealed record FaceRequestParameters(int Limit, double? DetProbThreshold, FacePlugins Plugins, bool Status)
{
    public const string LimitName = "limit";
    public const string DetProbThresholdName = "det_prob_threshold";
    public const string FacePluginsName = "face_plugins";
    public const string StatusName = "status";
    public const string PredictionCountName = "prediction_count";
    public const string DetectFacesName = "detect_faces";
    public const string MinFaceSizeName = "min_face_size";
    public const string MinQualityName = "min_quality";

    /// <summary><c>min_face_size</c> (beyond CompreFace): faces whose shorter box side is below it (pixels) are dropped before the limit.</summary>
    public int MinFaceSize { get; init; }

    /// <summary><c>min_quality</c> (beyond CompreFace): faces whose quality score is below it are dropped before the limit.</summary>
    public double MinQuality { get; init; }

    /// <summary>Reads and validates the common parameters; throws <see cref="ApiException"/> with CompreFace's codes.</summary>
    public static FaceRequestParameters Parse(RequestParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var limit = parameters.GetInt32(LimitName, 0);
        var threshold = parameters.GetDouble(DetProbThresholdName);
        var plugins = FacePlugins.Parse(parameters.GetString(FacePluginsName));
        var status = parameters.GetBoolean(StatusName, false);

        if (limit < 0)
        {
            throw ApiErrors.Validation("Limit should be equal or greater than 0; ");
        }

        // Java passes any threshold to the core, which refuses values outside [0, 1]; every core 400 is code 28.
        if (threshold is { } t && !(t >= 0 && t <= 1))
        {
            throw ApiErrors.NoFaceFound();
        }

        var (minFaceSize, minQuality) = ParseQualityGate(parameters);
        return new FaceRequestParameters(limit, threshold, plugins, status) { MinFaceSize = minFaceSize, MinQuality = minQuality };
    }

    /// <summary><c>min_face_size</c> (≥ 0, default 0) and <c>min_quality</c> (in [0, 1], default 0); others → code 26.</summary>
    public static (int MinFaceSize, double MinQuality) ParseQualityGate(RequestParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var size = parameters.GetInt32(MinFaceSizeName, 0);
        var quality = parameters.GetDouble(MinQualityName) ?? 0;
        if (size < 0)
        {
            throw ApiErrors.Validation("min_face_size should be equal or greater than 0; ");
        }

        return !(quality >= 0 && quality <= 1) ? throw ApiErrors.Validation("min_quality should be between 0 and 1; ") : (size, quality);
    }

    /// <summary>Recognize's <c>prediction_count</c>: default 1, below 1 → code 26.</summary>
    public static int ParsePredictionCount(RequestParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var count = parameters.GetInt32(PredictionCountName, 1);
        return count < 1 ? throw ApiErrors.Validation("prediction_count should be equal or greater than 1; ") : count;
    }

    /// <summary>Recognize's <c>detect_faces</c>: default true.</summary>
    public static bool ParseDetectFaces(RequestParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return parameters.GetBoolean(DetectFacesName, true);
    }

    /// <summary>The worker request for one image.</summary>
    /// <param name="image">Encoded image bytes.</param>
    /// <param name="computeEmbeddings">True when the endpoint needs embeddings whatever the plugins say (verification, recognition).</param>
    /// <param name="limit">Overrides <see cref="Limit"/> (add example detects with 2).</param>
    public FaceAnalysisRequest ToAnalysisRequest(byte[] image, bool computeEmbeddings = false, int? limit = null) => new()
    {
        Image = image,
        Limit = limit ?? Limit,
        DetProbThreshold = DetProbThreshold is { } t ? (float)t : null,
        ComputeEmbeddings = computeEmbeddings || Plugins.Calculator,
        Plugins = Plugins.Slugs,
        MinFaceSize = MinFaceSize,
        MinQuality = MinQuality,
    };
}
