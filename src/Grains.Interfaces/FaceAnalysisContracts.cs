using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CompreFace.Grains.Interfaces;

/// <summary>What the HTTP tier asks an inference worker to do with one uploaded image.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.FaceAnalysisRequest")]
public sealed record FaceAnalysisRequest
{
    /// <summary>The encoded image exactly as uploaded (crosses the grain boundary once).</summary>
    [Id(0)] public required byte[] Image { get; init; }

    /// <summary>Maximum faces, largest first; 0 = all.</summary>
    [Id(1)] public int Limit { get; init; }

    /// <summary>Detection threshold; null = the detector's default.</summary>
    [Id(2)] public float? DetProbThreshold { get; init; }

    /// <summary>Whether embeddings are computed (the <c>calculator</c> plugin, or recognition).</summary>
    [Id(3)] public bool ComputeEmbeddings { get; init; }

    /// <summary>False treats the whole image as one face.</summary>
    [Id(4)] public bool DetectFaces { get; init; } = true;

    /// <summary>Plugin slugs requested (already split and lower-cased; unknown ones are ignored by the worker).</summary>
    [Id(5)] public IReadOnlyList<string> Plugins { get; init; } = [];

    /// <summary>Faces whose shorter box side (original pixels) is below this are dropped before the limit; 0 = none (beyond CompreFace).</summary>
    [Id(6)] public int MinFaceSize { get; init; }

    /// <summary>Faces whose quality score is below this are dropped before the limit; 0 = none (beyond CompreFace).</summary>
    [Id(7)] public double MinQuality { get; init; }

    /// <summary>
    /// The embedding model to use (a calculator version), instead of the worker's configured one; null: the configured
    /// one. A collection being re-embedded still answers from its old model (docs/decisions/0034-jobs-and-re-embedding.md).
    /// </summary>
    [Id(8)] public string? Embedder { get; init; }

    /// <summary>A second embedding model whose vectors are computed from the same crops (<see cref="FaceData.AlsoEmbedding"/>); null: none.</summary>
    [Id(9)] public string? AlsoEmbedder { get; init; }
}

/// <summary>Outcome of an analysis; rejections are values, not exceptions, so they cross the silo boundary cheaply.</summary>
[GenerateSerializer]
public enum FaceAnalysisOutcome
{
    /// <summary>Decoded; <see cref="FaceAnalysisResult.Faces"/> may still be empty.</summary>
    Ok = 0,

    /// <summary>Not a decodable picture.</summary>
    Undecodable = 1,

    /// <summary>The header claims more pixels than allowed.</summary>
    TooManyPixels = 2,

    /// <summary>The encoded file is over the size limit.</summary>
    FileTooLarge = 3,
}

/// <summary>Box of a face in original image pixels, as the detector found it (not rounded, not clamped to the image).</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.FaceBox")]
public sealed record FaceBox(double Probability, float XMin, float YMin, float XMax, float YMax);

/// <summary>A point in original image pixels, not rounded.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.FacePoint")]
public readonly record struct FacePoint(float X, float Y);

/// <summary>
/// One analysed face: what the models computed, in original pixels and unrounded. How CompreFace presents it
/// (rounding, which plugin fields appear, key order) is the HTTP tier's <c>FaceMapper</c>. A plugin's output is in
/// <see cref="Plugins"/> when the plugin ran for this face.
/// </summary>
[GenerateSerializer, Immutable, Alias("CompreFace.FaceData")]
public sealed record FaceData
{
    /// <summary>Face box in original pixels.</summary>
    [Id(0)] public required FaceBox Box { get; init; }

    /// <summary>The detector's five landmarks (always computed; returned when the <c>landmarks</c> plugin is asked for).</summary>
    [Id(1)] public required IReadOnlyList<FacePoint> Landmarks { get; init; }

    /// <summary>Raw embedding, when computed.</summary>
    [Id(2)] public float[]? Embedding { get; init; }

    /// <summary>The embedding of <see cref="FaceAnalysisRequest.AlsoEmbedder"/>, when asked for (model <see cref="FaceAnalysisResult.AlsoCalculator"/>).</summary>
    [Id(13)] public float[]? AlsoEmbedding { get; init; }

    /// <summary>
    /// Every plugin output of this face, in the worker's catalog order (each plugin's key in the response), as the
    /// worker's JSON. A plugin's value is carried through unchanged, so the grain and this type know no plugin.
    /// </summary>
    [Id(12)] public IReadOnlyList<PluginValue> Plugins { get; init; } = [];
}

/// <summary>
/// One plugin's output for one face: its slug and its value as CompreFace's JSON (UTF-8), written once by the worker
/// (<see cref="From"/>) and copied into the response as it is.
/// </summary>
[GenerateSerializer, Immutable, Alias("CompreFace.PluginValue")]
public sealed record PluginValue(string Slug, byte[] Json)
{
    /// <summary>
    /// The face API's wire conventions (snake_case keys, nulls omitted, Jackson's escaping); the response writer's own
    /// options are the same, so a value reads as if the response had serialised it.
    /// </summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The value of <paramref name="slug"/> serialised with <see cref="JsonOptions"/> by its runtime type.</summary>
    public static PluginValue From(string slug, object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(slug, JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), JsonOptions));
    }
}

/// <summary>Wall time of one analysis per stage, over all its faces, in milliseconds.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.AnalysisTimings")]
public sealed record AnalysisTimings
{
    /// <summary>Detection (and landmarks) of the image.</summary>
    [Id(0)] public double DetectMs { get; init; }

    /// <summary>Alignment and embedding of all faces; 0 when no embedding was computed.</summary>
    [Id(1)] public double EmbedMs { get; init; }

    /// <summary>Each plugin that ran, by slug, in the order they ran.</summary>
    [Id(2)] public IReadOnlyDictionary<string, double> PluginsMs { get; init; } = new Dictionary<string, double>();
}

/// <summary>The worker's answer for one image.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.FaceAnalysisResult")]
public sealed record FaceAnalysisResult
{
    /// <summary>Whether the image could be analysed.</summary>
    [Id(0)] public FaceAnalysisOutcome Outcome { get; init; }

    /// <summary>Faces ordered by box area, largest first, after the limit.</summary>
    [Id(1)] public IReadOnlyList<FaceData> Faces { get; init; } = [];

    /// <summary>Version of every plugin that ran, by slug, in the order they ran (the detector and calculator are separate).</summary>
    [Id(2)] public IReadOnlyDictionary<string, string> PluginVersions { get; init; } = new Dictionary<string, string>();

    /// <summary>Human-readable reason when <see cref="Outcome"/> is not <see cref="FaceAnalysisOutcome.Ok"/>.</summary>
    [Id(3)] public string? Detail { get; init; }

    /// <summary>The embedding model that computed the faces' embeddings; null when none were asked for.</summary>
    [Id(4)] public CalculatorIdentity? Calculator { get; init; }

    /// <summary>Version of the detector that found the faces.</summary>
    [Id(5)] public string DetectorVersion { get; init; } = string.Empty;

    /// <summary>Width of the picture in original pixels, after EXIF orientation (boxes are clamped to it for display).</summary>
    [Id(6)] public int Width { get; init; }

    /// <summary>Height of the picture in original pixels, after EXIF orientation.</summary>
    [Id(7)] public int Height { get; init; }

    /// <summary>Where the time went.</summary>
    [Id(8)] public AnalysisTimings Timings { get; init; } = new();

    /// <summary>The model of every face's <see cref="FaceData.AlsoEmbedding"/>; null when none was asked for.</summary>
    [Id(9)] public CalculatorIdentity? AlsoCalculator { get; init; }
}

/// <summary>
/// The model identity: which embedding model (CompreFace's calculator) produced a vector, with the coefficients that
/// turn its distances into similarities. It travels with every analysis result, so recognition and enrolment use the
/// model that actually computed the query, never one learnt earlier (docs/decisions/0018-face-results-and-model-identity.md).
/// </summary>
[GenerateSerializer, Immutable, Alias("CompreFace.CalculatorIdentity")]
public sealed record CalculatorIdentity(string Version, double C0, double C1, int Dimension);

/// <summary>What the inference tier can do, for <c>/core/status</c>.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.InferenceStatus")]
public sealed record InferenceStatus
{
    /// <summary>Build version of the service.</summary>
    [Id(0)] public required string BuildVersion { get; init; }

    /// <summary>The embedding model: version, similarity coefficients, dimension.</summary>
    [Id(1)] public required CalculatorIdentity Calculator { get; init; }

    /// <summary>Plugin slug to version.</summary>
    [Id(2)] public required IReadOnlyDictionary<string, string> AvailablePlugins { get; init; }

    /// <summary>The ONNX Runtime execution provider actually in use (CPU or CUDA).</summary>
    [Id(3)] public required string ExecutionProvider { get; init; }
}
