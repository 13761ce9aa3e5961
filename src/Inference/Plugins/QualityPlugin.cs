namespace CompreFace.Inference.Plugins;

/// <summary>
/// <c>quality</c> (beyond CompreFace): a per-face score in [0, 1], the geometric mean of four parts, each in [0, 1]: sharpness (variance
/// of the Laplacian of the face box at 64×64 grey, v / (v + <see cref="SharpnessHalf"/>)), size (shorter box side in original pixels, 0 at
/// <see cref="SizeZero"/> px, 1 from <see cref="SizeFull"/> px), frontality (the nose's horizontal offset from the eyes' midpoint, 1 when
/// centred, 0 at half the inter-ocular distance) and the detector's confidence. No model: it costs a fraction of a millisecond, so it
/// also serves the <c>min_quality</c> gate before recognition and enrolment.
/// </summary>
internal sealed class QualityPlugin() : FacePlugin(true, [("quality", "compreface.QualityEstimator@laplacian_size_pose_v1")])
{
    /// <summary>Laplacian variance that scores 0.5 (measured: sharp faces in shared/data read 100–1000+, a 5×5 blur drops them below 30).</summary>
    public const double SharpnessHalf = 60;

    /// <summary>Shorter box side (original pixels) scoring 0.</summary>
    public const double SizeZero = 20;

    /// <summary>Shorter box side (original pixels) scoring 1.</summary>
    public const double SizeFull = 80;

    private const int Side = 64;
    private static readonly PixelNormalization Raw = new(false, 0f, 0f, 0f, 1f);

    public override void Run(DecodedImage image, IReadOnlyList<DetectedFace> faces, PluginResults results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(results);
        for (var i = 0; i < faces.Count; i++)
        {
            results.Faces[i].Set("quality", Estimate(image, faces[i]));
        }
    }

    /// <summary>The quality of one face given in the pixel space of <paramref name="image"/>.</summary>
    public static QualityEstimate Estimate(DecodedImage image, DetectedFace face)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(face);
        var w = Math.Max(1f, face.XMax - face.XMin);
        var h = Math.Max(1f, face.YMax - face.YMin);
        var variance = LaplacianVariance(image, face.XMin, face.YMin, w, h);
        var sharpness = variance / (variance + SharpnessHalf);
        var shorter = Math.Min(w, h) * image.Scale;
        var size = Math.Clamp((shorter - SizeZero) / (SizeFull - SizeZero), 0, 1);
        var frontal = 1.0;
        if (face.Landmarks.Length == 5)
        {
            var (le, re, nose) = (face.Landmarks[0], face.Landmarks[1], face.Landmarks[2]);
            var iod = Math.Max(1f, MathF.Sqrt(((re.X - le.X) * (re.X - le.X)) + ((re.Y - le.Y) * (re.Y - le.Y))));
            var offset = Math.Abs(nose.X - ((le.X + re.X) / 2)) / iod;
            frontal = Math.Clamp(1 - (offset / 0.5), 0, 1);
        }

        var confidence = Math.Clamp(face.Probability, 0, 1);
        var score = Math.Pow(sharpness * size * frontal * confidence, 0.25);
        return new QualityEstimate(Math.Round(score, 5), Math.Round(sharpness, 5), Math.Round(size, 5), Math.Round(frontal, 5), Math.Round(confidence, 5));
    }

    private static double LaplacianVariance(DecodedImage image, float x, float y, float w, float h)
    {
        var chw = new float[3 * Side * Side];
        ImageOps.ResampleToChw(image.Bgr, image.Width, image.Height, x, y, w, h, Side, Side, chw, Raw);
        var grey = new float[Side * Side];
        for (var i = 0; i < grey.Length; i++)
        {
            grey[i] = (chw[i] + chw[i + grey.Length] + chw[i + (2 * grey.Length)]) / 3;
        }

        double sum = 0, sumSq = 0;
        var n = 0;
        for (var r = 1; r < Side - 1; r++)
        {
            for (var c = 1; c < Side - 1; c++)
            {
                var k = (r * Side) + c;
                double lap = grey[k - 1] + grey[k + 1] + grey[k - Side] + grey[k + Side] - (4 * grey[k]);
                sum += lap;
                sumSq += lap * lap;
                n++;
            }
        }

        var mean = sum / n;
        return Math.Max(0, (sumSq / n) - (mean * mean));
    }
}
