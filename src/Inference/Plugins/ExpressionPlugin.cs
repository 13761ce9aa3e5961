using Microsoft.ML.OnnxRuntime;

namespace CompreFace.Inference.Plugins;

/// <summary>
/// <c>expression</c> (beyond CompreFace): faceplugin's DenseNet-121 seven-class expression model (README.md#models).
/// Preprocessing as the package's <c>lib/fr_expression.js</c> describes it: a rectangle from the box's top-left corner, 1.2× the box
/// size, resized to 224, RGB, x/255. The package names no classes; <see cref="Labels"/> is the FER-2013 order, checked on the shared
/// photos (smiling faces read <c>happy</c>).
/// </summary>
internal sealed class ExpressionPlugin(OnnxRuntimeHost runtime) : OnnxFacePlugin(true, [("expression", "faceplugin.ExpressionDetector@densenet121")], runtime, ModelCatalog.Expression, 224, "input", "output")
{
    /// <summary>Class names in output order.</summary>
    public static readonly IReadOnlyList<string> Labels = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"];

    private static readonly PixelNormalization Unit = new(true, 0f, 0f, 0f, 1f / 255f);

    protected override void Preprocess(DecodedImage image, DetectedFace face, Span<float> chw)
    {
        var x0 = Math.Max(0f, face.XMin);
        var y0 = Math.Max(0f, face.YMin);
        var w = Math.Max(1f, Math.Min((face.XMax - face.XMin) * 1.2f, image.Width - x0));
        var h = Math.Max(1f, Math.Min((face.YMax - face.YMin) * 1.2f, image.Height - y0));
        ImageOps.ResampleToChw(image.Bgr, image.Width, image.Height, x0, y0, w, h, Size, Size, chw, Unit);
    }

    protected override void Postprocess(DecodedImage image, DetectedFace face, IReadOnlyList<OrtValue> outputs, int row, FacePluginOutput output)
    {
        var p = Softmax(Row(outputs[0], row));
        var best = 0;
        for (var i = 1; i < p.Length; i++)
        {
            if (p[i] > p[best])
            {
                best = i;
            }
        }

        output.Set("expression", new ExpressionEstimate(Math.Round(p[best], 5), best < Labels.Count ? Labels[best] : $"class_{best}"));
    }
}
