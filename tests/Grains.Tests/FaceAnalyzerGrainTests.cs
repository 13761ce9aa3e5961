using CompreFace.Grains.Interfaces;
namespace CompreFace.Grains.Tests;

[Collection(ClusterTests.Name)]
public sealed class FaceAnalyzerGrainTests(ClusterFixture fixture)
{
    private IFaceAnalyzerGrain Analyzer => fixture.Cluster.GrainFactory.GetGrain<IFaceAnalyzerGrain>(0);

    [Fact]
    public async Task Analyze_FiveFaceSample_ReturnsFiveFacesLargestFirst()
    {
        var image = SharedData.Read("compreface-samples/sample_images/000_5.jpg");

        var result = await Analyzer.AnalyzeAsync(new FaceAnalysisRequest { Image = image });

        Assert.Equal(FaceAnalysisOutcome.Ok, result.Outcome);
        Assert.Equal(5, result.Faces.Count);
        var areas = result.Faces.Select(f => (f.Box.XMax - f.Box.XMin) * (f.Box.YMax - f.Box.YMin)).ToArray();
        Assert.Equal(areas.OrderByDescending(a => a), areas);
        Assert.All(result.Faces, f =>
        {
            Assert.Equal(5, f.Landmarks.Count);
            Assert.Null(f.Embedding);
            Assert.InRange(f.Box.XMax, 1, 819);
            Assert.InRange(f.Box.YMax, 1, 546);
        });
        Assert.False(string.IsNullOrEmpty(result.DetectorVersion));
        Assert.Equal((819, 546), (result.Width, result.Height));

        // No embeddings asked for: no calculator, so the HTTP tier reports none.
        Assert.Null(result.Calculator);
    }

    [Fact]
    public async Task Analyze_LimitAndEmbeddings_ReturnsLargestFacesWithVectors()
    {
        var image = SharedData.Read("compreface-samples/sample_images/000_5.jpg");

        var all = await Analyzer.AnalyzeAsync(new FaceAnalysisRequest { Image = image });
        var limited = await Analyzer.AnalyzeAsync(new FaceAnalysisRequest { Image = image, Limit = 2, ComputeEmbeddings = true });

        Assert.Equal(2, limited.Faces.Count);
        Assert.Equal(all.Faces[0].Box, limited.Faces[0].Box);
        Assert.Equal(all.Faces[1].Box, limited.Faces[1].Box);
        Assert.All(limited.Faces, f => Assert.Equal(512, f.Embedding!.Length));
        Assert.Equal(512, limited.Calculator!.Dimension);
        Assert.True(limited.Timings.EmbedMs > 0);
    }

    [Fact]
    public async Task Analyze_CorruptPng_ReturnsUndecodable()
    {
        var image = SharedData.Read("compreface-samples/imgtools/corrupted.png");

        var result = await Analyzer.AnalyzeAsync(new FaceAnalysisRequest { Image = image });

        Assert.Equal(FaceAnalysisOutcome.Undecodable, result.Outcome);
        Assert.Empty(result.Faces);
    }

    [Fact]
    public async Task Analyze_NoFacePhoto_ReturnsOkWithNoFaces()
    {
        var image = SharedData.Read("compreface-samples/sample_images/017_0.jpg");

        var result = await Analyzer.AnalyzeAsync(new FaceAnalysisRequest { Image = image });

        Assert.Equal(FaceAnalysisOutcome.Ok, result.Outcome);
        Assert.Empty(result.Faces);
    }

    [Fact]
    public async Task Analyze_ConcurrentCallsFromManyCallers_AllAnswerTheSame()
    {
        var image = SharedData.Read("compreface-samples/sample_images/007_B.jpg");
        var request = new FaceAnalysisRequest { Image = image, ComputeEmbeddings = true };

        // Different keys reach different activations (and silos); the stateless worker must give identical answers.
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            fixture.Cluster.GrainFactory.GetGrain<IFaceAnalyzerGrain>(i).AnalyzeAsync(request)));

        var first = results[0].Faces.Single();
        Assert.All(results, r =>
        {
            var face = Assert.Single(r.Faces);
            Assert.Equal(first.Box, face.Box);
            Assert.Equal(first.Embedding!, face.Embedding!, (a, b) => Math.Abs(a - b) < 1e-4f);
        });
    }

    [Fact]
    public async Task GetStatus_OnCpuMachine_ReportsProviderVersionsAndCoefficients()
    {
        var status = await Analyzer.GetStatusAsync();

        Assert.Equal("CPU", status.ExecutionProvider);
        Assert.Equal(512, status.Calculator.Dimension);
        Assert.True(status.Calculator.C0 > 0 && status.Calculator.C1 > 0);
        Assert.False(string.IsNullOrEmpty(status.Calculator.Version));
        Assert.Contains(status.AvailablePlugins.Keys, k => k.Contains("landmarks", StringComparison.Ordinal));
        Assert.Contains("calculator", status.AvailablePlugins.Keys);
    }
}
