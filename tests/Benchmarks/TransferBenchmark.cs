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
/// PostgreSQL, then exports the collection over HTTP to a file, exports it again (the collection now resident: the
/// export's own memory) and imports the file into a fresh service, reporting seconds, archive size and the node's
/// memory during each; <c>enrol</c> adds the labelled photos of
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
        var load = await CompareBenchmark.LoadAverageAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# transfer {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {load} at start"));
        Console.WriteLine("| faces | export (s) | archive (MB) | node peak RSS during export (MB) | export again (s) | RSS growth during it (MB) | managed heap after GC before / peak during it (MB) | import (s) | node peak RSS during import (MB) | node RSS before (MB) |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |");
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

                // The export's own memory, apart from the collection it activates: the same export again, the collection's
                // shards now resident, with the node's managed heap after each GC sampled from its /metrics.
                var again = Path.Combine(Path.GetTempPath(), $"cf-bench-export-{n}-again.tar");
                var heapBefore = await HeapAfterGcAsync(http);
                var heapPeak = heapBefore;
                var residentBefore = node.ResidentBytes();
                double againSeconds;
                long againPeak;
                using (var sampling = new CancellationTokenSource())
                {
                    var sampler = Task.Run(async () =>
                    {
                        while (!sampling.IsCancellationRequested)
                        {
                            heapPeak = Math.Max(heapPeak, await HeapAfterGcAsync(http));
                            await Task.Delay(500, CancellationToken.None);
                        }
                    });
                    (againSeconds, againPeak) = await WithPeakMemoryAsync(node, async () =>
                    {
                        using var response = await http.GetAsync(new Uri($"/admin/app/{DemoApp}/model/{DemoService}/export", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
                        response.EnsureSuccessStatusCode();
                        await using var output = File.Create(again);
                        await response.Content.CopyToAsync(output);
                    });
                    await sampling.CancelAsync();
                    await sampler;
                    File.Delete(again);
                }

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
                    $"| {n:N0} | {exportSeconds:F1} | {size / 1e6:F0} | {exportPeak / 1e6:F0} | {againSeconds:F1} | {(againPeak - residentBefore) / 1e6:F0} | {heapBefore / 1e6:F0} / {heapPeak / 1e6:F0} | {importSeconds:F1} | {importPeak / 1e6:F0} | {before / 1e6:F0} |"));
            }
            finally
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>
    /// <c>enrol</c>: the labelled photos (<c>--iterations</c> rounds under distinct subject names) one request at a time, then as one
    /// archive, then one request at a time again (A-B-A, so a drift of the shared machine's load shows), each into its own service,
    /// after a warm-up of both paths. Per path: seconds, faces/s, the node's CPU per photo and its own stage means (its /metrics).
    /// </summary>
    public static async Task RunEnrolAsync(BenchSettings settings, string? siloDll)
    {
        var rows = (await File.ReadAllLinesAsync(Path.Combine(SharedData.Root, "data", "identities.csv"))).Skip(1).Select(l => l.Split(','))
            .Select(c => (Identity: c[1], Path: c[0], Bytes: File.ReadAllBytes(Path.Combine(SharedData.Root, "data", c[0])))).ToArray();
        var rounds = Math.Max(1, settings.Iterations);
        var photos = Enumerable.Range(0, rounds).SelectMany(r => rows.Select(p => (Subject: $"{p.Identity}-r{r}", p.Path, p.Bytes))).ToArray();
        // The bulk job logs where its time went (its stage line, docs/performance.md).
        await using var node = await SiloProcess.StartAsync(SharedData.Root, new Dictionary<string, string> { ["Logging:LogLevel:CompreFace.Grains.Jobs"] = "Information" }, siloDll);
        using var http = await OwnerClientAsync(node);
        var app = DemoApp;

        // Warm-up: both paths over --warmup rounds of photos (JIT and its tiering, ONNX sessions, store), so neither measured
        // path pays for it; the node kept getting cheaper per photo for tens of seconds after its first requests.
        var warmup = Enumerable.Range(0, Math.Max(1, settings.Warmup)).SelectMany(r => rows.Select(p => (Subject: $"{p.Identity}-w{r}", p.Path, p.Bytes))).ToArray();
        var warmupKey = (await CreateServiceAsync(http, app, "warm-up-requests")).Key;
        await PerRequestAsync(node, warmupKey, warmup, settings.Concurrency);
        await BulkAsync(http, app, (await CreateServiceAsync(http, app, "warm-up-bulk")).Id, warmup);

        var load = await CompareBenchmark.LoadAverageAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# enrol {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {load} at start; {photos.Length} photos ({photos.Sum(p => p.Bytes.Length) / 1e6:F0} MB)"));
        Console.WriteLine();
        Console.WriteLine("| path | photos | faces added | seconds | faces/s | node CPU ms / photo | node stages decode / detect / embed ms | allocated MB / photo | gen-2 GCs | GC pause ms | load average |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |");
        var perRequest = new List<double>();
        double bulkRate = 0;
        foreach (var bulk in new[] { false, true, false })
        {
            var (id, key) = await CreateServiceAsync(http, app, bulk ? "bulk" : $"per-request-{perRequest.Count}");
            var stagesBefore = await CompareBenchmark.StageSumsAsync(http);
            var gcBefore = await GcAsync(http);
            var cpuBefore = node.CpuTime;
            var started = Stopwatch.GetTimestamp();
            string name;
            long added;
            if (bulk)
            {
                var (enrolled, uploadSeconds, state) = await BulkAsync(http, app, id, photos);
                added = enrolled;
                name = string.Create(CultureInfo.InvariantCulture, $"bulk enrolment (one zip; upload {uploadSeconds:F1} s of it; job {state})");
            }
            else
            {
                added = await PerRequestAsync(node, key, photos, settings.Concurrency);
                name = $"one request per photo, {settings.Concurrency} clients";
            }

            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var cpu = (node.CpuTime - cpuBefore).TotalMilliseconds / photos.Length;
            var stages = CompareBenchmark.StageMeans(stagesBefore, await CompareBenchmark.StageSumsAsync(http));
            var gc = await GcAsync(http);
            if (bulk)
            {
                bulkRate = added / seconds;
            }
            else
            {
                perRequest.Add(added / seconds);
            }

            load = await CompareBenchmark.LoadAverageAsync();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {photos.Length} | {added} | {seconds:F1} | {added / seconds:F1} | {cpu:F1} | {CompareBenchmark.StageText(stages)} | " +
                $"{(gc.Allocated - gcBefore.Allocated) / 1e6 / photos.Length:F2} | {gc.Gen2 - gcBefore.Gen2:F0} | {(gc.PauseSeconds - gcBefore.PauseSeconds) * 1000:F0} | {load} |"));
        }

        Console.WriteLine();
        foreach (var line in node.Output.Where(l => l.Contains("stages: wall", StringComparison.Ordinal)).Skip(1))
        {
            Console.WriteLine("bulk job:" + line);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio bulk / per-request: {bulkRate / perRequest.Average():F2} (against the mean of the two per-request runs; {bulkRate / perRequest.Max():F2} against the faster)"));

        // Serving during a job (not part of the ratio): one client recognises the load-test face while one round is enrolled in bulk.
        var probe = await File.ReadAllBytesAsync(Path.Combine(SharedData.Root, "data/compreface-samples/load-tests/detect_FACE_1.jpg"));
        var idle = await RecogniseForAsync(node, warmupKey, probe, () => Task.Delay(TimeSpan.FromSeconds(5)));
        var serving = (await CreateServiceAsync(http, app, "bulk-serving")).Id;
        var during = await RecogniseForAsync(node, warmupKey, probe, () => BulkAsync(http, app, serving, [.. warmup.Select(w => (w.Subject + "s", w.Path, w.Bytes))]));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"recognition (1 client, detect_FACE_1.jpg) idle: {idle.Latencies.Count} requests, {idle.Errors} failed, median {idle.Latencies.Median:F0} ms, p95 {idle.Latencies.P95:F0} ms; " +
            $"during a bulk job of {warmup.Length} photos: {during.Latencies.Count} requests, {during.Errors} failed, median {during.Latencies.Median:F0} ms, p95 {during.Latencies.P95:F0} ms"));
    }

    /// <summary>Recognises <paramref name="photo"/> in a loop while <paramref name="work"/> runs; returns the latencies (ms) and the failed requests.</summary>
    private static async Task<(Stats Latencies, int Errors)> RecogniseForAsync(SiloProcess node, string key, byte[] photo, Func<Task> work)
    {
        var until = work();
        using var client = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromMinutes(1) };
        client.DefaultRequestHeaders.Add("x-api-key", key);
        var latencies = new List<double>();
        var errors = 0;
        while (!until.IsCompleted)
        {
            using var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(photo);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(file, "file", "photo.jpg");
            var started = Stopwatch.GetTimestamp();
            using var response = await client.PostAsync(new Uri("/api/v1/recognition/recognize", UriKind.Relative), form, CancellationToken.None);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            errors += response.IsSuccessStatusCode ? 0 : 1;
        }

        await until;
        return (Stats.Of([.. latencies]), errors);
    }

    /// <summary>The node's garbage collector so far (its /metrics): bytes allocated, gen-2 collections, seconds paused.</summary>
    private static async Task<(double Allocated, double Gen2, double PauseSeconds)> GcAsync(HttpClient http)
    {
        var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        double Value(string pattern) => System.Text.RegularExpressions.Regex.Match(text, pattern, System.Text.RegularExpressions.RegexOptions.Multiline) is { Success: true } m
            ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
            : double.NaN;
        return (
            Value(@"^dotnet_gc_heap_total_allocated_bytes_total\{[^}]*\} (\S+)"),
            Value(@"^dotnet_gc_collections_total\{[^}]*gen2[^}]*\} (\S+)"),
            Value(@"^dotnet_gc_pause_time_seconds_total\{[^}]*\} (\S+)"));
    }

    /// <summary>The node's managed heap as its last garbage collection left it (all generations), from its /metrics.</summary>
    private static async Task<long> HeapAfterGcAsync(HttpClient http)
    {
        var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        return System.Text.RegularExpressions.Regex.Matches(text, @"^dotnet_gc_last_collection_heap_size_bytes\{[^}]*\} (\S+)", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Sum(m => (long)double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>Adds each photo with its own <c>POST /api/v1/recognition/faces</c>, <paramref name="concurrency"/> clients; returns the faces added.</summary>
    private static async Task<int> PerRequestAsync(SiloProcess node, string key, (string Subject, string Path, byte[] Bytes)[] photos, int concurrency)
    {
        var next = -1;
        var added = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            using var client = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
            client.DefaultRequestHeaders.Add("x-api-key", key);
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
        return added;
    }

    /// <summary>Uploads the photos as one zip and polls until the job ends; returns the faces enrolled, the upload's seconds and the job's state.</summary>
    private static async Task<(long Enrolled, double UploadSeconds, string State)> BulkAsync(HttpClient http, Guid app, Guid service, (string Subject, string Path, byte[] Bytes)[] photos)
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (subject, path, bytes) in photos)
            {
                await using var entry = await archive.CreateEntry($"{subject}/{Path.GetFileName(path)}", CompressionLevel.NoCompression).OpenAsync();
                await entry.WriteAsync(bytes);
            }
        }

        var started = Stopwatch.GetTimestamp();
        using var body = new ByteArrayContent(zip.ToArray());
        body.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        using var upload = await http.PostAsync(new Uri($"/admin/app/{app}/model/{service}/enrol", UriKind.Relative), body);
        var uploadSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var job = (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetGuid();
        while (true)
        {
            var status = await http.GetFromJsonAsync<JsonElement>(new Uri($"/admin/app/{app}/model/{service}/enrol/{job}", UriKind.Relative));
            var state = status.GetProperty("state").GetString();
            if (state is "completed" or "failed" or "cancelled")
            {
                return (status.GetProperty("enrolled").GetInt64(), uploadSeconds, state);
            }

            await Task.Delay(50);
        }
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
