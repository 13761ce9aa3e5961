using Xunit;

namespace CompreFace.Inference.Tests;

public sealed class ImageOpsTests
{
    private static byte[] Uniform(int w, int h, byte b, byte g, byte r)
    {
        var bgr = new byte[w * h * 3];
        for (var i = 0; i < w * h; i++)
        {
            (bgr[i * 3], bgr[(i * 3) + 1], bgr[(i * 3) + 2]) = (b, g, r);
        }

        return bgr;
    }

    [Theory]
    [InlineData(640, 480, 320, 240)] // shrink: area taps
    [InlineData(100, 300, 320, 240)] // stretch: enlarge x, shrink y
    [InlineData(7, 5, 112, 112)] // enlarge: bilinear taps
    public void Resample_UniformPicture_StaysUniformInModelChannelOrder(int sw, int sh, int dw, int dh)
    {
        var chw = new float[3 * dw * dh];
        ImageOps.ResampleToChw(Uniform(sw, sh, 10, 20, 30), sw, sh, 0, 0, sw, sh, dw, dh, chw, PixelNormalization.FaceApi255);

        // RGB planes: R = 30, G = 20, B = 10, each (v − mean) / 255.
        var plane = dw * dh;
        Assert.All(chw.AsSpan(0, plane).ToArray(), v => Assert.Equal((30 - 122.782f) / 255f, v, 1e-4f));
        Assert.All(chw.AsSpan(plane, plane).ToArray(), v => Assert.Equal((20 - 117.001f) / 255f, v, 1e-4f));
        Assert.All(chw.AsSpan(2 * plane, plane).ToArray(), v => Assert.Equal((10 - 104.298f) / 255f, v, 1e-4f));
    }

    [Fact]
    public void Resample_SquareAroundNarrowBox_PadsBlackOutsideTheClip()
    {
        // A 20×10 white box padded to a 20×20 square: rows 0–4 and 15–19 of the square are padding (black).
        var chw = new float[3 * 20 * 20];
        ImageOps.ResampleToChw(Uniform(40, 40, 255, 255, 255), 40, 40, 10, 10, 20, 20, 20, 20, chw, PixelNormalization.FacePlugin, (10, 15, 30, 25));
        Assert.Equal((0 - 127f) / 128f, chw[(2 * 20) + 10], 1e-4f);
        Assert.Equal((255 - 127f) / 128f, chw[(10 * 20) + 10], 1e-4f);
        Assert.Equal((0 - 127f) / 128f, chw[(17 * 20) + 10], 1e-4f);
    }
}
