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
    public static void AlignToChw(DecodedImage image, IReadOnlyList<PointF> landmarks, Span<float> chw)
    {
        ArgumentNullException.ThrowIfNull(image);
        const int Plane = Size * Size;
        if (chw.Length < 3 * Plane)
        {
            throw new ArgumentException("Tensor slice too small.", nameof(chw));
        }

        var (a, b, tx, ty) = EstimateSimilarity(landmarks, Template);

        // Inverse of [a −b; b a]: each output pixel looks up its source position.
        var det = (a * a) + (b * b);
        var ia = (float)(a / det);
        var ib = (float)(b / det);
        var ftx = (float)tx;
        var fty = (float)ty;
        var w = image.Width;
        var h = image.Height;
        var src = image.Bgr.AsSpan(0, w * h * 3);
        var pb = chw[..Plane];
        var pg = chw.Slice(Plane, Plane);
        var pr = chw.Slice(2 * Plane, Plane);
        const float Mean = 127f;
        const float InvStd = 1f / 128f;

        for (var v = 0; v < Size; v++)
        {
            var dy = v - fty;
            for (var u = 0; u < Size; u++)
            {
                var dx = u - ftx;
                var x = (ia * dx) + (ib * dy);
                var y = (-ib * dx) + (ia * dy);
                var x0 = (int)MathF.Floor(x);
                var y0 = (int)MathF.Floor(y);
                var fx = x - x0;
                var fy = y - y0;
                float cb = 0, cg = 0, cr = 0;
                Accumulate(src, w, h, x0, y0, (1 - fx) * (1 - fy), ref cb, ref cg, ref cr);
                Accumulate(src, w, h, x0 + 1, y0, fx * (1 - fy), ref cb, ref cg, ref cr);
                Accumulate(src, w, h, x0, y0 + 1, (1 - fx) * fy, ref cb, ref cg, ref cr);
                Accumulate(src, w, h, x0 + 1, y0 + 1, fx * fy, ref cb, ref cg, ref cr);
                var o = (v * Size) + u;
                pb[o] = (cb - Mean) * InvStd;
                pg[o] = (cg - Mean) * InvStd;
                pr[o] = (cr - Mean) * InvStd;
            }
        }
    }

    private static void Accumulate(ReadOnlySpan<byte> src, int w, int h, int x, int y, float weight, ref float b, ref float g, ref float r)
    {
        if ((uint)x >= (uint)w || (uint)y >= (uint)h || weight == 0)
        {
            return;
        }

        var o = ((y * w) + x) * 3;
        b += src[o] * weight;
        g += src[o + 1] * weight;
        r += src[o + 2] * weight;
    }
}
