using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace CompreFace.Benchmarks;

/// <summary>
/// What the audit log costs the face API (docs/decisions/0025-audit-log.md): the same requests against a node built
/// without it (a baseline build, <c>COMPREFACE_BENCH_BASELINE</c> = its <c>CompreFace.Silo.dll</c>) and against this
/// build, alternating A B A B in one run on the embedded store with CompreFace's demo recognition key. Measured: adding a
/// face (a real photo: inference plus an audited write), creating a subject (an audited write without inference: the
/// audit's cost in the open), recognising (not audited: must not move), and concurrent subject creation (group commit).
/// </summary>
internal static class AuditBenchmark
{
    private const string DemoKey = "00000000-0000-0000-0000-000000000002";

    public static async Task RunAsync(BenchSettings settings, string sharedRoot, string baselineDll)
    {
        var currentDll = Path.Combine(SharedData.RepositoryRoot, "src", "Silo", "bin", "Release", "net10.0", "linux-x64", "CompreFace.Silo.dll");
        var photo = await File.ReadAllBytesAsync(Path.Combine(sharedRoot, "data/compreface-samples/load-tests/detect_FACE_1.jpg"));
        var results = new Dictionary<(string Build, string Case), List<double>>();
        var throughput = new Dictionary<string, List<double>>();
        Console.WriteLine($"# Audit benchmark {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {settings.Iterations} iterations per case per round, 2 rounds A B A B");
        for (var round = 0; round < 2; round++)
        {
            foreach (var (build, dll) in new[] { ("before (no audit log)", baselineDll), ("after (audit log)", currentDll) })
            {
                await using var node = await SiloProcess.StartAsync(sharedRoot, siloDll: dll);
                using var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
                var counter = 0;
                Task<bool> AddFaceAsync() => PostPhotoAsync(http, "/api/v1/recognition/faces?subject=bench", photo);
                Task<bool> RecognizeAsync() => PostPhotoAsync(http, "/api/v1/recognition/recognize?prediction_count=1", photo);
                Task<bool> AddSubjectAsync() => PostJsonAsync(http, "/api/v1/recognition/subjects",
                    $"{{\"subject\":\"s-{round}-{Interlocked.Increment(ref counter)}\"}}");

                // Warm-up: models, grains, connections, JIT of both paths.
                for (var i = 0; i < settings.Warmup; i++)
                {
                    await AddFaceAsync();
                    await RecognizeAsync();
                    await AddSubjectAsync();
                }

                Add(results, (build, "POST /faces (add a face, 1-face photo)"), await SequentialAsync(settings.Iterations, AddFaceAsync));
                Add(results, (build, "POST /recognize (not audited)"), await SequentialAsync(settings.Iterations, RecognizeAsync));
                Add(results, (build, "POST /subjects (audited write, no inference)"), await SequentialAsync(settings.Iterations * 3, AddSubjectAsync));
                var rate = await ConcurrentRateAsync(settings.Concurrency, settings.Seconds, AddSubjectAsync);
                throughput.TryAdd(build, []);
                throughput[build].Add(rate);
            }
        }

        Console.WriteLine();
        Console.WriteLine("| request | build | median ms | p95 ms | samples |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: |");
        foreach (var group in results.GroupBy(r => r.Key.Case))
        {
            foreach (var ((build, _), samples) in group)
            {
                var stats = Stats.Of([.. samples]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {group.Key} | {build} | {stats.Median:F2} | {stats.P95:F2} | {stats.Count} |"));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"| POST /subjects, {settings.Concurrency} clients, {settings.Seconds:F0} s per round | requests/s per round |");
        Console.WriteLine("| --- | --- |");
        foreach (var (build, rates) in throughput)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {build} | {string.Join(" / ", rates.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))} |"));
        }
    }

    private static void Add(Dictionary<(string, string), List<double>> results, (string, string) key, double[] samples)
    {
        if (!results.TryGetValue(key, out var list))
        {
            results[key] = list = [];
        }

        list.AddRange(samples);
    }

    private static async Task<double[]> SequentialAsync(int count, Func<Task<bool>> action)
    {
        var samples = new double[count];
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            if (!await action())
            {
                throw new InvalidOperationException("request failed during the latency run");
            }

            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return samples;
    }

    private static async Task<double> ConcurrentRateAsync(int clients, double seconds, Func<Task<bool>> action)
    {
        var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var done = 0;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                if (!await action())
                {
                    throw new InvalidOperationException("request failed during the throughput run");
                }

                Interlocked.Increment(ref done);
            }
        }));
        return done / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static async Task<bool> PostPhotoAsync(HttpClient http, string path, byte[] photo)
    {
        using var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(photo);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        content.Add(file, "file", "image.jpg");
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Add("x-api-key", DemoKey);
        using var response = await http.SendAsync(request);
        _ = await response.Content.ReadAsByteArrayAsync();
        return response.IsSuccessStatusCode;
    }

    private static async Task<bool> PostJsonAsync(HttpClient http, string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-api-key", DemoKey);
        using var response = await http.SendAsync(request);
        _ = await response.Content.ReadAsByteArrayAsync();
        return response.IsSuccessStatusCode;
    }
}
