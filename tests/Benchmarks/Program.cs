using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using CompreFace.Benchmarks;
using CompreFace.Inference;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

// Usage (from the repository root, after `dotnet build -c Release`):
//   dotnet run -c Release --project tests/Benchmarks [-- --iterations 60 --concurrency 8 --seconds 20]
// Measures, for a 1-face ~1.4 MP JPEG and CompreFace's 5-face sample: decode, detect, align+embed and the whole
// pipeline in-process, then end-to-end HTTP latency against a real node started from src/Silo's Release build, and
// throughput with N concurrent clients. Prints a Markdown table for docs/performance.md.
var settings = BenchSettings.Parse(args);
if (args.Contains("collection"))
{
    // COMPREFACE_BENCH_POSTGRES=<superuser connection string> dotnet run -c Release --project tests/Benchmarks -- collection
    var server = Environment.GetEnvironmentVariable("COMPREFACE_BENCH_POSTGRES")
        ?? throw new InvalidOperationException("Set COMPREFACE_BENCH_POSTGRES to a PostgreSQL superuser connection string.");
    await CollectionBenchmark.RunAsync(settings, server);
    return;
}

if (args.Contains("transfer"))
{
    // COMPREFACE_BENCH_POSTGRES=<superuser connection string> dotnet run -c Release --project tests/Benchmarks -- transfer --sizes 1000000
    // (COMPREFACE_BENCH_SILO=<path to CompreFace.Silo.dll> runs another build of the node)
    var server = Environment.GetEnvironmentVariable("COMPREFACE_BENCH_POSTGRES")
        ?? throw new InvalidOperationException("Set COMPREFACE_BENCH_POSTGRES to a PostgreSQL superuser connection string.");
    await TransferBenchmark.RunTransferAsync(settings, server, Environment.GetEnvironmentVariable("COMPREFACE_BENCH_SILO"));
    return;
}

if (args.Contains("enrol"))
{
    // dotnet run -c Release --project tests/Benchmarks -- enrol --iterations 5 --concurrency 8
    await TransferBenchmark.RunEnrolAsync(settings, Environment.GetEnvironmentVariable("COMPREFACE_BENCH_SILO"));
    return;
}

if (args.Contains("cluster"))
{
    // COMPREFACE_BENCH_POSTGRES=<superuser connection string> dotnet run -c Release --project tests/Benchmarks -- cluster
    var server = Environment.GetEnvironmentVariable("COMPREFACE_BENCH_POSTGRES")
        ?? throw new InvalidOperationException("Set COMPREFACE_BENCH_POSTGRES to a PostgreSQL superuser connection string.");
    await ClusterBenchmark.RunAsync(settings, server);
    return;
}

if (args.Contains("failover"))
{
    // kill -9 of a big collection's host under load, 3 nodes (docs/cluster.md):
    // COMPREFACE_BENCH_POSTGRES=<superuser connection string> dotnet tests/Benchmarks/bin/Release/net10.0/linux-x64/CompreFace.Benchmarks.dll \
    //   failover --sizes 100000 --concurrency 2 --seconds 20 [--runs 3]
    var server = Environment.GetEnvironmentVariable("COMPREFACE_BENCH_POSTGRES")
        ?? throw new InvalidOperationException("Set COMPREFACE_BENCH_POSTGRES to a PostgreSQL superuser connection string.");
    await FailoverBenchmark.RunAsync(settings, server, args);
    return;
}

if (args.Contains("multipart"))
{
    // dotnet run -c Release --project tests/Benchmarks -- multipart (needs the node's Release build too)
    await MultipartBenchmark.RunAsync(settings, SharedData.Root);
    return;
}

if (args.Contains("responses"))
{
    // COMPREFACE_BENCH_BASELINE=<root of another tree with its Release build> dotnet run -c Release --project tests/Benchmarks -- responses
    await ResponseBenchmark.RunAsync(settings, SharedData.Root, Environment.GetEnvironmentVariable("COMPREFACE_BENCH_BASELINE"));
    return;
}

if (args.Contains("audit"))
{
    // COMPREFACE_BENCH_BASELINE=<a build without the audit log>/src/Silo/bin/Release/net10.0/linux-x64/CompreFace.Silo.dll \
    //   dotnet run -c Release --project tests/Benchmarks -- audit
    var baseline = Environment.GetEnvironmentVariable("COMPREFACE_BENCH_BASELINE")
        ?? throw new InvalidOperationException("Set COMPREFACE_BENCH_BASELINE to the CompreFace.Silo.dll of a build without the audit log.");
    await AuditBenchmark.RunAsync(settings, SharedData.Root, baseline);
    return;
}

if (args.Contains("users"))
{
    // [COMPREFACE_BENCH_POSTGRES=<superuser connection string>] dotnet tests/Benchmarks/bin/Release/net10.0/linux-x64/CompreFace.Benchmarks.dll \
    //   users --sizes 1000,50000 --iterations 50
    await UsersBenchmark.RunAsync(settings, Environment.GetEnvironmentVariable("COMPREFACE_BENCH_POSTGRES"));
    return;
}

if (args.Contains("compare"))
{
    // dotnet tests/Benchmarks/bin/Release/net10.0/linux-x64/CompreFace.Benchmarks.dll compare --old <other build>/CompreFace.Silo.dll
    await CompareBenchmark.RunAsync(settings, SharedData.Root, args);
    return;
}

if (args.Contains("startup"))
{
    // dotnet tests/Benchmarks/bin/Release/net10.0/linux-x64/CompreFace.Benchmarks.dll startup --old <other build>/CompreFace.Silo.dll --rounds 6
    await StartupBenchmark.RunAsync(SharedData.Root, args);
    return;
}

if (args.Contains("embed-batch"))
{
    // Faces of many photos in one ONNX run, as the node would run it (1 intra-op thread, one caller per core)
    await ProviderBenchmark.RunEmbedBatchAsync(settings, SharedData.Root);
    return;
}

if (args.Contains("providers"))
{
    // CPU against CUDA in one run (deploy/gpu-benchmark.sh): latency, embedding batches, pipeline throughput at 1/2/8/32 callers
    await ProviderBenchmark.RunAsync(settings, SharedData.Root);
    return;
}

if (args.Contains("ort"))
{
    // dotnet tests/Benchmarks/bin/Release/net10.0/linux-x64/CompreFace.Benchmarks.dll ort --iterations 20 --rounds 15
    OrtBenchmark.Run(settings, SharedData.Root, args);
    return;
}

if (args.Contains("search"))
{
    // dotnet run -c Release --project tests/Benchmarks -- search
    await SearchBenchmark.RunAsync(settings);
    return;
}

var shared = SharedData.Root;

using var provider = BuildInference(Path.Combine(shared, "models"));
if (args.Contains("plugins"))
{
    // dotnet run -c Release --project tests/Benchmarks -- plugins
    PluginBenchmark.Run(settings, provider, [
        ("1 face (detect_FACE_1.jpg)", Path.Combine(shared, "data/compreface-samples/load-tests/detect_FACE_1.jpg")),
        ("5 faces (000_5.jpg)", Path.Combine(shared, "data/compreface-samples/sample_images/000_5.jpg")),
    ]);
    return;
}

var decoder = provider.GetRequiredService<IImageDecoder>();
var detector = provider.GetRequiredService<IFaceDetector>();
var embedder = provider.GetRequiredService<IFaceEmbedder>();
var pipeline = provider.GetRequiredService<FacePipeline>();
var runtime = provider.GetRequiredService<IInferenceRuntimeInfo>();

var images = new (string Name, string Path)[]
{
    ("1 face, 888x1578 JPEG (detect_FACE_1.jpg)", "data/compreface-samples/load-tests/detect_FACE_1.jpg"),
    ("5 faces, 819x546 JPEG (000_5.jpg)", "data/compreface-samples/sample_images/000_5.jpg"),
};

Console.WriteLine($"# Benchmark {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {runtime.ExecutionProvider}, {settings.Iterations} iterations");
Console.WriteLine();
Console.WriteLine("| image | stage | median ms | p95 ms |");
Console.WriteLine("| --- | --- | ---: | ---: |");

var pipelineMedians = new Dictionary<string, double>();
foreach (var (name, path) in images)
{
    var bytes = await File.ReadAllBytesAsync(Path.Combine(shared, path));
    var decoded = decoder.Decode(bytes);
    var threshold = detector.DefaultThreshold;
    var faces = detector.Detect(decoded, threshold);

    Report(name, "decode", Measure(settings, () => decoder.Decode(bytes)));
    Report(name, "detect", Measure(settings, () => detector.Detect(decoded, threshold)));
    Report(name, $"align + embed ({faces.Count} faces, one batch)", Measure(settings, () => embedder.Embed(decoded, faces)));
    var whole = Measure(settings, () => pipeline.Analyze(bytes, new FaceAnalysisOptions(ComputeEmbeddings: true)));
    Report(name, "pipeline: decode + detect + embed", whole);
    pipelineMedians[path] = whole.Median;
}

Console.WriteLine();
await using (var node = await SiloProcess.StartAsync(shared))
{
    using var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    Console.WriteLine("| image | HTTP endpoint | median ms | p95 ms | overhead over in-process pipeline |");
    Console.WriteLine("| --- | --- | ---: | ---: | ---: |");
    foreach (var (name, path) in images)
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(shared, path));
        for (var i = 0; i < settings.Warmup; i++)
        {
            await DetectAsync(http, bytes, "face_plugins=calculator");
        }

        var stagesBefore = await StageSumsAsync(http);
        var stats = await MeasureAsync(settings with { Warmup = 0 }, () => DetectAsync(http, bytes, "face_plugins=calculator"));
        var stagesAfter = await StageSumsAsync(http);
        var overhead = (stats.Median - pipelineMedians[path]) / pipelineMedians[path];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | detect?face_plugins=calculator | {stats.Median:F1} | {stats.P95:F1} | {overhead:P0} |"));

        // The node's own per-stage means over exactly these requests (its /metrics): the pipeline as it ran inside the
        // node, under the same conditions as the HTTP request around it. Mean HTTP latency minus that is the time spent
        // in HTTP, Orleans and JSON, which is what the P1 overhead target is about.
        var nodeStages = stagesAfter.Keys.Where(k => k != "search").Order(StringComparer.Ordinal).Select(stage =>
        {
            var before = stagesBefore.GetValueOrDefault(stage);
            var (sum, count) = (stagesAfter[stage].Sum - before.Sum, stagesAfter[stage].Count - before.Count);
            return (Stage: stage, Ms: sum / Math.Max(1, count) * 1000);
        }).ToArray();
        var nodePipeline = nodeStages.Sum(s => s.Ms);
        var stageText = string.Join(", ", nodeStages.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Stage} {s.Ms:F1}")));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | same requests: mean HTTP {stats.Mean:F1} ms vs the node's own stage means ({stageText}; sum {nodePipeline:F1}) | | | {(stats.Mean - nodePipeline) / nodePipeline:P0} |"));

        // Where the overhead goes: the same upload refused at parameter validation (HTTP, key check, multipart
        // parsing, no grain call, no inference), and a request without a body.
        var upload = await MeasureAsync(settings, async () => !await DetectAsync(http, bytes, "limit=abc"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | same upload, refused at parameter validation (400) | {upload.Median:F1} | {upload.P95:F1} | |"));
    }

    var bare = await MeasureAsync(settings, async () =>
    {
        using var response = await http.GetAsync(new Uri("/core/healthcheck", UriKind.Relative));
        return response.IsSuccessStatusCode;
    });
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| - | GET /core/healthcheck (no body) | {bare.Median:F2} | {bare.P95:F2} | |"));

    Console.WriteLine();
    Console.WriteLine($"| image | clients | requests/s | median ms | p95 ms | errors |");
    Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
    foreach (var (name, path) in images)
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(shared, path));
        var (rate, stats, errors) = await ThroughputAsync(settings, () => DetectAsync(http, bytes, "face_plugins=calculator"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {settings.Concurrency} | {rate:F1} | {stats.Median:F1} | {stats.P95:F1} | {errors} |"));
    }
}

return;

static ServiceProvider BuildInference(string modelsPath)
{
    var services = new ServiceCollection();
    services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
    services.AddLogging();
    services.AddFaceInference();
    services.PostConfigure<ModelOptions>(o => o.Path = modelsPath);
    var provider = services.BuildServiceProvider();
    _ = provider.GetRequiredService<IOptions<ModelOptions>>().Value;
    return provider;
}

static async Task<bool> DetectAsync(HttpClient http, byte[] image, string query)
{
    using var content = new MultipartFormDataContent();
    var file = new ByteArrayContent(image);
    file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
    content.Add(file, "file", "image.jpg");
    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/detection/detect?" + query) { Content = content };
    request.Headers.Add("x-api-key", "00000000-0000-0000-0000-000000000003");
    using var response = await http.SendAsync(request);
    _ = await response.Content.ReadAsByteArrayAsync();
    return response.IsSuccessStatusCode;
}

static async Task<Dictionary<string, (double Sum, double Count)>> StageSumsAsync(HttpClient http)
{
    var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
    var result = new Dictionary<string, (double Sum, double Count)>();
    foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(
        text, @"^compreface_stage_duration_seconds_(sum|count)\{[^}]*stage=""(\w+)""[^}]*\} ([0-9.eE+-]+)", System.Text.RegularExpressions.RegexOptions.Multiline))
    {
        var value = double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
        var current = result.GetValueOrDefault(m.Groups[2].Value);
        result[m.Groups[2].Value] = m.Groups[1].Value == "sum" ? (value, current.Count) : (current.Sum, value);
    }

    return result;
}

static Stats Measure(BenchSettings settings, Action action)
{
    for (var i = 0; i < settings.Warmup; i++)
    {
        action();
    }

    var samples = new double[settings.Iterations];
    for (var i = 0; i < samples.Length; i++)
    {
        var start = Stopwatch.GetTimestamp();
        action();
        samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    return Stats.Of(samples);
}

static async Task<Stats> MeasureAsync(BenchSettings settings, Func<Task<bool>> action)
{
    for (var i = 0; i < settings.Warmup; i++)
    {
        await action();
    }

    var samples = new double[settings.Iterations];
    for (var i = 0; i < samples.Length; i++)
    {
        var start = Stopwatch.GetTimestamp();
        if (!await action())
        {
            throw new InvalidOperationException("request failed during the latency run");
        }

        samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    return Stats.Of(samples);
}

static async Task<(double Rate, Stats Latency, int Errors)> ThroughputAsync(BenchSettings settings, Func<Task<bool>> action)
{
    var until = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
    var errors = 0;
    var latencies = new List<double>[settings.Concurrency];
    var started = Stopwatch.GetTimestamp();
    await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(async c =>
    {
        var mine = latencies[c] = [];
        while (Stopwatch.GetTimestamp() < until)
        {
            var start = Stopwatch.GetTimestamp();
            if (!await action())
            {
                Interlocked.Increment(ref errors);
            }

            mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    }));
    var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
    var all = latencies.SelectMany(l => l).ToArray();
    return (all.Length / elapsed, Stats.Of(all), errors);
}

static void Report(string image, string stage, Stats stats) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {image} | {stage} | {stats.Median:F1} | {stats.P95:F1} |"));
