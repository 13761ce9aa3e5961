using Microsoft.ML.OnnxRuntime;

namespace CompreFace.Inference.Plugins;

/// <summary>
/// <c>mask</c>: AIZOO's face-mask SSD (README.md#models) run on a square crop of twice the face box, resized to 260 (RGB,
/// x/255); the face is the best-scoring detection whose box contains the crop centre. Two classes only: <c>with_mask</c> and
/// <c>without_mask</c>; CompreFace's <c>mask_weared_incorrect</c> is never produced.
/// </summary>
internal sealed class MaskPlugin : OnnxFacePlugin
{
    private static readonly PixelNormalization Unit = new(true, 0f, 0f, 0f, 1f / 255f);
    private static readonly float[] Anchors = BuildAnchors();

    public MaskPlugin(OnnxRuntimeHost runtime)
        : base(false, [("mask", "aizoo.MaskDetector@face_mask_detection_260")], runtime, ModelCatalog.Mask, 260, "input", "loc", "cls")
    {
    }

    protected override void Preprocess(DecodedImage image, DetectedFace face, Span<float> chw)
    {
        var side = 2 * Math.Max(Math.Max(face.XMax - face.XMin, face.YMax - face.YMin), 1f);
        var x0 = ((face.XMin + face.XMax) / 2) - (side / 2);
        var y0 = ((face.YMin + face.YMax) / 2) - (side / 2);
        ImageOps.ResampleToChw(image.Bgr, image.Width, image.Height, x0, y0, side, side, Size, Size, chw, Unit);
    }

    protected override void Postprocess(DecodedImage image, DetectedFace face, IReadOnlyList<OrtValue> outputs, int row, FacePluginOutput output)
    {
        var loc = Row(outputs[0], row);
        var cls = Row(outputs[1], row);
        var count = Anchors.Length / 4;
        int best = -1, fallback = 0;
        float bestScore = -1, fallbackScore = -1;
        for (var a = 0; a < count; a++)
        {
            var score = Math.Max(cls[2 * a], cls[(2 * a) + 1]);
            if (score > fallbackScore)
            {
                fallbackScore = score;
                fallback = a;
            }

            if (score <= bestScore)
            {
                continue;
            }

            var aw = Anchors[(4 * a) + 2];
            var ah = Anchors[(4 * a) + 3];
            var cx = Anchors[4 * a] + (loc[4 * a] * 0.1f * aw);
            var cy = Anchors[(4 * a) + 1] + (loc[(4 * a) + 1] * 0.1f * ah);
            var w = aw * MathF.Exp(loc[(4 * a) + 2] * 0.2f);
            var h = ah * MathF.Exp(loc[(4 * a) + 3] * 0.2f);
            if (Math.Abs(cx - 0.5f) <= w / 2 && Math.Abs(cy - 0.5f) <= h / 2)
            {
                best = a;
                bestScore = score;
            }
        }

        var chosen = best >= 0 ? best : fallback;
        var mask = cls[2 * chosen];
        var noMask = cls[(2 * chosen) + 1];
        output.Set("mask", mask > noMask ? new MaskEstimate(Math.Round(mask, 5), "with_mask") : new MaskEstimate(Math.Round(noMask, 5), "without_mask"));
    }

    /// <summary>Centre x, centre y, width, height (relative) of the 5972 anchors, in the model's y, x, anchor order.</summary>
    private static float[] BuildAnchors()
    {
        int[] maps = [33, 17, 9, 5, 3];
        float[][] sizes = [[0.04f, 0.056f], [0.08f, 0.11f], [0.16f, 0.22f], [0.32f, 0.45f], [0.64f, 0.72f]];
        var anchors = new List<float>(5972 * 4);
        for (var m = 0; m < maps.Length; m++)
        {
            var n = maps[m];
            (float S, float R)[] shapes = [(sizes[m][0], 1f), (sizes[m][1], 1f), (sizes[m][0], 0.62f), (sizes[m][0], 0.42f)];
            for (var y = 0; y < n; y++)
            {
                for (var x = 0; x < n; x++)
                {
                    foreach (var (s, r) in shapes)
                    {
                        var sr = MathF.Sqrt(r);
                        anchors.AddRange([(x + 0.5f) / n, (y + 0.5f) / n, s * sr, s / sr]);
                    }
                }
            }
        }

        return [.. anchors];
    }
}
