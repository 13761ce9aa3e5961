using Microsoft.ML.OnnxRuntime;

namespace CompreFace.Inference.Plugins;

/// <summary>
/// <c>liveness</c> (beyond CompreFace): faceplugin's MiniFASNet-style passive anti-spoofing model (README.md#models).
/// Preprocessing as the package's <c>lib/fr_liveness.js</c> describes it: the face box scaled 2.7× about its centre (less when the
/// picture is too small), shifted to lie inside the picture, resized to 128, RGB, raw 0–255 values. Three softmax classes; class
/// <see cref="RealClass"/> is a live face. A single-frame score, not a certified presentation-attack detector.
/// </summary>
internal sealed class LivenessPlugin(OnnxRuntimeHost runtime) : OnnxFacePlugin(true, [("liveness", "faceplugin.LivenessDetector@minifasnet")], runtime, ModelCatalog.Liveness, 128, "input", "output")
{
    /// <summary>Index of the "live" class (measured: the class that dominates on the real shared photos).</summary>
    public const int RealClass = 1;

    /// <summary>P(real) at or above which the value is <c>real</c>.</summary>
    public const double Threshold = 0.5;

    private static readonly PixelNormalization Raw = new(true, 0f, 0f, 0f, 1f);

    protected override void Preprocess(DecodedImage image, DetectedFace face, Span<float> chw)
    {
        var bw = Math.Max(1f, face.XMax - face.XMin);
        var bh = Math.Max(1f, face.YMax - face.YMin);
        var scale = Math.Min(Math.Min((image.Height - 1) / bh, (image.Width - 1) / bw), 2.7f);
        var w = bw * scale;
        var h = bh * scale;
        var x0 = ((face.XMin + face.XMax) / 2) - (w / 2);
        var y0 = ((face.YMin + face.YMax) / 2) - (h / 2);
        x0 = Math.Clamp(x0, 0, Math.Max(0, image.Width - 1 - w));
        y0 = Math.Clamp(y0, 0, Math.Max(0, image.Height - 1 - h));
        ImageOps.ResampleToChw(image.Bgr, image.Width, image.Height, x0, y0, w, h, Size, Size, chw, Raw);
    }

    protected override void Postprocess(DecodedImage image, DetectedFace face, IReadOnlyList<OrtValue> outputs, int row, FacePluginOutput output)
    {
        var p = Softmax(Row(outputs[0], row));
        double real = p[RealClass];
        output.Set("liveness", real >= Threshold
            ? new LivenessEstimate(Math.Round(real, 5), "real", real)
            : new LivenessEstimate(Math.Round(1 - real, 5), "spoof", real));
    }
}
