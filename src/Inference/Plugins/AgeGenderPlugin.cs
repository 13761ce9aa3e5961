using Microsoft.ML.OnnxRuntime;

namespace CompreFace.Inference.Plugins;

/// <summary>
/// <c>age</c> and <c>gender</c> from face-api's AgeGenderNet (README.md#models): one batched run answers both slugs.
/// Age is a regression in years; it is reported as a band of ±<see cref="AgeHalfBand"/> years around the rounded estimate with
/// probability 1.0 (the model gives no distribution; CompreFace's InsightFace builds likewise give probability 1.0, with low = high).
/// </summary>
internal sealed class AgeGenderPlugin : OnnxFacePlugin
{
    /// <summary>Half-width of the reported age band: the model's error on the labelled photos reached 8 years, typical 5.</summary>
    public const int AgeHalfBand = 5;

    private static readonly (string Slug, string Version)[] Versions =
        [("age", "faceapi.AgeDetector@age_gender_faceapi"), ("gender", "faceapi.GenderDetector@age_gender_faceapi")];

    private readonly bool _age;
    private readonly bool _gender;

    public AgeGenderPlugin(OnnxRuntimeHost runtime, bool age = true, bool gender = true)
        : base(true, [.. Versions.Where(v => v.Slug == "age" ? age : gender)], runtime, ModelCatalog.AgeGender, 112, "input", "age", "gender")
    {
        _age = age;
        _gender = gender;
    }

    protected override void Preprocess(DecodedImage image, DetectedFace face, Span<float> chw) =>
        FaceApiSquare(image, face, Size, chw, PixelNormalization.FaceApi256);

    protected override void Postprocess(DecodedImage image, DetectedFace face, IReadOnlyList<OrtValue> outputs, int row, FacePluginOutput output)
    {
        if (_age)
        {
            var years = Math.Max(0, Row(outputs[0], row)[0]);
            var rounded = (int)MathF.Round(years);
            output.Set("age", new AgeEstimate(1.0, rounded + AgeHalfBand, Math.Max(0, rounded - AgeHalfBand), years));
        }

        if (_gender)
        {
            var p = Row(outputs[1], row);
            output.Set("gender", p[0] >= p[1] ? new GenderEstimate(p[0], "male") : new GenderEstimate(p[1], "female"));
        }
    }
}
