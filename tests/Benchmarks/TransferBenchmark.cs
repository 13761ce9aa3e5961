using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace CompreFace.Benchmarks;

/// <summary>
/// Collection archives (docs/export-format.md) on a real node: <c>transfer</c> bulk-loads N random faces into
/// PostgreSQL, then exports the collection over HTTP to a file and imports that file into a fresh service, reporting
/// seconds, archive size and the node's peak resident memory during each; <c>enrol</c> adds the labelled photos of
/// shared/data once one request per photo (8 clients) and once as one bulk-enrolment archive, in the same run.
/// </summary>
internal static class TransferBenchmark
{
    private const string Email = "bench@example.com";
    private const string Password = "bench-password-1";
    private static readonly Guid DemoApp = Guid.Parse("00000000-0000-0000-0000-000000000001");
    private static readonly Guid DemoService = Guid.Parse("00000000-0000-0000-0000-000000000001");

    /// <summary><c>transfer</c>: export and import of N faces (<c>--sizes</c>) on PostgreSQL.</summary>
    public static async Task RunTransferAsync(BenchSettings settings, string server, string? siloDll)
    {
        var calculator = CollectionBenchmark.CurrentCalculator();
        Console.WriteLine("| faces | export (s) | archive (MB) | node peak RSS during export (MB) | import (s) | node peak RSS during import (MB) | node RSS before (MB) |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var n in settings.Sizes)
        {
            await using var database = await PostgresServer.CreateDatabaseAsync($"cf_bench_transfer_{n}", server);
            await CollectionBenchmark.BulkLoadAsync(database.ConnectionString, n, calculator);
            await using var node = await SiloProcess.StartAsync(SharedData.Root, new Dictionary<string, string> { ["ConnectionStrings:Postgres"] = database.ConnectionString }, siloDll);
            using var http = await OwnerClientAsync(node);
            var before = node.ResidentBytes();
            var file = Path.Combine(Path.GetTempPath(), $"cf-bench-export-{n}.tar");
            try
            {
                var (exportSeconds, exportPeak) = await WithPeakMemoryAsync(node, async () =>
                {
                    using var response = await http.GetAsync(new Uri($"/admin/app/{DemoApp}/model/{DemoService}/export", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
                    response.EnsureSuccessStatusCode();
                    await using var output = File.Create(file);
                    await response.Content.CopyToAsync(output);
                });
                var size = new FileInfo(file).Length;

                using var created = await http.PostAsJsonAsync(new Uri($"/admin/app/{DemoApp}/model", UriKind.Relative), new { name = "imported", type = "RECOGNITION" });
                created.EnsureSuccessStatusCode();
                var target = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
                string answer = string.Empty;
                var (importSeconds, importPeak) = await WithPeakMemoryAsync(node, async () =>
                {
                    await using var input = File.OpenRead(file);
                    using var content = new StreamContent(input, 1 << 20);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
                    using var response = await http.PostAsync(new Uri($"/admin/app/{DemoApp}/model/{target}/import", UriKind.Relative), content);
                    answer = await response.Content.ReadAsStringAsync();
                    if (!response.IsSuccessStatusCode)
                    {
                        throw new InvalidOperationException($"import: {response.StatusCode} {answer}");
                    }
                });
                var added = JsonDocument.Parse(answer).RootElement.GetProperty("facesAdded").GetInt64();
                if (added != n)
                {
                    throw new InvalidOperationException($"import stored {added} of {n} faces: {answer}");
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {n:N0} | {exportSeconds:F1} | {size / 1e6:F0} | {exportPeak / 1e6:F0} | {importSeconds:F1} | {importPeak / 1e6:F0} | {before / 1e6:F0} |"));
            }
            finally
            {
                File.Delete(file);
            }
        }
    }

    /// <summary><c>enrol</c>: the labelled photos (<c>--iterations</c> rounds under distinct subject names) one request at a time vs one archive.</summary>
    public static async Task RunEnrolAsync(BenchSettings settings, string? siloDll)
    {
        var rows = (await File.ReadAllLinesAsync(Path.Combine(SharedData.Root, "data", "identities.csv"))).Skip(1).Select(l => l.Split(','))
            .Select(c => (Identity: c[1], Path: c[0], Bytes: File.ReadAllBytes(Path.Combine(SharedData.Root, "data", c[0])))).ToArray();
        var rounds = Math.Max(1, settings.Iterations);
        var photos = Enumerable.Range(0, rounds).SelectMany(r => rows.Select(p => (Subject: $"{p.Identity}-r{r}", p.Path, p.Bytes))).ToArray();
        await using var node = await SiloProcess.StartAsync(SharedData.Root, null, siloDll);
        using var http = await OwnerClientAsync(node);
        var app = DemoApp;
        var (_, perRequestKey) = await CreateServiceAsync(http, app, "per-request");
        var (bulkId, _) = await CreateServiceAsync(http, app, "bulk");

        // One request per photo, 8 clients (the issue's measurement: 91 faces/s on 2 cores).
        var next = -1;
        var added = 0;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(async _ =>
        {
            using var client = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
            client.DefaultRequestHeaders.Add("x-api-key", perRequestKey);
            int i;
            while ((i = Interlocked.Increment(ref next)) < photos.Length)
            {
                using var form = new MultipartFormDataContent();
                var file = new ByteArrayContent(photos[i].Bytes);
                file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                form.Add(file, "file", "photo.jpg");
                using var response = await client.PostAsync(new Uri($"/api/v1/recognition/faces?subject={Uri.EscapeDataString(photos[i].Subject)}", UriKind.Relative), form);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    Interlocked.Increment(ref added);
                }
            }
        }));
        var perRequestSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        // One archive: upload, then poll until the job ends.
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (subject, path, bytes) in photos)
            {
                await using var entry = await archive.CreateEntry($"{subject}/{Path.GetFileName(path)}", CompressionLevel.NoCompression).OpenAsync();
                await entry.WriteAsync(bytes);
            }
        }

        started = Stopwatch.GetTimestamp();
        using var body = new ByteArrayContent(zip.ToArray());
        body.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        using var upload = await http.PostAsync(new Uri($"/admin/app/{app}/model/{bulkId}/enrol", UriKind.Relative), body);
        var job = (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetGuid();
        JsonElement status;
        while (true)
        {
            status = await http.GetFromJsonAsync<JsonElement>(new Uri($"/admin/app/{app}/model/{bulkId}/enrol/{job}", UriKind.Relative));
            if (status.GetProperty("state").GetString() is "completed" or "failed" or "cancelled")
            {
                break;
            }

            await Task.Delay(100);
        }

        var bulkSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var enrolled = status.GetProperty("enrolled").GetInt64();
        Console.WriteLine("| path | photos | faces added | seconds | faces/s |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| one request per photo, {settings.Concurrency} clients | {photos.Length} | {added} | {perRequestSeconds:F1} | {added / perRequestSeconds:F1} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| bulk enrolment (one zip, upload to completion) | {photos.Length} | {enrolled} | {bulkSeconds:F1} | {enrolled / bulkSeconds:F1} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio bulk / per-request: {enrolled / bulkSeconds / (added / perRequestSeconds):F2}; job state {status.GetProperty("state").GetString()}"));
    }

    /// <summary>Runs <paramref name="work"/> while sampling the node's resident memory every 100 ms; returns seconds and the peak.</summary>
    private static async Task<(double Seconds, long Peak)> WithPeakMemoryAsync(SiloProcess node, Func<Task> work)
    {
        long peak = node.ResidentBytes();
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, node.ResidentBytes());
                await Task.Delay(100, CancellationToken.None);
            }
        });
        var started = Stopwatch.GetTimestamp();
        await work();
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await stop.CancelAsync();
        await sampler;
        return (seconds, Math.Max(peak, node.ResidentBytes()));
    }

    /// <summary>Signs up the node's owner (from loopback) and returns a client with the session cookies.</summary>
    private static async Task<HttpClient> OwnerClientAsync(SiloProcess node)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromHours(2) };
        using (var register = await http.PostAsJsonAsync(new Uri("/admin/user/register", UriKind.Relative), new { email = Email, password = Password, firstName = "Bench", lastName = "Owner" }))
        {
            register.EnsureSuccessStatusCode();
        }

        using var login = new HttpRequestMessage(HttpMethod.Post, "/admin/oauth/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = Email, ["password"] = Password }),
        };
        login.Headers.Authorization = new AuthenticationHeaderValue("Basic", "Q29tbW9uQ2xpZW50SWQ6cGFzc3dvcmQ=");
        using var response = await http.SendAsync(login);
        response.EnsureSuccessStatusCode();
        return http;
    }

    private static async Task<(Guid Id, string Key)> CreateServiceAsync(HttpClient http, Guid app, string name)
    {
        using var response = await http.PostAsJsonAsync(new Uri($"/admin/app/{app}/model", UriKind.Relative), new { name, type = "RECOGNITION" });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetGuid(), body.GetProperty("apiKey").GetString()!);
    }
}
