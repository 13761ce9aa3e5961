using Microsoft.ML.OnnxRuntime;

namespace CompreFace.Inference.Plugins;

/// <summary>
/// <c>pose</c>: HopeNet-style head pose on ShuffleNet-v2 (README.md#models). The face box grown by a quarter on every side,
/// stretched to 224, RGB with ImageNet normalisation; each angle is the expectation over 66 bins of 3° from −99°. Frontal faces read
/// a pitch of about −10° on this model, so <see cref="PitchBias"/> is added back.
/// </summary>
internal sealed class HeadPosePlugin(OnnxRuntimeHost runtime) : OnnxFacePlugin(false, [("pose", "faceplugin.PoseEstimator@headpose_hopenet")], runtime, ModelCatalog.HeadPose, 224, "input", "output", "617", "618")
{
    /// <summary>Added to the model's pitch: minus its mean raw pitch (−10.4°) on the 71 near-frontal shared portraits (PluginTests).</summary>
    public const double PitchBias = 10.4;

    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];
    private static readonly PixelNormalization Unit = new(true, 0f, 0f, 0f, 1f / 255f);

    protected override void Preprocess(DecodedImage image, DetectedFace face, Span<float> chw)
    {
        var w = face.XMax - face.XMin;
        var h = face.YMax - face.YMin;
        ImageOps.ResampleToChw(image.Bgr, image.Width, image.Height, face.XMin - (w / 4), face.YMin - (h / 4), Math.Max(1f, w * 1.5f), Math.Max(1f, h * 1.5f), Size, Size, chw, Unit);
        var plane = Size * Size;
        for (var c = 0; c < 3; c++)
        {
            var p = chw.Slice(c * plane, plane);
            var m = Mean[c];
            var s = 1f / Std[c];
            for (var i = 0; i < p.Length; i++)
            {
                p[i] = (p[i] - m) * s;
            }
        }
    }

    protected override void Postprocess(DecodedImage image, DetectedFace face, IReadOnlyList<OrtValue> outputs, int row, FacePluginOutput output)
    {
        var yaw = Angle(Row(outputs[0], row));
        var pitch = Angle(Row(outputs[1], row)) + PitchBias;
        var roll = Angle(Row(outputs[2], row));
        output.Set("pose", new HeadPose(Math.Round(pitch, 2), Math.Round(roll, 2), Math.Round(yaw, 2)));
    }

    private static double Angle(ReadOnlySpan<float> logits)
    {
        var p = Softmax(logits);
        double sum = 0;
        for (var i = 0; i < p.Length; i++)
        {
            sum += p[i] * i;
        }

        return (sum * 3) - 99;
    }
}
