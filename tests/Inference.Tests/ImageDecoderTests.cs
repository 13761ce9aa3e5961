using Microsoft.Extensions.Options;
using SkiaSharp;
using Xunit;
using Xunit.Abstractions;

namespace CompreFace.Inference.Tests;

public sealed class ImageDecoderTests(ITestOutputHelper output)
{
    private static readonly ImageDecoder Decoder = new(Options.Create(new ImageLimitsOptions()));

    private static string Imgtools(string name) => Path.Combine("compreface-samples", "imgtools", name);

    [Fact]
    public void Decode_SevenFormatsOfOnePicture_GiveNearlyEqualPixels()
    {
        var reference = Decoder.Decode(SharedData.Read(Imgtools("einstein.png")));
        foreach (var ext in new[] { "bmp", "gif", "ico", "jpeg", "tiff", "webp" })
        {
            var image = Decoder.Decode(SharedData.Read(Imgtools($"einstein.{ext}")));
            Assert.Equal((reference.Width, reference.Height), (image.Width, image.Height));
            double sum = 0;
            var beyondAtol = 0;
            for (var i = 0; i < reference.Width * reference.Height * 3; i++)
            {
                var diff = Math.Abs(reference.Bgr[i] - image.Bgr[i]);
                sum += diff;
                beyondAtol += diff > 20 ? 1 : 0;
            }

            var mean = sum / (reference.Width * reference.Height * 3);
            output.WriteLine($"{ext}: {image.Width}x{image.Height} mean |diff| {mean:F2}, {beyondAtol} values beyond 20");
            Assert.True(mean < 3, $"{ext}: mean abs diff {mean}");
            Assert.True(beyondAtol < reference.Width * reference.Height * 3 / 100, $"{ext}: {beyondAtol} values differ by more than 20");
        }
    }

    [Theory]
    [InlineData("corrupted.png")]
    [InlineData("empty.png")]
    public void Decode_BrokenSampleFile_IsUndecodable(string name)
    {
        var ex = Assert.Throws<ImageRejectedException>(() => Decoder.Decode(SharedData.Read(Imgtools(name))));
        Assert.Equal(ImageRejection.Undecodable, ex.Reason);
    }

    [Fact]
    public void Decode_RandomBytesOrNothing_IsUndecodable()
    {
        var random = new byte[4096];
        new Random(42).NextBytes(random);
        Assert.Equal(ImageRejection.Undecodable, Assert.Throws<ImageRejectedException>(() => Decoder.Decode(random)).Reason);
        Assert.Equal(ImageRejection.Undecodable, Assert.Throws<ImageRejectedException>(() => Decoder.Decode(Array.Empty<byte>())).Reason);
        Assert.Equal(ImageRejection.Undecodable, Assert.Throws<ImageRejectedException>(() => Decoder.Decode(new byte[] { (byte)'I', (byte)'I', 42, 0, 1, 2, 3, 4, 5, 6 })).Reason);
    }

    [Fact]
    public void Decode_TruncatedJpeg_DecodesAtFullSize()
    {
        var image = Decoder.Decode(SharedData.Read(Imgtools("truncated.jpg")));
        Assert.Equal((225, 225), (image.Width, image.Height));
    }

    [Fact]
    public void Decode_PngHeaderClaiming50000Squared_IsRefusedBeforeAllocating()
    {
        AssertRefusedCheaply(TestImages.PngHeader(50_000, 50_000));
    }

    [Fact]
    public void Decode_JpegHeaderClaiming50000Squared_IsRefusedBeforeAllocating()
    {
        using var bitmap = TestImages.RedBlue(16, 16);
        AssertRefusedCheaply(TestImages.JpegClaiming(TestImages.Encode(bitmap, SKEncodedImageFormat.Jpeg), 50_000, 50_000));
    }

    [Fact]
    public void Decode_MultiPageTiff_DecodesTheFirstPageOnly()
    {
        // ImageSharp decoded every page at its own size, past the pixel check of the first, then refused pages of
        // different sizes; a file of many equal large pages sharing one strip held gigabytes (imageio reads page 1).
        using var image = Decoder.Decode(TestImages.Tiff([new(16, 16), new(4000, 4000), new(16, 16, Compression: 12345)]));

        Assert.Equal((16, 16), (image.Width, image.Height));
    }

    [Fact]
    public void Decode_TiffOfTwentyThousandPages_ReadsOneDirectory()
    {
        // Every IFD of the chain was parsed before the first page was decoded: 200 MB and seconds for a 2 MB file.
        var tiff = TestImages.Tiff([.. Enumerable.Repeat(new TestImages.TiffPage(16, 16), 20_000)]);
        var before = GC.GetAllocatedBytesForCurrentThread();
        using var image = Decoder.Decode(tiff);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal((16, 16), (image.Width, image.Height));
        Assert.True(allocated < 2 * tiff.Length + 1_000_000, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Decode_TiffWhoseDirectoriesLoop_DecodesTheFirstPage()
    {
        using var image = Decoder.Decode(TestImages.Tiff([new(16, 16), new(16, 16)], loopBack: true));

        Assert.Equal((16, 16), (image.Width, image.Height));
    }

    [Fact]
    public void Decode_FileOverRequestSizeLimit_IsTooLarge()
    {
        var bytes = new byte[(10 * 1024 * 1024) + 1];
        var ex = Assert.Throws<ImageRejectedException>(() => Decoder.Decode(bytes));
        Assert.Equal(ImageRejection.FileTooLarge, ex.Reason);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(8)]
    [InlineData(3)]
    public void Decode_ExifOrientation_IsApplied(ushort orientation)
    {
        using var bitmap = TestImages.RedBlue(40, 20);
        var jpeg = TestImages.WithExifOrientation(TestImages.Encode(bitmap, SKEncodedImageFormat.Jpeg), orientation);
        var image = Decoder.Decode(jpeg);
        var swapped = orientation is 6 or 8;
        Assert.Equal(swapped ? (20, 40) : (40, 20), (image.Width, image.Height));
        Assert.Equal((image.Width, image.Height), (image.OriginalWidth, image.OriginalHeight));

        // Source left half is red. 6 (rotate 90° clockwise): red on top. 8 (counter-clockwise): red at the bottom. 3 (180°): red on the right.
        var (redX, redY, blueX, blueY) = orientation switch
        {
            6 => (10, 5, 10, 35),
            8 => (10, 35, 10, 5),
            _ => (35, 10, 5, 10),
        };
        AssertColour(image, redX, redY, expectRed: true);
        AssertColour(image, blueX, blueY, expectRed: false);
    }

    [Fact]
    public void Decode_Greyscale_GivesThreeEqualChannels()
    {
        using var bitmap = new SKBitmap(8, 8, SKColorType.Gray8, SKAlphaType.Opaque);
        for (var y = 0; y < 8; y++)
        {
            for (var x = 0; x < 8; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 30), (byte)(x * 30), (byte)(x * 30)));
            }
        }

        var image = Decoder.Decode(TestImages.Encode(bitmap, SKEncodedImageFormat.Png));
        for (var i = 0; i < 64; i++)
        {
            Assert.Equal(image.Bgr[i * 3], image.Bgr[(i * 3) + 1]);
            Assert.Equal(image.Bgr[i * 3], image.Bgr[(i * 3) + 2]);
        }

        Assert.Equal(7 * 30, image.Bgr[7 * 3]);
    }

    [Fact]
    public void Decode_AlphaPng_DropsAlphaKeepingColour()
    {
        using var bitmap = new SKBitmap(4, 4, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        bitmap.Erase(new SKColor(200, 100, 50, 10));
        var image = Decoder.Decode(TestImages.Encode(bitmap, SKEncodedImageFormat.Png));
        Assert.Equal(new byte[] { 50, 100, 200 }, image.Bgr.AsSpan(0, 3).ToArray());
    }

    [Fact]
    public void Decode_OnePixel_Decodes()
    {
        using var bitmap = new SKBitmap(1, 1);
        bitmap.Erase(SKColors.White);
        var image = Decoder.Decode(TestImages.Encode(bitmap, SKEncodedImageFormat.Png));
        Assert.Equal((1, 1), (image.Width, image.Height));
    }

    [Fact]
    public void Decode_BigJpeg_DecodesScaledButReportsOriginalSize()
    {
        var bytes = SharedData.Read("compreface-samples/sample_images/001_A.jpg");
        var image = Decoder.Decode(bytes);
        output.WriteLine($"001_A.jpg ({bytes.Length} B): decoded {image.Width}x{image.Height} of {image.OriginalWidth}x{image.OriginalHeight}");
        Assert.True(Math.Max(image.Width, image.Height) >= new ImageLimitsOptions().WorkingLongSide);
        Assert.True(image.Width < image.OriginalWidth);
        Assert.Equal(4912 * 7360, image.OriginalWidth * image.OriginalHeight);
    }

    [Theory]
    [InlineData(0.3f, 333, 592)]
    [InlineData(0.6f, 555, 987)]
    [InlineData(1f, 888, 1578)]
    public void DecodeDetail_Jpeg_SmallestEighthAtOrAboveScale(float scale, int width, int height)
    {
        var bytes = SharedData.Read("compreface-samples/load-tests/detect_FACE_1.jpg");
        using var image = Decoder.DecodeDetail(bytes, scale);
        Assert.Equal((width, height), (image.Width, image.Height));
        Assert.Equal((888, 1578), (image.OriginalWidth, image.OriginalHeight));
    }

    [Fact]
    public void Decode_MidSizeJpeg_SmallestEighthKeepingDetectorSize()
    {
        using var image = Decoder.Decode(SharedData.Read("compreface-samples/load-tests/detect_FACE_1.jpg"));
        Assert.Equal((444, 789), (image.Width, image.Height));
    }

    /// <summary>The SSSE3 path handles 4 pixels at a time with spilling stores; odd widths and bottom-up rows (orientation 4) must stay exact.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void BgraToOrientedBgr_OddWidthsAndFlips_MatchPerPixelCopy(int orientation)
    {
        var random = new Random(7);
        for (var w = 1; w <= 37; w++)
        {
            const int H = 3;
            var rowBytes = (w * 4) + 8; // padded rows, as Skia may give
            var bgra = new byte[rowBytes * H];
            random.NextBytes(bgra);
            var bgr = new byte[w * H * 3];
            ImageDecoder.BgraToOrientedBgr(bgra, rowBytes, w, H, orientation, bgr);
            for (var y = 0; y < H; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    var (tx, ty) = orientation switch { 2 => (w - 1 - x, y), 4 => (x, H - 1 - y), _ => (x, y) };
                    for (var c = 0; c < 3; c++)
                    {
                        Assert.Equal(bgra[(y * rowBytes) + (x * 4) + c], bgr[(((ty * w) + tx) * 3) + c]);
                    }
                }
            }
        }
    }

    private static void AssertColour(DecodedImage image, int x, int y, bool expectRed)
    {
        var o = ((y * image.Width) + x) * 3;
        var (b, r) = (image.Bgr[o], image.Bgr[o + 2]);
        Assert.True(expectRed ? r > 200 && b < 60 : b > 200 && r < 60, $"pixel ({x},{y}) is B={b} R={r}");
    }

    private static void AssertRefusedCheaply(byte[] bytes)
    {
        // Cheap means refused from the header: under 1 MB allocated (the pixels would take gigabytes). Counted in
        // bytes rather than timed, so a loaded machine cannot fail it; decoding speed is measured in tests/Benchmarks.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<ImageRejectedException>(() => Decoder.Decode(bytes));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(ImageRejection.TooManyPixels, ex.Reason);
        Assert.True(allocated < 1_000_000, $"allocated {allocated} bytes");
    }
}
