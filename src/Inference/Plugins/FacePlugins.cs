using System.Text.Json.Serialization;

namespace CompreFace.Inference.Plugins;

/// <summary>
/// One face model run over the faces of an image after detection (CompreFace's <c>face_plugins</c>). Implementations are
/// independent, thread-safe singletons whose ONNX sessions are created once, in the constructor.
/// </summary>
public interface IFacePlugin
{
    /// <summary>The <c>face_plugins</c> slugs this plugin answers (age/gender share one model, so one plugin answers both).</summary>
    IReadOnlyList<string> Slugs { get; }

    /// <summary>Version string per slug, reported in <c>plugins_versions</c> and <c>/core/status</c> <c>available_plugins</c>.</summary>
    string VersionOf(string slug);

    /// <summary>
    /// False for plugins CompreFace skips under <c>detect_faces=false</c> (pose and mask, docs/compreface-behaviour.md#common-parameters): they need a real face box
    /// inside a wider picture.
    /// </summary>
    bool RunsWithoutDetection { get; }

    /// <summary>
    /// Runs the model on every face (batched where the model allows) and sets one value per face and slug in
    /// <paramref name="results"/> (<see cref="FacePluginOutput.Set"/>). The value is what the client receives under the slug's
    /// key, serialised as it is: a record whose properties are CompreFace's keys in order, coordinates in original pixels.
    /// Faces are given in the pixel space of <paramref name="image"/> (<see cref="DecodedImage.Scale"/> maps them back).
    /// </summary>
    void Run(DecodedImage image, IReadOnlyList<DetectedFace> faces, PluginResults results, CancellationToken cancellationToken);
}

// Each plugin's value is a record whose public properties are CompreFace's keys in CompreFace's order: the worker writes it
// to the client as JSON as it is (snake_case keys), so a plugin's response field is defined here and nowhere else.

/// <summary><c>age</c>: CompreFace's <c>{probability, high, low}</c>; <c>Years</c>, the model's estimate, is not sent (the band is).</summary>
public sealed record AgeEstimate(double Probability, int High, int Low, [property: JsonIgnore] double Years);

/// <summary><c>gender</c>: <c>{probability, value}</c>, value <c>male</c> or <c>female</c>.</summary>
public sealed record GenderEstimate(double Probability, string Value);

/// <summary><c>pose</c>: degrees; yaw positive when the face turns to the image's left (the subject's right), pitch positive looking up.</summary>
public sealed record HeadPose(double Pitch, double Roll, double Yaw);

/// <summary><c>mask</c>: <c>{probability, value}</c>, value <c>with_mask</c> or <c>without_mask</c>.</summary>
public sealed record MaskEstimate(double Probability, string Value);

/// <summary><c>liveness</c>: <c>{probability, value}</c>, value <c>real</c> or <c>spoof</c>.</summary>
/// <param name="Probability">Probability of <paramref name="Value"/>.</param>
/// <param name="Value"><c>real</c> or <c>spoof</c>.</param>
/// <param name="Score">P(real), whatever the value; not sent.</param>
public sealed record LivenessEstimate(double Probability, string Value, [property: JsonIgnore] double Score);

/// <summary><c>expression</c>: the most likely of seven expressions and its probability.</summary>
public sealed record ExpressionEstimate(double Probability, string Value);

/// <summary><c>quality</c>: the score and its four parts, each in [0, 1].</summary>
public sealed record QualityEstimate(double Score, double Sharpness, double Size, double Frontal, double Confidence);

/// <summary>
/// What the plugins computed for one face: each slug's value (a record as above, or a point list for a landmark
/// plugin), kept in <see cref="FacePluginSet.KnownSlugs"/> order whatever order the plugins ran in, which is the order
/// of the keys in the response.
/// </summary>
public sealed class FacePluginOutput
{
    private readonly List<KeyValuePair<string, object>> _values = new(2);

    /// <summary>Every value, by slug, in catalog order.</summary>
    public IReadOnlyList<KeyValuePair<string, object>> Values => _values;

    /// <summary>The value of <paramref name="slug"/>; null when its plugin did not run (or wrote another type).</summary>
    public T? Get<T>(string slug)
        where T : class
    {
        foreach (var (key, value) in _values)
        {
            if (key == slug)
            {
                return value as T;
            }
        }

        return null;
    }

    /// <summary>Sets the value of <paramref name="slug"/> (a plugin calls this once per face and slug).</summary>
    public void Set(string slug, object value)
    {
        ArgumentNullException.ThrowIfNull(slug);
        ArgumentNullException.ThrowIfNull(value);
        _values.RemoveAll(v => v.Key == slug);
        var rank = FacePluginSet.CatalogRank(slug);
        var at = _values.FindIndex(v => FacePluginSet.CatalogRank(v.Key) > rank);
        _values.Insert(at < 0 ? _values.Count : at, new(slug, value));
    }
}

/// <summary>The per-face outputs and per-slug wall times of one request's plugin runs.</summary>
public sealed class PluginResults
{
    private readonly Dictionary<string, double> _milliseconds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _versions = new(StringComparer.Ordinal);

    public PluginResults(int faceCount)
    {
        var faces = new FacePluginOutput[faceCount];
        for (var i = 0; i < faceCount; i++)
        {
            faces[i] = new FacePluginOutput();
        }

        Faces = faces;
    }

    /// <summary>One entry per face, in the order the faces were given.</summary>
    public IReadOnlyList<FacePluginOutput> Faces { get; }

    /// <summary>Total wall time per slug over all faces, in milliseconds (plugins sharing one model run split it evenly).</summary>
    public IReadOnlyDictionary<string, double> Milliseconds => _milliseconds;

    /// <summary>Version of every slug that ran.</summary>
    public IReadOnlyDictionary<string, string> Versions => _versions;

    internal void Record(string slug, string version, double milliseconds)
    {
        _milliseconds[slug] = milliseconds;
        _versions[slug] = version;
    }
}

/// <summary>Which plugins load (section <c>Plugins</c>).</summary>
public sealed class PluginOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Plugins";

    /// <summary>
    /// Slugs to load. Null or empty = every plugin whose model file is present (CompreFace's <c>age</c>, <c>gender</c>, <c>pose</c>,
    /// <c>mask</c>, and the opt-in <c>landmarks68</c>, <c>liveness</c>, <c>expression</c>, <c>quality</c>). A listed plugin whose model is missing is
    /// reported unavailable (one warning at start), never an error at request time. <c>landmarks</c> and <c>calculator</c> are
    /// always there (detector and embedder).
    /// </summary>
    public IList<string>? Enabled { get; init; }

    /// <summary>
    /// Which estimator answers <c>pose</c>: <c>hopenet</c> (default; the HopeNet model, needs its file) or <c>landmarks</c> (a solve from
    /// the detector's five points, no model). Measured against each other in docs/decisions/0015-pose-estimators-and-mask-check.md.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Required]
    [System.ComponentModel.DataAnnotations.RegularExpression("^(hopenet|landmarks)$")]
    public string PoseEstimator { get; set; } = "hopenet";
}
