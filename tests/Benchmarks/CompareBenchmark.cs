using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace CompreFace.Benchmarks;

/// <summary>
/// Two builds of the node side by side on one machine (issue P12): CompreFace's recognize load scenario (one 888×1578 face,
/// <c>POST /api/v1/recognition/recognize</c> against a collection holding that face) at several client counts, the builds
/// alternated run by run (ABAB, the order flipped every round) so that both see the same machine. Prints each run, then per
/// client count the median over rounds with its range, the node's CPU milliseconds per request (robust against other work on a
/// shared machine), the node's own stage means from its <c>/metrics</c>, and the ratio new / old.
/// </summary>
/// <remarks>
/// <code>
/// git worktree add --detach ../p12-old 32d4267 &amp;&amp; (cd ../p12-old &amp;&amp; dotnet publish src/Silo -c Release -o ../p12-old-node)
/// dotnet build -c Release src/Silo &amp;&amp; dotnet build -c Release tests/Benchmarks
/// dotnet tests/Benchmarks/bin/Release/net10.0/linux-x64/CompreFace.Benchmarks.dll compare --old ../p12-old-node/CompreFace.Silo.dll \
///     --rounds 3 --seconds 15 --clients 1,2,8,32
/// </code>
/// <c>--new</c> names another build instead of this tree's <c>src/Silo</c> Release build; <c>--old-args</c> / <c>--new-args</c> pass
/// extra node settings (<c>Key=Value;Key=Value</c>), so one build can also be compared with itself under other settings.
/// </remarks>
internal static class CompareBenchmark
{
    private const string RecognitionKey = "00000000-0000-0000-0000-000000000002";
    private const string LoadImage = "data/compreface-samples/load-tests/detect_FACE_1.jpg";
    private static readonly string[] StageNames = ["decode", "detect", "embed"];

    public static async Task RunAsync(BenchSettings settings, string sharedRoot, string[] args)
    {
        string? Get(string name) => BenchSettings.Option(args, name);

        var oldDll = Get("old") ?? throw new ArgumentException("compare needs --old <path to the other build's CompreFace.Silo.dll>");
        var newDll = Get("new");
        var rounds = int.Parse(Get("rounds") ?? "3", CultureInfo.InvariantCulture);
        var clients = (Get("clients") ?? "1,2,8,32").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        var image = await File.ReadAllBytesAsync(Path.Combine(sharedRoot, LoadImage));

        var builds = new[] { ("old", oldDll, ParseSettings(Get("old-args"))), ("new", newDll, ParseSettings(Get("new-args"))) };
        var nodes = new List<(string Name, SiloProcess Node, HttpClient Http)>();
        try
        {
            foreach (var (name, dll, extra) in builds)
            {
                var node = await SiloProcess.StartAsync(sharedRoot, extra, dll);
                var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
                nodes.Add((name, node, http));
                await EnrolAsync(http, image);

                // Warm-up: JIT, ONNX Runtime arenas, thread pool growth.
                await RunAsync(http, image, 8, 5);
            }

            var loadAtStart = await LoadAverageAsync();
            var machine = $"{Environment.ProcessorCount} cores, load average {loadAtStart} at start";
            Console.WriteLine($"# Compare {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {machine}; old = {oldDll}, new = {newDll ?? "this tree's src/Silo Release build"}");
            Console.WriteLine($"# recognize, {LoadImage}, {settings.Seconds} s per run, {rounds} rounds, clients {string.Join(',', clients)}");
            Console.WriteLine();
            Console.WriteLine("| round | clients | build | requests/s | median ms | p99 ms | errors | node CPU ms / request | node stages decode / detect / embed ms | load average |");
            Console.WriteLine("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |");

            var results = new List<(int Round, int Clients, string Build, Run Run)>();
            for (var round = 0; round < rounds; round++)
            {
                foreach (var c in clients)
                {
                    var order = round % 2 == 0 ? nodes : [.. Enumerable.Reverse(nodes)];
                    foreach (var (name, node, http) in order)
                    {
                        var stagesBefore = await StageSumsAsync(http);
                        var cpuBefore = node.CpuTime;
                        var (rate, latency, errors, count) = await RunAsync(http, image, c, settings.Seconds);
                        var cpu = (node.CpuTime - cpuBefore).TotalMilliseconds / Math.Max(1, count);
                        var stages = StageMeans(stagesBefore, await StageSumsAsync(http));
                        var run = new Run(rate, latency, errors, cpu, stages);
                        var load = await LoadAverageAsync();
                        results.Add((round, c, name, run));
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"| {round + 1} | {c} | {name} | {rate:F1} | {latency.Median:F1} | {latency.P99:F1} | {errors} | {cpu:F1} | {StageText(stages)} | {load} |"));
                    }
                }
            }

            Console.WriteLine();
            Console.WriteLine("Medians over the rounds (range in brackets); ratio = new / old of the medians, and the range of the per-round ratios.");
            Console.WriteLine();
            Console.WriteLine("| clients | old requests/s | new requests/s | throughput ratio | old p99 ms | new p99 ms | old CPU ms / request | new CPU ms / request | CPU ratio old / new | errors |");
            Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var c in clients)
            {
                var old = results.Where(r => r.Clients == c && r.Build == "old").OrderBy(r => r.Round).Select(r => r.Run).ToArray();
                var neu = results.Where(r => r.Clients == c && r.Build == "new").OrderBy(r => r.Round).Select(r => r.Run).ToArray();
                var ratios = old.Zip(neu, (o, n) => n.Rate / o.Rate).ToArray();
                var cpuRatios = old.Zip(neu, (o, n) => o.CpuMs / n.CpuMs).ToArray();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {c} | {Range(old.Select(r => r.Rate))} | {Range(neu.Select(r => r.Rate))} | **{Median(neu.Select(r => r.Rate)) / Median(old.Select(r => r.Rate)):F2}×** [{ratios.Min():F2}–{ratios.Max():F2}] | " +
                    $"{Range(old.Select(r => r.Latency.P99))} | {Range(neu.Select(r => r.Latency.P99))} | {Range(old.Select(r => r.CpuMs))} | {Range(neu.Select(r => r.CpuMs))} | " +
                    $"{Median(old.Select(r => r.CpuMs)) / Median(neu.Select(r => r.CpuMs)):F2}× [{cpuRatios.Min():F2}–{cpuRatios.Max():F2}] | {old.Sum(r => r.Errors)} / {neu.Sum(r => r.Errors)} |"));
            }

            Console.WriteLine();
            Console.WriteLine("| build | node stages over all runs, median of the run means: decode / detect / embed ms |");
            Console.WriteLine("| --- | --- |");
            foreach (var (name, _, _) in nodes)
            {
                var runs = results.Where(r => r.Build == name).Select(r => r.Run.Stages).ToArray();
                var keys = runs.SelectMany(s => s.Keys).Distinct().ToArray();
                var medians = keys.ToDictionary(k => k, k => Median(runs.Where(s => s.ContainsKey(k)).Select(s => s[k])));
                Console.WriteLine($"| {name} | {StageText(medians)} |");
            }
        }
        finally
        {
            foreach (var (_, node, http) in nodes)
            {
                http.Dispose();
                await node.DisposeAsync();
            }
        }
    }

    internal static async Task<string> LoadAverageAsync() => (await File.ReadAllTextAsync("/proc/loadavg")).Split(' ')[0];

    private static Dictionary<string, string>? ParseSettings(string? text) =>
        string.IsNullOrEmpty(text)
            ? null
            : text.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    private static string Range(IEnumerable<double> values)
    {
        var v = values.ToArray();
        return string.Create(CultureInfo.InvariantCulture, $"{Median(v):F1} [{v.Min():F1}–{v.Max():F1}]");
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }

    internal static string StageText(Dictionary<string, double> stages) =>
        string.Join(" / ", StageNames.Select(k => stages.TryGetValue(k, out var ms) ? ms.ToString("F1", CultureInfo.InvariantCulture) : "–"));

    private static MultipartFormDataContent Upload(byte[] image)
    {
        var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        content.Add(file, "file", "image.jpg");
        return content;
    }

    private static async Task EnrolAsync(HttpClient http, byte[] image)
    {
        using var content = Upload(image);
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/recognition/faces?subject=load-test") { Content = content };
        message.Headers.Add("x-api-key", RecognitionKey);
        using var response = await http.SendAsync(message);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"enrolment answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task<bool> RecognizeAsync(HttpClient http, byte[] image)
    {
        using var content = Upload(image);
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/recognition/recognize?limit=0&prediction_count=1") { Content = content };
        message.Headers.Add("x-api-key", RecognitionKey);
        try
        {
            using var response = await http.SendAsync(message);
            var body = await response.Content.ReadAsStringAsync();

            // A recognition that finds nothing would be fast and meaningless: count it as an error.
            return response.IsSuccessStatusCode && body.Contains("load-test", StringComparison.Ordinal);
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task<(double Rate, Stats Latency, int Errors, int Count)> RunAsync(HttpClient http, byte[] image, int clients, double seconds)
    {
        var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var errors = 0;
        var latencies = new List<double>[clients];
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            var mine = latencies[c] = [];
            while (Stopwatch.GetTimestamp() < until)
            {
                var start = Stopwatch.GetTimestamp();
                if (!await RecognizeAsync(http, image))
                {
                    Interlocked.Increment(ref errors);
                }

                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var all = latencies.SelectMany(l => l).ToArray();
        return (all.Length / elapsed, Stats.Of(all), errors, all.Length);
    }

    internal static async Task<Dictionary<string, (double Sum, double Count)>> StageSumsAsync(HttpClient http)
    {
        var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var result = new Dictionary<string, (double Sum, double Count)>();
        foreach (Match m in Regex.Matches(text, @"^compreface_stage_duration_seconds_(sum|count)\{[^}]*stage=""(\w+)""[^}]*\} ([0-9.eE+-]+)", RegexOptions.Multiline))
        {
            var value = double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
            var current = result.GetValueOrDefault(m.Groups[2].Value);
            result[m.Groups[2].Value] = m.Groups[1].Value == "sum" ? (value, current.Count) : (current.Sum, value);
        }

        return result;
    }

    internal static Dictionary<string, double> StageMeans(Dictionary<string, (double Sum, double Count)> before, Dictionary<string, (double Sum, double Count)> after) =>
        after.Keys.ToDictionary(k => k, k =>
        {
            var b = before.GetValueOrDefault(k);
            var (sum, count) = (after[k].Sum - b.Sum, after[k].Count - b.Count);
            return count > 0 ? sum / count * 1000 : double.NaN;
        });

    private sealed record Run(double Rate, Stats Latency, int Errors, double CpuMs, Dictionary<string, double> Stages);
}
