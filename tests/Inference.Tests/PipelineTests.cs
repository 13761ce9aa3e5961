using CompreFace.Grains.Interfaces;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;
using Xunit;
using Xunit.Abstractions;

namespace CompreFace.Inference.Tests;

[Collection(InferenceGroup.Name)]
public sealed class PipelineTests(InferenceFixture fixture, ITestOutputHelper output)
{
    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void Analyze_ThresholdOutsideUnitRange_Throws(float threshold)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Pipeline.Analyze(new byte[10], new FaceAnalysisOptions(DetProbThreshold: threshold)));
    }

    [Fact]
    public void Analyze_OnePixelImage_HasNoFace()
    {
        using var bitmap = new SKBitmap(1, 1);
        bitmap.Erase(SKColors.Gray);
        var analysis = fixture.Pipeline.Analyze(TestImages.Encode(bitmap, SKEncodedImageFormat.Png), new FaceAnalysisOptions(ComputeEmbeddings: true));
        Assert.Empty(analysis.Faces);
        Assert.Equal((1, 1), (analysis.Width, analysis.Height));
    }

    [Fact]
    public void Analyze_BigJpeg_ReportsOriginalPixelsAndTimings()
    {
        var analysis = fixture.Pipeline.Analyze(SharedData.Read("compreface-samples/sample_images/001_A.jpg"), new FaceAnalysisOptions(ComputeEmbeddings: true));
        output.WriteLine($"001_A: {analysis.Width}x{analysis.Height}, decode {analysis.Timings.DecodeMs:F1} ms, detect {analysis.Timings.DetectMs:F1} ms, embed {analysis.Timings.AlignEmbedMs:F1} ms");
        var face = Assert.Single(analysis.Faces).Face;
        var nose = face.Landmarks[2];

        // Ground-truth nose of 001_A.jpg in original pixels (compreface-samples/ground_truth.json) lies inside the mapped box.
        Assert.InRange(face.XMax, 0, analysis.Width);
        Assert.InRange(face.YMax, 0, analysis.Height);
        using var truth = System.Text.Json.JsonDocument.Parse(SharedData.Read("compreface-samples/ground_truth.json"));
        var gtNose = truth.RootElement.GetProperty("images").GetProperty("001_A.jpg").GetProperty("noses")[0];
        var (gx, gy) = (gtNose[0].GetSingle(), gtNose[1].GetSingle());
        output.WriteLine($"nose landmark ({nose.X:F0},{nose.Y:F0}) vs ground truth ({gx},{gy}); box width {face.XMax - face.XMin:F0}");
        Assert.InRange(gx, face.XMin, face.XMax);
        Assert.InRange(gy, face.YMin, face.YMax);
        Assert.True(Math.Abs(nose.X - gx) < (face.XMax - face.XMin) / 5 && Math.Abs(nose.Y - gy) < (face.YMax - face.YMin) / 5);
        Assert.Equal(512, analysis.Faces[0].Embedding!.Length);
    }

    [Fact]
    public void Analyze_DetectFacesFalse_EmbedsWholeImageAsOneFace()
    {
        var bytes = SharedData.Read("compreface-samples/sample_images/009_C.jpg");
        var detected = fixture.Pipeline.Analyze(bytes, new FaceAnalysisOptions(ComputeEmbeddings: true));
        var whole = fixture.Pipeline.Analyze(bytes, new FaceAnalysisOptions(ComputeEmbeddings: true, DetectFaces: false));
        var face = Assert.Single(whole.Faces).Face;
        Assert.Equal((0f, 0f, whole.Width, whole.Height, 1f), (face.XMin, face.YMin, face.XMax, face.YMax, face.Probability));
        Assert.NotNull(whole.Faces[0].Embedding);
        output.WriteLine($"whole-image vs detected similarity: {Similarity.Compute(whole.Faces[0].Embedding, detected.Faces[0].Embedding, fixture.Embedder.Coefficients.C0, fixture.Embedder.Coefficients.C1)}");
    }

    [Fact]
    public void Analyze_CancelledToken_Throws()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => fixture.Pipeline.Analyze(SharedData.Read("compreface-samples/sample_images/000_5.jpg"), new FaceAnalysisOptions(), cts.Token));
    }

    [Theory]
    [InlineData("mobilefacenet", 512)]
    [InlineData("dlib", 128)]
    public void Embed_SeveralFaces_BatchedEqualsOneByOne(string embedderName, int dimension)
    {
        var embedder = fixture.PipelineFor("yunet", embedderName).Embedder;
        var image = fixture.Decoder.Decode(SharedData.Read("compreface-samples/sample_images/000_5.jpg"));
        var faces = fixture.Detector.Detect(image, fixture.Detector.DefaultThreshold);
        Assert.Equal(5, faces.Count);
        var batched = embedder.Embed(image, faces);
        // Both run every face of an image in one batch (MobileFaceNet after OnnxModelPatch lifts its fixed batch of 1).
        Assert.True(((AlignedFaceEmbedder)embedder).IsBatched);
        Assert.Equal(dimension, embedder.Dimension);
        for (var i = 0; i < faces.Count; i++)
        {
            var single = embedder.Embed(image, [faces[i]])[0];
            for (var k = 0; k < single.Length; k++)
            {
                Assert.Equal(single[k], batched[i][k], 1e-4f);
            }
        }
    }

    [Fact]
    public void Align_TemplateLandmarks_IsIdentity()
    {
        var (a, b, tx, ty) = FaceAligner.EstimateSimilarity(FaceAligner.Template, FaceAligner.Template);
        Assert.Equal(1, a, 6);
        Assert.Equal(0, b, 6);
        Assert.Equal(0, tx, 4);
        Assert.Equal(0, ty, 4);
    }

    /// <summary>
    /// A face shrunk into a big picture: at the working decode (640 on the long side) it is too small for its 112×112 crop, so the
    /// crop must come from a second, larger decode, and its embedding must then match the one from a full-size decode.
    /// </summary>
    [Fact]
    public void Analyze_SmallFaceInBigJpeg_CropsFromDetailDecodeLikeFullDecode()
    {
        var bytes = SmallFaceInBigPicture();
        var counting = new CountingDecoder(fixture.Decoder);
        var analysis = new FacePipeline(counting, fixture.Detector, fixture.Embedder).Analyze(bytes, new FaceAnalysisOptions(ComputeEmbeddings: true));
        var face = Assert.Single(analysis.Faces);

        using var fullProvider = InferenceFixture.Build(new Dictionary<string, string?> { ["Models:Path"] = SharedData.ModelsDirectory, ["Images:WorkingLongSide"] = "16384" });
        var full = Assert.Single(fullProvider.GetRequiredService<FacePipeline>().Analyze(bytes, new FaceAnalysisOptions(ComputeEmbeddings: true)).Faces);
        var cosine = Cosine(face.Embedding!, full.Embedding!);

        // What the detail decode prevents: the same face cropped from the working decode, i.e. enlarged.
        using var working = fixture.Decoder.Decode(bytes);
        var fx = (float)working.Width / working.OriginalWidth;
        var fy = (float)working.Height / working.OriginalHeight;
        var small = face.Face with { Landmarks = [.. face.Face.Landmarks.Select(p => new PointF(p.X * fx, p.Y * fy))] };
        var enlarged = Cosine(fixture.Embedder.Embed(working, [small])[0], full.Embedding!);
        output.WriteLine($"face {face.Face.XMax - face.Face.XMin:F0} px wide in the {analysis.Width}x{analysis.Height} picture; detail decodes {counting.DetailCalls} at scale {counting.LastScale:F3}; cosine to the full decode: detail {cosine:F4}, enlarged from the working decode {enlarged:F4}");

        Assert.Equal(1, counting.DetailCalls);
        Assert.True(cosine > enlarged, $"detail {cosine} vs enlarged {enlarged}");
        Assert.True(cosine >= 0.97, $"cosine {cosine}");
    }

    /// <summary>The load-test face (888×1578, decoded at 444×789) fills its crop from the working decode: no second decode.</summary>
    [Fact]
    public void Analyze_LargeFace_NoDetailDecode()
    {
        var counting = new CountingDecoder(fixture.Decoder);
        var analysis = new FacePipeline(counting, fixture.Detector, fixture.Embedder)
            .Analyze(SharedData.Read("compreface-samples/load-tests/detect_FACE_1.jpg"), new FaceAnalysisOptions(ComputeEmbeddings: true));
        Assert.Single(analysis.Faces);
        Assert.Equal(0, counting.DetailCalls);
    }

    private static byte[] SmallFaceInBigPicture()
    {
        using var photo = SKBitmap.Decode(SharedData.Read("compreface-samples/load-tests/detect_FACE_1.jpg"));
        using var canvasBitmap = new SKBitmap(2400, 1800, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(canvasBitmap))
        {
            canvas.Clear(new SKColor(90, 110, 130));
            using var image = SKImage.FromBitmap(photo);
            canvas.DrawImage(image, new SKRect(1000, 400, 1000 + (photo.Width * 0.15f), 400 + (photo.Height * 0.15f)), new SKSamplingOptions(SKCubicResampler.Mitchell));
        }

        return TestImages.Encode(canvasBitmap, SKEncodedImageFormat.Jpeg, 92);
    }

    private static double Cosine(float[] a, float[] b) =>
        System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, b);

    /// <summary>The real decoder, counting second decodes.</summary>
    private sealed class CountingDecoder(IImageDecoder inner) : IImageDecoder
    {
        public int DetailCalls { get; private set; }

        public float LastScale { get; private set; }

        public DecodedImage Decode(ReadOnlyMemory<byte> encoded) => inner.Decode(encoded);

        public DecodedImage DecodeDetail(ReadOnlyMemory<byte> encoded, float minScale)
        {
            DetailCalls++;
            LastScale = minScale;
            return inner.DecodeDetail(encoded, minScale);
        }
    }
}
