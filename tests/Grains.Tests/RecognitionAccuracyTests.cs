using Xunit.Abstractions;
using CompreFace.Grains.Interfaces;

namespace CompreFace.Grains.Tests;

/// <summary>
/// Rank-1 identification on the labelled photos of <c>../shared/data/identities.csv</c>, through the real inference
/// worker and a real collection: enrol one photo per identity, recognise every other photo of it.
/// </summary>
[Collection(ClusterTests.Name)]
public sealed class RecognitionAccuracyTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Recognize_LabelledIdentities_RankOneAtLeast98Percent()
    {
        var rows = (await File.ReadAllLinesAsync(Path.Combine(SharedData.Root, "data", "identities.csv")))
            .Skip(1)
            .Select(line => line.Trim().Split(','))
            .Select(f => (Image: f[0], Identity: f[1], DerivativeOf: f.Length > 4 ? f[4].Trim() : string.Empty))
            .ToArray();
        var analyzer = fixture.Cluster.GrainFactory.GetGrain<IFaceAnalyzerGrain>(0);
        var collection = fixture.Cluster.GrainFactory.GetGrain<IFaceCollectionGrain>(Guid.NewGuid());

        var embeddings = new Dictionary<string, float[]>();
        foreach (var row in rows)
        {
            var result = await analyzer.AnalyzeAsync(new FaceAnalysisRequest { Image = SharedData.Read(row.Image), ComputeEmbeddings = true, Limit = 1 });
            Assert.True(result.Faces.Count == 1, $"no face found in {row.Image}");
            embeddings[row.Image] = result.Faces[0].Embedding!;
        }

        // Enrol the first original (non-derivative) photo of every identity.
        var enrolled = rows.Where(r => r.DerivativeOf.Length == 0).GroupBy(r => r.Identity).Select(g => g.First()).ToArray();
        foreach (var row in enrolled)
        {
            await collection.AddFaceAsync(new AddFaceCommand { Subject = row.Identity, Embedding = embeddings[row.Image], Calculator = "accuracy-test" });
        }

        // Query every other photo, except copies of the enrolled one (a resize or re-encode is not a second photo).
        var enrolledImages = enrolled.Select(r => r.Image).ToHashSet();
        var queries = rows.Where(r => !enrolledImages.Contains(r.Image) && !enrolledImages.Contains(r.DerivativeOf)).ToArray();
        var correct = 0;
        foreach (var query in queries)
        {
            var best = (await collection.SearchAsync(new FaceSearch { Calculator = "accuracy-test", Embeddings = [embeddings[query.Image]] }))[0][0];
            if (best.Subject == query.Identity)
            {
                correct++;
            }
            else
            {
                output.WriteLine($"confused: {query.Image} ({query.Identity}) -> {best.Subject} (cosine {best.Cosine:F3})");
            }
        }

        var accuracy = (double)correct / queries.Length;
        output.WriteLine($"rank-1: {correct}/{queries.Length} = {accuracy:P2} over {enrolled.Length} enrolled identities");
        Assert.True(queries.Length >= 40, $"only {queries.Length} queries");
        Assert.True(accuracy >= 0.98, $"rank-1 accuracy {accuracy:P2} is below 98%");
    }
}
