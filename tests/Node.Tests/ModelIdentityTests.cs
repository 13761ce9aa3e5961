using System.Net;
using System.Text.Json;

namespace CompreFace.Node.Tests;

/// <summary>
/// The model identity (calculator, similarity coefficients) travels with each analysis result, so a front node follows
/// the inference tier when it changes embedder instead of searching under a calculator it learnt earlier
/// (docs/decisions/0018-face-results-and-model-identity.md).
/// </summary>
public sealed class ModelIdentityTests
{
    private const string DlibCalculator = "dlib.Calculator@dlib_resnet128_faceapi";

    [Fact]
    public async Task FrontNode_InferenceTierChangesEmbedder_RecognitionSearchesUnderTheNewCalculator()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync("cf_identity");

        // The front gets an empty models folder: it cannot know the model except from the inference tier.
        var noModels = Directory.CreateTempSubdirectory("cf-no-models-").FullName;
        try
        {
            var cluster = ClusterHarness.Settings(database.ConnectionString, database.DatabaseName);
            await using var front = await NodeProcess.StartAsync(With(cluster, ("Cluster:Role", "Front"), ("Models:Path", noModels)));
            using var http = new HttpClient { BaseAddress = front.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

            // Phase 1: MobileFaceNet on the inference tier; the front enrols and recognises under it.
            var mobileFaceNet = await NodeProcess.StartAsync(With(cluster, ("Cluster:Role", "Inference")), readyPath: "/health/ready");
            try
            {
                await WaitForCalculatorAsync(http, front, static v => v.Length > 0);
                await ClusterHarness.AddAsync(http, front.BaseAddress, "Rita", ClusterHarness.SamplePhoto("007_B.jpg"));
                Assert.Contains("\"Rita\"", await ClusterHarness.BestMatchAsync(http, front.BaseAddress, ClusterHarness.SamplePhoto("008_B.jpg")), StringComparison.Ordinal);
            }
            finally
            {
                await mobileFaceNet.TerminateAsync(TimeSpan.FromSeconds(30));
                await mobileFaceNet.DisposeAsync();
            }

            // Phase 2: the inference tier is replaced by one running dlib. Once a worker answers with the new model,
            // an example enrolled now is stored under dlib's calculator, and recognition must search under it too.
            await using var dlib = await NodeProcess.StartAsync(
                With(cluster, ("Cluster:Role", "Inference"), ("Inference:Embedder", "dlib")), readyPath: "/health/ready");
            await WaitForCalculatorAsync(http, front, static v => v == DlibCalculator);
            await ClusterHarness.AddAsync(http, front.BaseAddress, "Dlib Rita", ClusterHarness.SamplePhoto("007_B.jpg"));

            using var request = LoadGenerator.Upload(front.BaseAddress, "/api/v1/recognition/recognize?prediction_count=1", ClusterHarness.SamplePhoto("008_B.jpg"));
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body + "\n" + front.Output);
            using var json = JsonDocument.Parse(body);
            var subjects = json.RootElement.GetProperty("result")[0].GetProperty("subjects");
            Assert.True(subjects.GetArrayLength() == 1, "recognition after the embedder change found nothing: " + body);
            Assert.Equal("Dlib Rita", subjects[0].GetProperty("subject").GetString());
        }
        finally
        {
            Directory.Delete(noModels, recursive: true);
        }
    }

    /// <summary>
    /// Waits, bounded, until <c>/core/status</c> (which asks a worker on every call) names a calculator that
    /// <paramref name="expected"/> accepts: the front then reaches the inference node (membership has caught up).
    /// </summary>
    private static async Task WaitForCalculatorAsync(HttpClient http, NodeProcess front, Func<string, bool> expected)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var last = string.Empty;
        while (waited.Elapsed < TimeSpan.FromSeconds(90))
        {
            using var response = await http.GetAsync(new Uri("/core/status", UriKind.Relative));
            last = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                using var json = JsonDocument.Parse(last);
                if (expected(json.RootElement.GetProperty("calculator_version").GetString() ?? string.Empty))
                {
                    return;
                }
            }

            await Task.Delay(250);
        }

        Assert.Fail("the front never reached the expected inference node; last /core/status: " + last + "\n" + front.Output);
    }

    private static Dictionary<string, string> With(Dictionary<string, string> settings, params (string Key, string Value)[] more)
    {
        var all = new Dictionary<string, string>(settings);
        foreach (var (key, value) in more)
        {
            all[key] = value;
        }

        return all;
    }
}
