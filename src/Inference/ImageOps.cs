namespace CompreFace.Inference;

/// <summary>Span-based pixel routines that write straight into planar (NCHW) float tensor memory.</summary>
internal static class ImageOps
{
    /// <summary>
    /// Area-averaging downscale (OpenCV's INTER_AREA) of interleaved BGR24 <paramref name="bgr"/> (<paramref name="sw"/>×<paramref name="sh"/>)
    /// to <paramref name="dw"/>×<paramref name="dh"/>, written as raw 0..255 floats into the top-left corner of three planes of
    /// <paramref name="chw"/> (row stride <paramref name="rowStride"/>, plane stride <paramref name="planeStride"/>), channel order kept (B, G, R).
    /// The target region must be zero on entry: each source row is resampled horizontally once and added, weighted, to the one or two
    /// destination rows it overlaps, so no intermediate image is allocated. Requires <c>dw ≤ sw</c> and <c>dh ≤ sh</c>.
    /// </summary>
    public static void AreaResizeToChw(ReadOnlySpan<byte> bgr, int sw, int sh, int dw, int dh, Span<float> chw, int rowStride, int planeStride)
    {
        if (dw > sw || dh > sh || dw <= 0 || dh <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(dw), "Area resize only scales down.");
        }

        var sx = (double)sw / dw;
        var sy = (double)sh / dh;

        // Horizontal taps: source column i contributes to destination column(s) in [first, first+1] with weights w0, w1.
        Span<float> hRow = dw * 3 <= 8192 ? stackalloc float[dw * 3] : new float[dw * 3];
        var colFirst = new int[sw];
        var colW0 = new float[sw];
        for (var i = 0; i < sw; i++)
        {
            (colFirst[i], colW0[i]) = Split(i, sx, dw);
        }

        var plane0 = chw;
        var plane1 = chw[planeStride..];
        var plane2 = chw[(2 * planeStride)..];
        var invArea = (float)(1.0 / (sx * sy));

        for (var y = 0; y < sh; y++)
        {
            hRow.Clear();
            var src = bgr.Slice(y * sw * 3, sw * 3);
            for (int x = 0, s = 0; x < sw; x++, s += 3)
            {
                var d = colFirst[x];
                var w0 = colW0[x];
                float b = src[s], g = src[s + 1], r = src[s + 2];
                var o = d * 3;
                hRow[o] += b * w0;
                hRow[o + 1] += g * w0;
                hRow[o + 2] += r * w0;
                if (w0 < 1f && d + 1 < dw)
                {
                    var w1 = 1f - w0;
                    hRow[o + 3] += b * w1;
                    hRow[o + 4] += g * w1;
                    hRow[o + 5] += r * w1;
                }
            }

            var (dy, wy0) = Split(y, sy, dh);
            AddRow(hRow, plane0, plane1, plane2, dy * rowStride, dw, wy0 * invArea);
            if (wy0 < 1f && dy + 1 < dh)
            {
                AddRow(hRow, plane0, plane1, plane2, (dy + 1) * rowStride, dw, (1f - wy0) * invArea);
            }
        }
    }

    /// <summary>Copies BGR24 pixels unscaled into the top-left corner of three planes (raw 0..255).</summary>
    public static void CopyToChw(ReadOnlySpan<byte> bgr, int w, int h, Span<float> chw, int rowStride, int planeStride)
    {
        for (var y = 0; y < h; y++)
        {
            var src = bgr.Slice(y * w * 3, w * 3);
            var b = chw.Slice(y * rowStride, w);
            var g = chw.Slice(planeStride + (y * rowStride), w);
            var r = chw.Slice((2 * planeStride) + (y * rowStride), w);
            for (int x = 0, s = 0; x < w; x++, s += 3)
            {
                b[x] = src[s];
                g[x] = src[s + 1];
                r[x] = src[s + 2];
            }
        }
    }

    /// <summary>Source pixel <paramref name="i"/> covers [i, i+1) which, scaled by 1/<paramref name="scale"/>, falls in destination cell d with weight w (and d+1 with 1-w).</summary>
    private static (int First, float Weight) Split(int i, double scale, int size)
    {
        var start = i / scale;
        var end = (i + 1) / scale;
        var d = Math.Min((int)start, size - 1);
        var boundary = d + 1;
        var w = end <= boundary ? 1f : (float)((boundary - start) / (end - start));
        return (d, w);
    }

    private static void AddRow(ReadOnlySpan<float> hRow, Span<float> p0, Span<float> p1, Span<float> p2, int offset, int dw, float weight)
    {
        var b = p0.Slice(offset, dw);
        var g = p1.Slice(offset, dw);
        var r = p2.Slice(offset, dw);
        for (int x = 0, o = 0; x < dw; x++, o += 3)
        {
            b[x] += hRow[o] * weight;
            g[x] += hRow[o + 1] * weight;
            r[x] += hRow[o + 2] * weight;
        }
    }
}
