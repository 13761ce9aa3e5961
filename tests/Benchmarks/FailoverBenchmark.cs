using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace CompreFace.Benchmarks;

/// <summary>
/// <c>kill -9</c> of the node hosting a big collection (issue P13, docs/decisions/0026): three real <c>src/Silo</c>
/// processes in <c>Cluster:Mode=Postgres</c> on one database holding N faces (bulk-loaded through the store's COPY
/// path), a recognition load (embeddings, so each request searches all N) and a trickle of photo adds through the two
/// survivors, then the collection's host is killed. Reports failed requests, the slowest answers, throughput in the
/// seconds after the kill, and whether every acknowledged add is present afterwards.
/// </summary>
internal static class FailoverBenchmark
{
    private const string RecognitionKey = "00000000-0000-0000-0000-000000000002";

    public static async Task RunAsync(BenchSettings settings, string server, string[] args)
    {
        var faces = settings.Sizes.Length == 1 ? settings.Sizes[0] : 100_000;
        var runs = int.Parse(BenchSettings.Option(args, "runs") ?? "1", CultureInfo.InvariantCulture);
        var calculator = CollectionBenchmark.CurrentCalculator();
        Console.WriteLine("| faces | victim held | recognitions after kill | failed | slowest recognition (s) | adds after kill | failed adds | slowest add (s) | recognitions/s before → 0–5 s after | acknowledged adds present | same answer after |");
        Console.WriteLine("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |");
        for (var run = 0; run < runs; run++)
        {
            await RunOneAsync(faces, settings, server, calculator);
        }
    }

    private static async Task RunOneAsync(int n, BenchSettings settings, string server, string calculator)
    {
        await using var database = await PostgresServer.CreateDatabaseAsync("cf_bench_failover", server);
        var bulk = await CollectionBenchmark.BulkLoadAsync(database.ConnectionString, n, calculator);
        await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"bulk-loaded {n:N0} faces in {bulk:F1} s"));

        var nodeSettings = new Dictionary<string, string>
        {
            ["ConnectionStrings:Postgres"] = database.ConnectionString,
            ["Cluster:Mode"] = "Postgres",
            ["Cluster:ClusterId"] = database.DatabaseName,
            ["Cluster:AdvertisedAddress"] = "127.0.0.1",
            // Which node loads which shard copy (event 2101) tells whether the kill takes a copy too.
            ["Logging:LogLevel:CompreFace.Grains.Collections"] = "Information",
            ["Logging:Console:TimestampFormat"] = "HH:mm:ss.fff ",
            ["Logging:Console:UseUtcTimestamp"] = "true",
        };
        foreach (var (key, value) in CompreFace.Testing.ClusterCertificates.Shared.Settings)
        {
            nodeSettings[key] = value;
        }

        var nodes = new List<SiloProcess>();
        try
        {
            // Together, as an operator starts a cluster; each waits for its own health check.
            nodes.AddRange(await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SiloProcess.StartAsync(SharedData.Root, nodeSettings))));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.Add("x-api-key", RecognitionKey);

            // The first recognition activates the collection and loads both copies of every shard.
            var random = new Random(17);
            var probe = CollectionBenchmark.RandomUnit(random);
            var activation = Stopwatch.StartNew();
            var before = await RecognizeAsync(http, nodes[0].BaseAddress, probe);
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"first recognition (activation, {n:N0} faces): {activation.Elapsed.TotalSeconds:F2} s"));
            foreach (var node in nodes)
            {
                for (var i = 0; i < settings.Warmup; i++)
                {
                    await RecognizeAsync(http, node.BaseAddress, CollectionBenchmark.RandomUnit(random));
                }
            }

            var hosts = new List<SiloProcess>();
            foreach (var node in nodes)
            {
                var scrape = await http.GetStringAsync(new Uri(node.BaseAddress, "/metrics"));
                if (scrape.Split('\n').Any(l => l.StartsWith("compreface_collection_faces{", StringComparison.Ordinal)))
                {
                    hosts.Add(node);
                }
            }

            if (hosts.Count != 1)
            {
                throw new InvalidOperationException($"expected the collection on one node, found it on {hosts.Count}");
            }

            var victim = hosts[0];
            var survivors = nodes.Where(n => n != victim).ToArray();
            var copies = nodes.ToDictionary(node => node, node => node.Output.Count(l => l.Contains(" loaded ", StringComparison.Ordinal) && l.Contains("Shard ", StringComparison.Ordinal)));
            var victimHeld = string.Create(CultureInfo.InvariantCulture,
                $"collection + {copies[victim]} shard cop{(copies[victim] == 1 ? "y" : "ies")} (survivors {string.Join(", ", survivors.Select(s => copies[s]))})");

            await using var load = new Load(survivors.Select(s => s.BaseAddress).ToArray(), AddPhotos(), n);
            load.Start(recognizers: settings.Concurrency, addEvery: TimeSpan.FromMilliseconds(500));
            await Task.Delay(TimeSpan.FromSeconds(5));
            var killedAt = load.Now;
            var killedWall = DateTime.UtcNow;
            var logFrom = survivors.Select(s => s.Output.Count).ToArray();
            await victim.KillAsync();
            await Task.Delay(TimeSpan.FromSeconds(settings.Seconds));
            await load.StopAsync();

            var outcomes = load.Outcomes;
            var beforeKill = outcomes.Where(o => o.Kind == "recognize" && o.At + o.Latency < killedAt).ToList();
            var recognitions = outcomes.Where(o => o.Kind == "recognize" && o.At + o.Latency >= killedAt).ToList();
            var adds = outcomes.Where(o => o.Kind == "add" && o.At + o.Latency >= killedAt).ToList();
            var firstAt = outcomes.Min(o => o.At);
            var rateBefore = beforeKill.Count / (killedAt - firstAt).TotalSeconds;
            var rateAfter = outcomes.Count(o => o.Kind == "recognize" && o.At + o.Latency >= killedAt && o.At + o.Latency < killedAt + TimeSpan.FromSeconds(5)) / 5.0;

            // Every acknowledged add, in the store and through the API (each add has its own subject).
            var missing = 0;
            foreach (var (imageId, subject) in load.Acknowledged)
            {
                using var response = await http.GetAsync(new Uri(survivors[0].BaseAddress, $"/api/v1/recognition/faces?subject={subject}"));
                var body = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode || !body.Contains(imageId, StringComparison.Ordinal))
                {
                    missing++;
                }
            }

            var after = await RecognizeAsync(http, survivors[0].BaseAddress, probe);
            foreach (var failure in outcomes.Where(o => o.Failed).Take(10))
            {
                await Console.Error.WriteLineAsync("  failed: " + failure);
            }

            foreach (var slow in recognitions.OrderByDescending(o => o.Latency).Take(3))
            {
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  slow: {(slow.At - killedAt).TotalSeconds:F2}s after the kill ({killedWall + (slow.At - killedAt):HH:mm:ss.fff}): {slow}"));
            }

            await Console.Error.WriteLineAsync("  per second after the kill (recognitions answered): " + string.Join(' ', Enumerable.Range(0, (int)settings.Seconds)
                .Select(s => recognitions.Count(o => o.At + o.Latency >= killedAt + TimeSpan.FromSeconds(s) && o.At + o.Latency < killedAt + TimeSpan.FromSeconds(s + 1)))));
            if (Environment.GetEnvironmentVariable("COMPREFACE_BENCH_NODE_LOGS") == "1")
            {
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  killed at {killedWall:HH:mm:ss.fff}; the survivors' logs since:"));
                for (var s = 0; s < survivors.Length; s++)
                {
                    foreach (var line in survivors[s].Output.Skip(logFrom[s]).Take(200))
                    {
                        await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  [{survivors[s].BaseAddress.Port}] {line}"));
                    }
                }
            }

            await Console.Error.WriteLineAsync("  load average " + (await File.ReadAllTextAsync("/proc/loadavg")).Trim());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {n:N0} | {victimHeld} | {recognitions.Count} | {recognitions.Count(o => o.Failed)} | {recognitions.Max(o => o.Latency).TotalSeconds:F2} | {adds.Count} | {adds.Count(o => o.Failed)} | {adds.Select(o => o.Latency).DefaultIfEmpty().Max().TotalSeconds:F2} | {rateBefore:F1} → {rateAfter:F1} | {load.Acknowledged.Count - missing} of {load.Acknowledged.Count} | {(before == after ? "yes" : "NO")} |"));
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        }
    }

    /// <summary>Single-face photos of modest size for the adds (deepface, not derived from another image).</summary>
    private static byte[][] AddPhotos() =>
    [
        .. File.ReadLines(Path.Combine(SharedData.Root, "data", "identities.csv")).Skip(1)
            .Select(line => line.Split(','))
            .Where(f => f[2] == "deepface" && (f.Length < 5 || f[4].Length == 0))
            .Select(f => Path.Combine(SharedData.Root, "data", f[0]))
            .Where(p => new FileInfo(p).Length < 250_000)
            .Take(8)
            .Select(File.ReadAllBytes),
    ];

    /// <summary>The best three matches as the API printed them; fails unless the search found something.</summary>
    private static async Task<string> RecognizeAsync(HttpClient http, Uri node, float[] embedding)
    {
        using var response = await http.PostAsJsonAsync(new Uri(node, "/api/v1/recognition/embeddings/recognize?prediction_count=3"), new { embeddings = new[] { embedding } });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"recognize failed: {(int)response.StatusCode} {body}");
        }

        using var json = JsonDocument.Parse(body);
        var similarities = json.RootElement.GetProperty("result")[0].GetProperty("similarities");
        return similarities.GetArrayLength() > 0 ? similarities.GetRawText() : throw new InvalidOperationException("recognize found nothing");
    }

    private sealed record Outcome(TimeSpan At, string Kind, Uri Node, int Status, string? Body, TimeSpan Latency)
    {
        public bool Failed => Status is not (200 or 201);

        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"{Kind} {Node.Port} → {Status} in {Latency.TotalMilliseconds:F0} ms {Body}");
    }

    /// <summary>Recognition clients back to back, and one client adding a photo every so often, round-robin over the nodes.</summary>
    private sealed class Load(Uri[] nodes, byte[][] photos, int faces) : IAsyncDisposable
    {
        private readonly ConcurrentQueue<Outcome> _outcomes = new();
        private readonly ConcurrentDictionary<string, string> _acknowledged = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
        private readonly List<Task> _clients = [];
        private int _next;

        public TimeSpan Now => _clock.Elapsed;

        public List<Outcome> Outcomes => [.. _outcomes];

        public ConcurrentDictionary<string, string> Acknowledged => _acknowledged;

        public void Start(int recognizers, TimeSpan addEvery)
        {
            _http.DefaultRequestHeaders.Add("x-api-key", RecognitionKey);
            for (var c = 0; c < recognizers; c++)
            {
                var random = new Random(1000 + c);
                _clients.Add(Task.Run(async () =>
                {
                    while (!_stop.IsCancellationRequested)
                    {
                        var node = NextNode();
                        var started = _clock.Elapsed;
                        var (status, body) = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, new Uri(node, "/api/v1/recognition/embeddings/recognize?prediction_count=1"))
                        {
                            Content = JsonContent.Create(new { embeddings = new[] { CollectionBenchmark.RandomUnit(random) } }),
                        });
                        if (status == 200 && !body!.Contains("\"similarity\"", StringComparison.Ordinal))
                        {
                            status = 299;   // answered, but nothing was searched: a failure all the same
                        }

                        _outcomes.Enqueue(new Outcome(started, "recognize", node, status, status == 200 ? null : body, _clock.Elapsed - started));
                    }
                }));
            }

            _clients.Add(Task.Run(async () =>
            {
                for (var i = 0; !_stop.IsCancellationRequested; i++)
                {
                    var node = NextNode();
                    var subject = string.Create(CultureInfo.InvariantCulture, $"failover-{faces}-{i}");
                    var started = _clock.Elapsed;
                    var (status, body) = await SendAsync(() =>
                    {
                        var image = new ByteArrayContent(photos[i % photos.Length]);
                        image.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                        return new HttpRequestMessage(HttpMethod.Post, new Uri(node, $"/api/v1/recognition/faces?subject={subject}"))
                        {
                            Content = new MultipartFormDataContent { { image, "file", "photo.jpg" } },
                        };
                    });
                    if (status == 201)
                    {
                        using var json = JsonDocument.Parse(body!);
                        _acknowledged[json.RootElement.GetProperty("image_id").GetString()!] = subject;
                    }

                    _outcomes.Enqueue(new Outcome(started, "add", node, status, status == 201 ? null : body, _clock.Elapsed - started));
                    try
                    {
                        await Task.Delay(addEvery, _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        // Stopped.
                    }
                }
            }));
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_clients);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await StopAsync();
            }

            _stop.Dispose();
            _http.Dispose();
        }

        private Uri NextNode() => nodes[(int)((uint)Interlocked.Increment(ref _next) % nodes.Length)];

        /// <summary>Status and body; a refused connection is status 0, a client timeout -1.</summary>
        private async Task<(int Status, string? Body)> SendAsync(Func<HttpRequestMessage> request)
        {
            try
            {
                using var message = request();
                using var response = await _http.SendAsync(message, CancellationToken.None);
                return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(CancellationToken.None));
            }
            catch (HttpRequestException e)
            {
                return (0, e.Message);
            }
            catch (TaskCanceledException)
            {
                return (-1, "client timeout");
            }
        }
    }
}
