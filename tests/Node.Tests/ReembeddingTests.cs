using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace CompreFace.Node.Tests;

/// <summary>
/// Re-embedding without downtime on the real executable (docs/decisions/0034-jobs-and-re-embedding.md): faces enrolled
/// with dlib, the node restarted with MobileFaceNet, <c>POST /api/v1/migrate</c>, recognition and an add running
/// throughout, a <c>kill -9</c> in the middle. <c>COMPREFACE_REEMBED_FACES</c> sets the number of faces (default 60 for CI; the issue's 200: docs/performance.md).
/// </summary>
public sealed partial class ReembeddingTests(ITestOutputHelper output)
{
    private const string DlibCalculator = "dlib.Calculator@dlib_resnet128_faceapi";

    [Fact]
    public Task Migrate_DlibToMobileFaceNet_WithKillNine_ServesThroughoutResumesWithoutRepeatsAndRecognisesEveryone() => MigrateWithKillNineAsync(null);

    [Fact]
    public async Task Migrate_DlibToMobileFaceNetOnPostgres_WithKillNine_ServesThroughoutResumesWithoutRepeatsAndRecognisesEveryone()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync("cf_reembed");
        await MigrateWithKillNineAsync(database.ConnectionString);
    }

    /// <summary>The whole scenario on the embedded SQLite store, or on PostgreSQL when <paramref name="postgres"/> is given.</summary>
    private async Task MigrateWithKillNineAsync(string? postgres)
    {
        var faceCount = int.TryParse(Environment.GetEnvironmentVariable("COMPREFACE_REEMBED_FACES"), CultureInfo.InvariantCulture, out var n) ? n : 60;
        var dataDirectory = Directory.CreateTempSubdirectory("cf-reembed-").FullName;
        try
        {
            var settings = new Dictionary<string, string>
            {
                ["Storage:DataDirectory"] = dataDirectory,
                ["Logging:LogLevel:CompreFace.Grains.Jobs"] = "Information",
                ["Reembedding:ResumeInterval"] = "00:00:02",
            };
            if (postgres is not null)
            {
                settings["ConnectionStrings:Postgres"] = postgres;
            }

            // 1. Enrol with dlib: every single-face photo of the labelled identities once, then again until faceCount.
            var enrolled = new Dictionary<string, byte[]>();
            await using (var dlib = await NodeProcess.StartAsync(With(settings, ("Inference:Embedder", "dlib"))))
            {
                using var http = Client(dlib);
                var photos = Identities().ToList();
                var accepted = new ConcurrentBag<(string Identity, byte[] Photo)>();
                await Parallel.ForEachAsync(photos, new ParallelOptions { MaxDegreeOfParallelism = 3 }, async (p, _) =>
                {
                    if (await TryAddAsync(http, dlib.BaseAddress, p.Identity, p.Photo) is not null)
                    {
                        accepted.Add(p);
                    }
                });
                var repeats = accepted.OrderBy(a => a.Identity, StringComparer.Ordinal).ToList();
                Assert.True(repeats.Count >= 30, $"only {repeats.Count} photos could be enrolled:\n{dlib.Output}");
                await Parallel.ForEachAsync(Enumerable.Range(0, Math.Max(0, faceCount - repeats.Count)), new ParallelOptions { MaxDegreeOfParallelism = 3 }, async (i, _) =>
                {
                    var (identity, photo) = repeats[i % repeats.Count];
                    Assert.NotNull(await TryAddAsync(http, dlib.BaseAddress, identity, photo));
                });
                foreach (var (identity, photo) in repeats)
                {
                    enrolled.TryAdd(identity, photo);
                }

                await dlib.TerminateAsync(TimeSpan.FromSeconds(30));
            }

            var total = Math.Max(faceCount, enrolled.Count);

            // 2. MobileFaceNet now: the stored faces are dlib's. Start the migration and recognise all along.
            var mobile = await NodeProcess.StartAsync(settings);
            var probes = enrolled.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();

            // The first photo is added again during the migration under another name: the loop leaves it out.
            var loopProbes = probes.Skip(1).ToList();
            using var recognitionHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            recognitionHttp.DefaultRequestHeaders.Add("x-api-key", "00000000-0000-0000-0000-000000000002");
            var current = mobile.BaseAddress;
            var failures = new ConcurrentQueue<string>();
            var recognitions = 0;
            using var stop = new CancellationTokenSource();
            var paused = new SemaphoreSlim(1, 1);
            var recognizing = Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    await paused.WaitAsync();
                    try
                    {
                        var (identity, photo) = loopProbes[i % loopProbes.Count];
                        using var request = LoadGenerator.Upload(current, "/api/v1/recognition/recognize?prediction_count=1", photo);
                        using var response = await recognitionHttp.SendAsync(request);
                        var body = await response.Content.ReadAsStringAsync();
                        if (response.StatusCode != HttpStatusCode.OK || !body.Contains($"\"subject\":\"{identity}\"", StringComparison.Ordinal))
                        {
                            failures.Enqueue($"{response.StatusCode} for {identity}: {body}");
                        }

                        Interlocked.Increment(ref recognitions);
                    }
                    finally
                    {
                        paused.Release();
                    }
                }
            });

            try
            {
                using var http = Client(mobile);
                using (var started = await http.PostAsync(new Uri("/api/v1/migrate", UriKind.Relative), null))
                {
                    Assert.Equal(HttpStatusCode.OK, started.StatusCode);
                    Assert.Equal("Migration started", await started.Content.ReadAsStringAsync());
                }

                using (var again = await http.PostAsync(new Uri("/api/v1/migrate", UriKind.Relative), null))
                {
                    var body = await again.Content.ReadAsStringAsync();
                    Assert.True(again.StatusCode == HttpStatusCode.BadRequest, body);
                    Assert.Contains("\"code\":27", body, StringComparison.Ordinal);
                }

                // A write while it runs is accepted (CompreFace refuses it with 405 code 32) and embedded with both models.
                Assert.NotNull(await TryAddAsync(http, mobile.BaseAddress, "Late Arrival", probes[0].Value));
                total++;

                // 3. kill -9 once some faces are done.
                var doneAtKill = await WaitForProgressAsync(http, mobile, p => p.Done >= total / 4 && p.Done < total - 20, TimeSpan.FromMinutes(4));
                await paused.WaitAsync();
                await mobile.KillAsync();
                var firstRun = mobile.Output;
                await mobile.DisposeAsync();
                mobile = await NodeProcess.StartAsync(settings);
                current = mobile.BaseAddress;
                paused.Release();

                // 4. It resumes by itself and completes; the switch is atomic for the recognitions running meanwhile.
                using var http2 = Client(mobile);
                var finished = await WaitForProgressAsync(http2, mobile, p => p.State == "completed", TimeSpan.FromMinutes(6));
                Assert.Equal((total, 0L, 100.0), (finished.Done, finished.Failed, finished.Percent));

                var resumedFrom = long.Parse(Resumed().Matches(mobile.Output).First().Groups["done"].Value, CultureInfo.InvariantCulture);
                var embeddedAfterKill = long.Parse(Completed().Match(mobile.Output).Groups["run"].Value, CultureInfo.InvariantCulture);
                Assert.True(resumedFrom >= doneAtKill.Done, $"resumed from {resumedFrom}, {doneAtKill.Done} were done at the kill");
                Assert.Equal(total - resumedFrom, embeddedAfterKill);
                Assert.Contains("already re-embedded", firstRun, StringComparison.Ordinal);

                await stop.CancelAsync();
                await recognizing;
                Assert.True(failures.IsEmpty, $"{failures.Count} of {recognitions} recognitions failed, e.g. {failures.FirstOrDefault()}");
                Assert.True(recognitions > 10, $"only {recognitions} recognitions ran");
                output.WriteLine($"{total} faces; killed at {doneAtKill.Done} done, resumed from {resumedFrom}, {embeddedAfterKill} embedded after the restart; {recognitions} recognitions, {failures.Count} failed");

                // 5. Every identity, and the face added during the migration, is recognised under the new model.
                foreach (var (identity, photo) in probes)
                {
                    using var request = LoadGenerator.Upload(mobile.BaseAddress, "/api/v1/recognition/recognize?prediction_count=2&unique_subjects=true", photo);
                    using var response = await http2.SendAsync(request);
                    var body = await response.Content.ReadAsStringAsync();
                    Assert.True(response.StatusCode == HttpStatusCode.OK, body);
                    Assert.Contains($"\"subject\":\"{identity}\"", body, StringComparison.Ordinal);
                    if (identity == probes[0].Key)
                    {
                        Assert.Contains("\"subject\":\"Late Arrival\"", body, StringComparison.Ordinal);
                    }
                }

                using var status = JsonDocument.Parse(await http2.GetStringAsync(new Uri("/api/v1/consistence/status", UriKind.Relative)));
                Assert.False(status.RootElement.GetProperty("demoFaceCollectionIsInconsistent").GetBoolean());
                Assert.NotEqual(DlibCalculator, status.RootElement.GetProperty("migrations")[0].GetProperty("toModel").GetString());
            }
            finally
            {
                await stop.CancelAsync();
                await recognizing.WaitAsync(TimeSpan.FromSeconds(90)).ContinueWith(_ => { }, TaskScheduler.Default);
                await mobile.DisposeAsync();
            }
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private sealed record Progress(string State, long Done, long Failed, long Total, double Percent);

    private static async Task<Progress> WaitForProgressAsync(HttpClient http, NodeProcess node, Func<Progress, bool> until, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var last = string.Empty;
        while (clock.Elapsed < timeout)
        {
            last = await http.GetStringAsync(new Uri("/api/v1/consistence/status", UriKind.Relative));
            using var json = JsonDocument.Parse(last);
            if (json.RootElement.GetProperty("migrations") is { ValueKind: JsonValueKind.Array } list && list.GetArrayLength() > 0)
            {
                var m = list[0];
                var progress = new Progress(
                    m.GetProperty("state").GetString()!, m.GetProperty("done").GetInt64(), m.GetProperty("failed").GetInt64(),
                    m.GetProperty("total").GetInt64(), m.GetProperty("percent").GetDouble());
                if (until(progress))
                {
                    return progress;
                }
            }

            await Task.Delay(200);
        }

        Assert.Fail($"the migration did not get there in {timeout}; last status: {last}\n{node.Output}");
        return null!;
    }

    /// <summary>Adds a face; null when the photo is refused (no face, several faces).</summary>
    private static async Task<string?> TryAddAsync(HttpClient http, Uri node, string subject, byte[] photo)
    {
        using var request = LoadGenerator.Upload(node, $"/api/v1/recognition/faces?subject={Uri.EscapeDataString(subject)}", photo);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.BadRequest)
        {
            return null;
        }

        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("image_id").GetString();
    }

    /// <summary>The labelled photos (originals, not derivatives) of modest size, with their identity.</summary>
    private static IEnumerable<(string Identity, byte[] Photo)> Identities() =>
        File.ReadLines(Paths.Photo("identities.csv")).Skip(1)
            .Select(line => line.Split(','))
            .Where(f => f.Length < 5 || f[4].Length == 0)
            .Where(f => new FileInfo(Paths.Photo(f[0])).Length < 600_000)
            .Select(f => (f[1], File.ReadAllBytes(Paths.Photo(f[0]))));

    private static HttpClient Client(NodeProcess node)
    {
        var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("x-api-key", "00000000-0000-0000-0000-000000000002");
        return http;
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

    [GeneratedRegex(@"running: (?<done>\d+) of (?<total>\d+) faces already re-embedded")]
    private static partial Regex Resumed();

    [GeneratedRegex(@"completed: \d+ faces switched, \d+ reported; (?<run>\d+) embedded by this run")]
    private static partial Regex Completed();
}
