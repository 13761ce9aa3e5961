using System.Buffers;

namespace CompreFace.Inference;

/// <summary>
/// How a model wants its input planes: channel order and <c>(v − mean[c]) · scale</c>, means given in the model's plane order.
/// Each model's upstream (README.md#models) names its own; getting one wrong costs accuracy silently, so they live in one place.
/// </summary>
/// <param name="Rgb">Planes R, G, B (face-api models) instead of B, G, R (YuNet, UltraFace, MobileFaceNet).</param>
/// <param name="Mean0">Mean subtracted from plane 0.</param>
/// <param name="Mean1">Mean subtracted from plane 1.</param>
/// <param name="Mean2">Mean subtracted from plane 2.</param>
/// <param name="Scale">Factor applied after subtracting the mean.</param>
internal readonly record struct PixelNormalization(bool Rgb, float Mean0, float Mean1, float Mean2, float Scale)
{
    /// <summary>faceplugin models (UltraFace, MobileFaceNet): BGR, <c>(x − 127) / 128</c>.</summary>
    public static PixelNormalization FacePlugin { get; } = new(false, 127f, 127f, 127f, 1f / 128f);

    /// <summary>face-api landmark net: RGB, <c>(x − [122.782, 117.001, 104.298]) / 255</c>.</summary>
    public static PixelNormalization FaceApi255 { get; } = new(true, 122.782f, 117.001f, 104.298f, 1f / 255f);

    /// <summary>face-api recognition net (dlib ResNet): RGB, <c>(x − [122.782, 117.001, 104.298]) / 256</c>.</summary>
    public static PixelNormalization FaceApi256 { get; } = new(true, 122.782f, 117.001f, 104.298f, 1f / 256f);

    /// <summary>Offset of the source byte (in a BGR24 pixel) that feeds plane <paramref name="plane"/>.</summary>
    public int SourceChannel(int plane) => Rgb ? 2 - plane : plane;
}

/// <summary>Span-based pixel routines that write straight into planar (NCHW) float tensor memory.</summary>
internal static class ImageOps
{
    /// <summary>
    /// Resamples the source rectangle (<paramref name="rx"/>, <paramref name="ry"/>, <paramref name="rw"/>×<paramref name="rh"/>, in pixels, may
    /// reach outside the picture) of BGR24 <paramref name="bgr"/> to <paramref name="dw"/>×<paramref name="dh"/> and writes three normalised,
    /// contiguous planes into <paramref name="chw"/>. Per axis: area averaging when shrinking (no aliasing on 1280 → 320 stretches),
    /// bilinear when enlarging. Pixels outside <paramref name="clip"/> (default: the whole picture) read as black, which is how face-api
    /// pads a face box to a square. Separable: one horizontal pass over the rows the result needs, then one vertical pass.
    /// </summary>
    public static void ResampleToChw(
        ReadOnlySpan<byte> bgr, int sw, int sh, float rx, float ry, float rw, float rh, int dw, int dh, Span<float> chw, in PixelNormalization norm,
        (int X0, int Y0, int X1, int Y1)? clip = null)
    {
        if (dw <= 0 || dh <= 0 || rw <= 0 || rh <= 0 || chw.Length < 3 * dw * dh)
        {
            throw new ArgumentOutOfRangeException(nameof(dw), "Empty source or destination, or tensor too small.");
        }

        var (cx0, cy0, cx1, cy1) = clip ?? (0, 0, sw, sh);
        cx0 = Math.Max(cx0, 0);
        cy0 = Math.Max(cy0, 0);
        cx1 = Math.Min(cx1, sw);
        cy1 = Math.Min(cy1, sh);
        var plane = dw * dh;
        var hTaps = AxisTaps.Create(rx, rw, cx0, cx1, dw);
        var vTaps = AxisTaps.Create(ry, rh, cy0, cy1, dh);
        var (rowMin, rowMax) = vTaps.SourceRange();
        var rows = Math.Max(0, rowMax - rowMin);
        var rowLength = dw * 3;
        var tmp = ArrayPool<float>.Shared.Rent(Math.Max(1, rows * rowLength));
        try
        {
            int c0 = norm.SourceChannel(0), c1 = norm.SourceChannel(1), c2 = norm.SourceChannel(2);

            // Horizontal: each needed source row becomes dw pixels, channels already in plane order.
            for (var r = 0; r < rows; r++)
            {
                var src = bgr.Slice((rowMin + r) * sw * 3, sw * 3);
                var dst = tmp.AsSpan(r * rowLength, rowLength);
                for (var x = 0; x < dw; x++)
                {
                    float a = 0, b = 0, c = 0;
                    var first = hTaps.First[x];
                    var weights = hTaps.WeightsOf(x);
                    for (var t = 0; t < weights.Length; t++)
                    {
                        var s = (first + t) * 3;
                        var w = weights[t];
                        a += src[s + c0] * w;
                        b += src[s + c1] * w;
                        c += src[s + c2] * w;
                    }

                    dst[x * 3] = a;
                    dst[(x * 3) + 1] = b;
                    dst[(x * 3) + 2] = c;
                }
            }

            // Vertical, then normalise into the planes.
            var p0 = chw[..plane];
            var p1 = chw.Slice(plane, plane);
            var p2 = chw.Slice(2 * plane, plane);
            float m0 = norm.Mean0, m1 = norm.Mean1, m2 = norm.Mean2, scale = norm.Scale;
            Span<float> acc = rowLength <= 4096 ? stackalloc float[rowLength] : new float[rowLength];
            for (var y = 0; y < dh; y++)
            {
                acc.Clear();
                var first = vTaps.First[y] - rowMin;
                var weights = vTaps.WeightsOf(y);
                for (var t = 0; t < weights.Length; t++)
                {
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(tmp.AsSpan((first + t) * rowLength, rowLength), weights[t], acc, acc);
                }

                var o = y * dw;
                for (var x = 0; x < dw; x++)
                {
                    p0[o + x] = (acc[x * 3] - m0) * scale;
                    p1[o + x] = (acc[(x * 3) + 1] - m1) * scale;
                    p2[o + x] = (acc[(x * 3) + 2] - m2) * scale;
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(tmp);
        }
    }

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

    /// <summary>
    /// For one axis, which source pixels (a run starting at <see cref="First"/>) feed each destination pixel, and with what weight.
    /// Runs never leave the clip range, so the passes need no bounds tests; a pixel whose source lies wholly outside gets no taps (black).
    /// </summary>
    private sealed class AxisTaps
    {
        private readonly float[] _weights;
        private readonly int[] _count;
        private readonly int _stride;

        private AxisTaps(int size, int stride)
        {
            First = new int[size];
            _count = new int[size];
            _stride = stride;
            _weights = new float[size * stride];
        }

        public int[] First { get; }

        public ReadOnlySpan<float> WeightsOf(int d) => _weights.AsSpan(d * _stride, _count[d]);

        /// <summary>Source range [min, max) touched by any tap.</summary>
        public (int Min, int Max) SourceRange()
        {
            int min = int.MaxValue, max = int.MinValue;
            for (var d = 0; d < First.Length; d++)
            {
                if (_count[d] > 0)
                {
                    min = Math.Min(min, First[d]);
                    max = Math.Max(max, First[d] + _count[d]);
                }
            }

            return min == int.MaxValue ? (0, 0) : (min, max);
        }

        public static AxisTaps Create(float origin, float length, int lo, int hi, int size)
        {
            var scale = (double)length / size;
            if (scale > 1)
            {
                // Area: destination pixel d averages the source interval [origin + d·scale, origin + (d+1)·scale); the divisor is the
                // full interval, so clipped-away parts count as black rather than being renormalised away.
                var taps = new AxisTaps(size, (int)Math.Ceiling(scale) + 1);
                for (var d = 0; d < size; d++)
                {
                    var start = origin + (d * scale);
                    var end = start + scale;
                    var i0 = Math.Max(lo, (int)Math.Floor(start));
                    var i1 = Math.Min(hi, (int)Math.Ceiling(end));
                    taps.First[d] = i0;
                    var n = 0;
                    for (var i = i0; i < i1; i++)
                    {
                        taps._weights[(d * taps._stride) + n++] = (float)((Math.Min(i + 1, end) - Math.Max(i, start)) / scale);
                    }

                    taps._count[d] = Math.Max(0, n);
                }

                return taps;
            }
            else
            {
                // Bilinear at pixel centres, clamped to the edge pixel inside the clip range (OpenCV's replicated border) but black
                // when the centre lies beyond it by more than half a pixel.
                var taps = new AxisTaps(size, 2);
                for (var d = 0; d < size; d++)
                {
                    var c = origin + ((d + 0.5) * scale) - 0.5;
                    if (hi <= lo || c < lo - 0.5 || c > hi - 0.5)
                    {
                        continue;
                    }

                    c = Math.Clamp(c, lo, hi - 1);
                    var i0 = (int)Math.Floor(c);
                    var f = (float)(c - i0);
                    taps.First[d] = i0;
                    taps._weights[d * 2] = 1 - f;
                    if (i0 + 1 < hi && f > 0)
                    {
                        taps._weights[(d * 2) + 1] = f;
                        taps._count[d] = 2;
                    }
                    else
                    {
                        taps._count[d] = 1;
                    }
                }

                return taps;
            }
        }
    }
}
