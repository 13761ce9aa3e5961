using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace CompreFace.Node.Tests;

/// <summary>
/// <c>Cluster:Role</c>: a front node without models and an inference-only node, two real processes in one cluster
/// on PostgreSQL. The front serves the API and holds the collection; every model runs on the inference node.
/// </summary>
public sealed class NodeRoleTests
{
    [Fact]
    public async Task FrontAndInferenceNodes_DetectEnrolAndRecognize_ModelsRunOnlyOnTheInferenceNode()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync("cf_roles");

        // The front gets an empty models folder: it would fail its start if it tried to load a model.
        var noModels = Directory.CreateTempSubdirectory("cf-no-models-").FullName;
        try
        {
            var cluster = new Dictionary<string, string>
            {
                ["ConnectionStrings:Postgres"] = database.ConnectionString,
                ["Cluster:Mode"] = "Postgres",
                ["Cluster:AdvertisedAddress"] = "127.0.0.1",
                ["Cluster:ClusterId"] = database.DatabaseName,
            };
            // The front first: alone, it is ready (it serves listings) but reports inference as Degraded.
            await using var front = await NodeProcess.StartAsync(With(cluster, ("Cluster:Role", "Front"), ("Models:Path", noModels)));
            using var frontHttp = new HttpClient { BaseAddress = front.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
            Assert.Equal("Degraded", await InferenceCheckAsync(frontHttp));

            await using var inference = await NodeProcess.StartAsync(With(cluster, ("Cluster:Role", "Inference")), readyPath: "/health/ready");
            using var inferenceHttp = new HttpClient { BaseAddress = inference.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

            // The front learns of the new silo's grain classes through membership; wait for that, bounded. The front is
            // another process whose only signal is its health endpoint, so this polls it (no event crosses the process).
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (await InferenceCheckAsync(frontHttp) != "Healthy")
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), "the front never saw the inference node\n" + front.Output);
                await Task.Delay(200);
            }

            using (var detect = await frontHttp.SendAsync(Upload("/api/v1/detection/detect", "007_B.jpg", "00000000-0000-0000-0000-000000000003")))
            {
                Assert.True(detect.StatusCode == HttpStatusCode.OK, await detect.Content.ReadAsStringAsync() + "\n" + front.Output);
                using var body = JsonDocument.Parse(await detect.Content.ReadAsStringAsync());
                Assert.Equal(1, body.RootElement.GetProperty("result").GetArrayLength());
            }

            using (var add = await frontHttp.SendAsync(Upload("/api/v1/recognition/faces?subject=Rita", "007_B.jpg", "00000000-0000-0000-0000-000000000002")))
            {
                Assert.Equal(HttpStatusCode.Created, add.StatusCode);
            }

            using (var recognize = await frontHttp.SendAsync(Upload("/api/v1/recognition/recognize", "008_B.jpg", "00000000-0000-0000-0000-000000000002")))
            {
                using var body = JsonDocument.Parse(await recognize.Content.ReadAsStringAsync());
                var best = body.RootElement.GetProperty("result")[0].GetProperty("subjects")[0];
                Assert.Equal("Rita", best.GetProperty("subject").GetString());
            }

            // Three images decoded, all on the inference node; the search ran where the collection lives (the front,
            // the only node that hosts collections).
            var inferenceMetrics = await inferenceHttp.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            var frontMetrics = await frontHttp.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal(3, Count(inferenceMetrics, "decode"));
            Assert.Equal(0, Count(frontMetrics, "decode"));
            Assert.Equal(1, Count(frontMetrics, "search"));
            Assert.Equal(0, Count(inferenceMetrics, "search"));

            // The inference node serves no API.
            using var direct = await inferenceHttp.SendAsync(Upload("/api/v1/detection/detect", "007_B.jpg", "00000000-0000-0000-0000-000000000003"));
            Assert.Equal(HttpStatusCode.NotFound, direct.StatusCode);
        }
        finally
        {
            Directory.Delete(noModels, recursive: true);
        }
    }

    /// <summary>The front's <c>inference</c> readiness entry; readiness itself stays 200 either way.</summary>
    private static async Task<string?> InferenceCheckAsync(HttpClient front)
    {
        using var response = await front.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("checks").GetProperty("inference").GetString();
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

    private static HttpRequestMessage Upload(string url, string photo, string apiKey)
    {
        var image = new ByteArrayContent(File.ReadAllBytes(Paths.Photo("compreface-samples/sample_images/" + photo)));
        image.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url, UriKind.Relative))
        {
            Content = new MultipartFormDataContent { { image, "file", photo } },
        };
        request.Headers.Add("x-api-key", apiKey);
        return request;
    }

    /// <summary>The count of the stage histogram in a Prometheus scrape; 0 when the series is absent.</summary>
    private static long Count(string scrape, string stage)
    {
        var prefix = $"compreface_stage_duration_seconds_count{{otel_scope_name=\"CompreFace\",stage=\"{stage}\"}} ";
        var line = scrape.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[prefix.Length..], CultureInfo.InvariantCulture);
    }
}
