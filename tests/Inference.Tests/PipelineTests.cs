using CompreFace.Grains.Interfaces;
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
}
