namespace CompreFace.Inference;

/// <summary>Five-point similarity alignment to the ArcFace 112×112 template, written straight into tensor memory.</summary>
public static class FaceAligner
{
    /// <summary>Side of the aligned crop.</summary>
    public const int Size = 112;

    /// <summary>ArcFace template (insightface <c>arcface_dst</c>): eyes, nose tip, mouth corners, in image-left/right order.</summary>
    public static readonly IReadOnlyList<PointF> Template =
    [
        new(38.2946f, 51.6963f), new(73.5318f, 51.5014f), new(56.0252f, 71.7366f), new(41.5493f, 92.3655f), new(70.7299f, 92.2041f),
    ];

    /// <summary>
    /// Least-squares similarity (Umeyama without reflection, 4 degrees of freedom) taking <paramref name="source"/> onto
    /// <paramref name="target"/>: <c>x' = a·x − b·y + tx</c>, <c>y' = b·x + a·y + ty</c>.
    /// </summary>
    public static (double A, double B, double Tx, double Ty) EstimateSimilarity(IReadOnlyList<PointF> source, IReadOnlyList<PointF> target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var n = source.Count;
        if (n < 2 || target.Count != n)
        {
            throw new ArgumentException("Need at least two corresponding points.", nameof(source));
        }

        double spx = 0, spy = 0, tpx = 0, tpy = 0;
        for (var i = 0; i < n; i++)
        {
            spx += source[i].X;
            spy += source[i].Y;
            tpx += target[i].X;
            tpy += target[i].Y;
        }

        spx /= n;
        spy /= n;
        tpx /= n;
        tpy /= n;
        double dot = 0, cross = 0, norm = 0;
        for (var i = 0; i < n; i++)
        {
            var px = source[i].X - spx;
            var py = source[i].Y - spy;
            var qx = target[i].X - tpx;
            var qy = target[i].Y - tpy;
            dot += (px * qx) + (py * qy);
            cross += (px * qy) - (py * qx);
            norm += (px * px) + (py * py);
        }

        if (norm <= 1e-12)
        {
            throw new ArgumentException("Landmarks are degenerate (all at one point).", nameof(source));
        }

        var a = dot / norm;
        var b = cross / norm;
        return (a, b, tpx - ((a * spx) - (b * spy)), tpy - ((b * spx) + (a * spy)));
    }

    /// <summary>
    /// Aligns the face with <paramref name="landmarks"/> (pixels of <paramref name="image"/>) and writes the 112×112 crop as
    /// three planes B, G, R of <c>(v − 127) / 128</c> into <paramref name="chw"/> (length 3·112·112). Bilinear sampling; outside
    /// the image reads as black, like <c>cv2.warpAffine</c>'s default border.
    /// </summary>
    public static void AlignToChw(DecodedImage image, IReadOnlyList<PointF> landmarks, Span<float> chw) =>
        AlignToChw(image, landmarks, Template, Size, PixelNormalization.FacePlugin, chw);

    /// <summary>
    /// Aligns <paramref name="landmarks"/> onto <paramref name="template"/> in a <paramref name="size"/>² crop and writes it as three
    /// normalised planes. Embedders differ in framing (ArcFace 112, dlib 150 chip) and normalisation, not in the warp itself.
    /// </summary>
    internal static void AlignToChw(DecodedImage image, IReadOnlyList<PointF> landmarks, IReadOnlyList<PointF> template, int size, in PixelNormalization norm, Span<float> chw)
    {
        ArgumentNullException.ThrowIfNull(image);
        var plane = size * size;
        if (chw.Length < 3 * plane)
        {
            throw new ArgumentException("Tensor slice too small.", nameof(chw));
        }

        var (a, b, tx, ty) = EstimateSimilarity(landmarks, template);

        // Inverse of [a −b; b a]: each output pixel looks up its source position.
        var det = (a * a) + (b * b);
        var ia = (float)(a / det);
        var ib = (float)(b / det);
        var ftx = (float)tx;
        var fty = (float)ty;
        var w = image.Width;
        var h = image.Height;
        var src = image.Bgr.AsSpan(0, w * h * 3);
        var p0 = chw[..plane];
        var p1 = chw.Slice(plane, plane);
        var p2 = chw.Slice(2 * plane, plane);
        int c0 = norm.SourceChannel(0), c1 = norm.SourceChannel(1), c2 = norm.SourceChannel(2);
        float m0 = norm.Mean0, m1 = norm.Mean1, m2 = norm.Mean2, scale = norm.Scale;
        var stride = w * 3;

        for (var v = 0; v < size; v++)
        {
            var dy = v - fty;
            for (var u = 0; u < size; u++)
            {
                var dx = u - ftx;
                var x = (ia * dx) + (ib * dy);
                var y = (-ib * dx) + (ia * dy);
                var x0 = (int)MathF.Floor(x);
                var y0 = (int)MathF.Floor(y);
                var fx = x - x0;
                var fy = y - y0;
                float s0, s1, s2;
                if ((uint)x0 < (uint)(w - 1) && (uint)y0 < (uint)(h - 1))
                {
                    // All four neighbours inside (almost every pixel of a face crop): no per-tap border tests.
                    var o = (y0 * stride) + (x0 * 3);
                    float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
                    s0 = (src[o + c0] * w00) + (src[o + 3 + c0] * w01) + (src[o + stride + c0] * w10) + (src[o + stride + 3 + c0] * w11);
                    s1 = (src[o + c1] * w00) + (src[o + 3 + c1] * w01) + (src[o + stride + c1] * w10) + (src[o + stride + 3 + c1] * w11);
                    s2 = (src[o + c2] * w00) + (src[o + 3 + c2] * w01) + (src[o + stride + c2] * w10) + (src[o + stride + 3 + c2] * w11);
                }
                else
                {
                    s0 = s1 = s2 = 0;
                    Accumulate(src, w, h, x0, y0, (1 - fx) * (1 - fy), c0, c1, c2, ref s0, ref s1, ref s2);
                    Accumulate(src, w, h, x0 + 1, y0, fx * (1 - fy), c0, c1, c2, ref s0, ref s1, ref s2);
                    Accumulate(src, w, h, x0, y0 + 1, (1 - fx) * fy, c0, c1, c2, ref s0, ref s1, ref s2);
                    Accumulate(src, w, h, x0 + 1, y0 + 1, fx * fy, c0, c1, c2, ref s0, ref s1, ref s2);
                }

                var i = (v * size) + u;
                p0[i] = (s0 - m0) * scale;
                p1[i] = (s1 - m1) * scale;
                p2[i] = (s2 - m2) * scale;
            }
        }
    }

    private static void Accumulate(ReadOnlySpan<byte> src, int w, int h, int x, int y, float weight, int c0, int c1, int c2, ref float s0, ref float s1, ref float s2)
    {
        if ((uint)x >= (uint)w || (uint)y >= (uint)h || weight == 0)
        {
            return;
        }

        var o = ((y * w) + x) * 3;
        s0 += src[o + c0] * weight;
        s1 += src[o + c1] * weight;
        s2 += src[o + c2] * weight;
    }
}
