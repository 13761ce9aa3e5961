using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CompreFace.Node.Tests;

/// <summary>
/// A bulk enrolment (docs/decisions/0036-bulk-enrolment-pipeline.md) on the real executable survives a <c>kill -9</c> of its
/// node in the middle of the job: after the restart the job resumes with the files left, enrols no photo twice and ends with
/// every file in its report. And a bulk enrolment spread over a second, inference-only node
/// (docs/decisions/0037-jobs-over-every-inference-silo.md) completes with every file when that node is killed mid-job.
/// </summary>
public sealed partial class BulkEnrolmentResumeTests
{
    private const string DemoApp = "00000000-0000-0000-0000-000000000001";

    /// <summary>Files refused while the archive is read, with the reason the report must give.</summary>
    private static readonly Dictionary<string, string> Refused = new(StringComparer.Ordinal)
    {
        ["stray.jpg"] = "no_subject",
        ["Ann/empty.jpg"] = "bad_image",
    };

    [Fact]
    public async Task BulkEnrol_KillNineMidJob_ResumesAfterRestart_EnrolsNoPhotoTwice_AndReportsEveryFile()
    {
        var data = Directory.CreateTempSubdirectory("cf-enrol-resume-").FullName;
        try
        {
            var settings = new Dictionary<string, string>
            {
                ["Storage:DataDirectory"] = data,
                ["Logging:LogLevel:CompreFace.Grains.Jobs"] = "Information",
            };

            // Two rounds of the labelled photos under distinct subjects (enough work to be killed in the middle), and two refusals.
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
            {
                ["stray.jpg"] = await File.ReadAllBytesAsync(Paths.Photo("compreface-samples/sample_images/001_A.jpg")),
                ["Ann/empty.jpg"] = [],
            };
            foreach (var line in (await File.ReadAllLinesAsync(Paths.Photo("identities.csv"))).Skip(1).Select(l => l.Split(',')))
            {
                var photo = await File.ReadAllBytesAsync(Paths.Photo(line[0]));
                files[$"{line[1]}-0/{Path.GetFileName(line[0])}"] = photo;
                files[$"{line[1]}-1/{Path.GetFileName(line[0])}"] = photo;
            }


            Guid serviceId, jobId;
            string key;
            long processedAtKill;
            await using (var first = await NodeProcess.StartAsync(settings))
            {
                using var http = OwnerClient(first);
                await NodeOwner.SignInAsync(http);
                (serviceId, key) = await CreateServiceAsync(http);
                using (var body = new ByteArrayContent(TestArchives.Zip(files)))
                {
                    body.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
                    using var upload = await http.PostAsync(new Uri($"/admin/app/{DemoApp}/model/{serviceId}/enrol?name=resume.zip", UriKind.Relative), body);
                    var text = await upload.Content.ReadAsStringAsync();
                    Assert.True(upload.StatusCode == HttpStatusCode.Accepted, text);
                    jobId = JsonDocument.Parse(text).RootElement.GetProperty("jobId").GetGuid();
                }

                // kill -9 as soon as the first step of outcomes is stored, long before the end.
                var atKill = await WaitForAsync(http, first, serviceId, jobId, s => s.GetProperty("done").GetInt64() + s.GetProperty("failed").GetInt64() > 0);
                await first.KillAsync();
                processedAtKill = atKill.GetProperty("done").GetInt64() + atKill.GetProperty("failed").GetInt64();
                Assert.True(processedAtKill < files.Count, $"the job ended before the kill: {atKill}");
            }

            await using var second = await NodeProcess.StartAsync(settings);
            using var again = OwnerClient(second);
            await NodeOwner.SignInAsync(again, register: false);
            var end = await WaitForAsync(again, second, serviceId, jobId, s => s.GetProperty("state").GetString() is "completed" or "failed" or "cancelled");
            Assert.Equal("completed", end.GetProperty("state").GetString());
            Assert.Equal((files.Count, 0L), (end.GetProperty("total").GetInt64(), end.GetProperty("pending").GetInt64()));
            Assert.Equal(files.Count, end.GetProperty("done").GetInt64() + end.GetProperty("failed").GetInt64());

            // Resumed, not started over: the second run began with what the first had stored, and analysed only the rest.
            var resumedAt = ResumedAt().Match(second.Output);
            Assert.True(resumedAt.Success, second.Output);
            var processedAtStart = long.Parse(resumedAt.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.InRange(processedAtStart, processedAtKill, files.Count - 1);
            Assert.InRange(await AnalysesAsync(second), 1, files.Count - processedAtStart);

            // The full report: every file with an outcome; the refusals with their reasons.
            using var report = await again.GetAsync(new Uri($"/admin/app/{DemoApp}/model/{serviceId}/enrol/{jobId}/report", UriKind.Relative));
            var lines = (await report.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(l => l.Split(',')).ToDictionary(c => c[0], c => (Outcome: c[2], ImageId: c[3]), StringComparer.Ordinal);
            Assert.Equal(files.Keys.Order(StringComparer.Ordinal), lines.Keys.Order(StringComparer.Ordinal));
            Assert.DoesNotContain(lines.Values, l => l.Outcome == "pending");
            Assert.All(Refused, r => Assert.Equal(r.Value, lines[r.Key].Outcome));

            // No photo twice: the service holds exactly one example per file reported enrolled (or found enrolled by the
            // resumed run, when the kill fell between a step's faces and its outcomes).
            var enrolled = lines.Values.Where(l => l.Outcome is "enrolled" or "already_enrolled").Select(l => l.ImageId).Order(StringComparer.Ordinal).ToArray();
            Assert.True(enrolled.Length > files.Count / 2, string.Join('\n', lines.Select(l => $"{l.Key}: {l.Value.Outcome}")));
            Assert.Equal(enrolled, await ExampleIdsAsync(second, key));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task BulkEnrol_InferenceNodeKilledNineMidJob_AnalysesRanOnBothNodes_JobCompletesWithEveryFileOnce()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync("cf_spread");
        var cluster = new Dictionary<string, string>
        {
            ["ConnectionStrings:Postgres"] = database.ConnectionString,
            ["Cluster:Mode"] = "Postgres",
            ["Cluster:AdvertisedAddress"] = "127.0.0.1",
            ["Cluster:ClusterId"] = database.DatabaseName,
        };
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var line in (await File.ReadAllLinesAsync(Paths.Photo("identities.csv"))).Skip(1).Select(l => l.Split(',')))
        {
            var photo = await File.ReadAllBytesAsync(Paths.Photo(line[0]));
            files[$"{line[1]}-0/{Path.GetFileName(line[0])}"] = photo;
            files[$"{line[1]}-1/{Path.GetFileName(line[0])}"] = photo;
        }

        // A Full node (the job's) and an Inference node: before the spread, every analysis of the job stayed on the Full
        // node, whose own stateless worker Orleans prefers.
        await using var full = await NodeProcess.StartAsync(cluster);
        var inference = await NodeProcess.StartAsync(new Dictionary<string, string>(cluster) { ["Cluster:Role"] = "Inference" }, readyPath: "/health/ready");
        try
        {
            using var http = OwnerClient(full);
            await NodeOwner.SignInAsync(http);
            var (serviceId, key) = await CreateServiceAsync(http);
            Guid jobId;
            using (var body = new ByteArrayContent(TestArchives.Zip(files)))
            {
                body.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
                using var upload = await http.PostAsync(new Uri($"/admin/app/{DemoApp}/model/{serviceId}/enrol?name=spread.zip", UriKind.Relative), body);
                var text = await upload.Content.ReadAsStringAsync();
                Assert.True(upload.StatusCode == HttpStatusCode.Accepted, text);
                jobId = JsonDocument.Parse(text).RootElement.GetProperty("jobId").GetGuid();
            }

            // kill -9 the inference node once it has analysed photos of the job: it holds more in flight, whose answers
            // never come. The other node is polled, as the only signal another process gives.
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (await AnalysesAsync(inference) == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, $"the inference node analysed nothing\n{full.Output}");
                await Task.Delay(50);
            }

            await inference.KillAsync();
            var end = await WaitForAsync(http, full, serviceId, jobId, s => s.GetProperty("state").GetString() is "completed" or "failed" or "cancelled");
            Assert.True(end.GetProperty("state").GetString() == "completed", $"{end}\n{full.Output}");
            Assert.Equal((files.Count, 0L), (end.GetProperty("total").GetInt64(), end.GetProperty("pending").GetInt64()));

            // Every file has its outcome, and the service holds exactly one example per file reported enrolled.
            using var report = await http.GetAsync(new Uri($"/admin/app/{DemoApp}/model/{serviceId}/enrol/{jobId}/report", UriKind.Relative));
            var lines = (await report.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(l => l.Split(',')).ToDictionary(c => c[0], c => (Outcome: c[2], ImageId: c[3]), StringComparer.Ordinal);
            Assert.Equal(files.Keys.Order(StringComparer.Ordinal), lines.Keys.Order(StringComparer.Ordinal));
            var enrolled = lines.Values.Where(l => l.Outcome is "enrolled" or "already_enrolled").Select(l => l.ImageId).Order(StringComparer.Ordinal).ToArray();
            Assert.True(enrolled.Length > files.Count / 2, string.Join('\n', lines.Select(l => $"{l.Key}: {l.Value.Outcome}")));
            Assert.Equal(enrolled, await ExampleIdsAsync(full, key));
        }
        finally
        {
            await inference.DisposeAsync();
        }
    }

    [GeneratedRegex(@"Bulk enrolment \S+ into \S+: \d+ files, (\d+) already processed")]
    private static partial Regex ResumedAt();

    private static HttpClient OwnerClient(NodeProcess node) =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };

    private static async Task<(Guid Id, string Key)> CreateServiceAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync($"/admin/app/{DemoApp}/model", new { name = "resumed", type = "RECOGNITION" });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var json = JsonDocument.Parse(text);
        return (json.RootElement.GetProperty("id").GetGuid(), json.RootElement.GetProperty("apiKey").GetString()!);
    }

    /// <summary>Polls the job's status (as the UI does) until <paramref name="until"/> holds; the deadline only bounds a hang.</summary>
    private static async Task<JsonElement> WaitForAsync(HttpClient http, NodeProcess node, Guid serviceId, Guid jobId, Func<JsonElement, bool> until)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var status = await http.GetFromJsonAsync<JsonElement>(new Uri($"/admin/app/{DemoApp}/model/{serviceId}/enrol/{jobId}", UriKind.Relative));
            if (until(status))
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the job did not get there: {status}\n{node.Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>Photos this node analysed (its own decode count on /metrics; 0 before its first).</summary>
    private static async Task<long> AnalysesAsync(NodeProcess node)
    {
        using var http = new HttpClient { BaseAddress = node.BaseAddress };
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var count = Regex.Match(metrics, @"^compreface_stage_duration_seconds_count\{[^}]*stage=""decode""[^}]*\} (\S+)", RegexOptions.Multiline);
        return count.Success ? (long)double.Parse(count.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    private static async Task<string[]> ExampleIdsAsync(NodeProcess node, string key)
    {
        using var http = new HttpClient { BaseAddress = node.BaseAddress };
        http.DefaultRequestHeaders.Add("x-api-key", key);
        var page = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/recognition/faces?size=1000", UriKind.Relative));
        return [.. page.GetProperty("faces").EnumerateArray().Select(f => f.GetProperty("image_id").GetString()!).Order(StringComparer.Ordinal)];
    }
}
