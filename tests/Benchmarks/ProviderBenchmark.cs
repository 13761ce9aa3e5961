using System.Diagnostics;
using System.Globalization;
using CompreFace.Inference;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CompreFace.Benchmarks;

/// <summary>
/// CPU against CUDA in one run (issue P12, GPU item; <c>deploy/gpu-benchmark.sh</c> runs it on a GPU machine with the
/// <c>-p:OnnxGpu=true</c> build): detect and align + embed latency of the load-test face, embedding batches of 1–64 faces (what
/// batching faces across concurrent requests would gain), and the pipeline's throughput at 1, 2, 8 and 32 parallel callers.
/// With the CPU-only build the CUDA half reports the fallback to CPU, so the mode runs anywhere.
/// </summary>
/// <remarks><c>dotnet tests/Benchmarks/bin/Release/net10.0/linux-x64/CompreFace.Benchmarks.dll providers --iterations 40 --seconds 10</c></remarks>
internal static class ProviderBenchmark
{
    private static readonly int[] Batches = [1, 4, 16, 64];
    private static readonly int[] Callers = [1, 2, 8, 32];

    public static async Task RunAsync(BenchSettings settings, string sharedRoot)
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(sharedRoot, "data/compreface-samples/load-tests/detect_FACE_1.jpg"));
        Console.WriteLine($"# Providers {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {settings.Iterations} iterations, {settings.Seconds} s per throughput run");
        Console.WriteLine();
        Console.WriteLine("| provider asked | provider used | measurement | median ms | p95 ms | per face ms / requests/s |");
        Console.WriteLine("| --- | --- | --- | ---: | ---: | ---: |");
        foreach (var provider in new[] { ExecutionProviderKind.Cpu, ExecutionProviderKind.Cuda })
        {
            using var services = Build(Path.Combine(sharedRoot, "models"), provider, intraOpThreads: provider == ExecutionProviderKind.Cuda ? 1 : 0);
            var used = services.GetRequiredService<IInferenceRuntimeInfo>().ExecutionProvider;
            var decoder = services.GetRequiredService<IImageDecoder>();
            var detector = services.GetRequiredService<IFaceDetector>();
            var embedder = services.GetRequiredService<IFaceEmbedder>();
            var pipeline = services.GetRequiredService<FacePipeline>();
            using var image = decoder.Decode(bytes);
            var faces = detector.Detect(image, detector.DefaultThreshold);
            if (faces.Count == 0)
            {
                throw new InvalidOperationException("the load-test face was not found");
            }

            void Row(string what, Stats stats, string last) =>
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {provider} | {used} | {what} | {stats.Median:F2} | {stats.P95:F2} | {last} |"));

            Row("detect (YuNet, input fitted to 9:16)", Measure(settings, () => detector.Detect(image, detector.DefaultThreshold)), "");
            foreach (var batch in Batches)
            {
                var many = Enumerable.Repeat(faces[0], batch).ToArray();
                var stats = Measure(settings, () => embedder.Embed(image, many));
                Row($"align + embed, {batch} face(s) in one run", stats, (stats.Median / batch).ToString("F2", CultureInfo.InvariantCulture));
            }

            foreach (var callers in Callers)
            {
                var (rate, latency) = await ThroughputAsync(settings.Seconds, callers, () => pipeline.Analyze(bytes, new FaceAnalysisOptions(ComputeEmbeddings: true)));
                Row($"pipeline, {callers} parallel callers", latency, rate.ToString("F1", CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>
    /// <c>embed-batch</c>: whether embedding the faces of many photos in one ONNX run would pay on the CPU as the node runs it (one
    /// intra-op thread per analysis, one analysis per core): faces per second of align + embed at batch sizes 1–32, with as many
    /// callers as cores, the batch sizes taking turns round after round so a busy machine slows them alike.
    /// </summary>
    /// <remarks><c>dotnet tests/Benchmarks/bin/Release/net10.0/linux-x64/CompreFace.Benchmarks.dll embed-batch --seconds 3 --iterations 5</c></remarks>
    public static async Task RunEmbedBatchAsync(BenchSettings settings, string sharedRoot)
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(sharedRoot, "data/compreface-samples/load-tests/detect_FACE_1.jpg"));
        using var services = Build(Path.Combine(sharedRoot, "models"), ExecutionProviderKind.Cpu, intraOpThreads: 1);
        var detector = services.GetRequiredService<IFaceDetector>();
        var embedder = services.GetRequiredService<IFaceEmbedder>();
        using var image = services.GetRequiredService<IImageDecoder>().Decode(bytes);
        var face = detector.Detect(image, detector.DefaultThreshold)[0];
        int[] batches = [1, 4, 16, 32];
        var rates = batches.ToDictionary(b => b, _ => new List<double>());
        var callers = Environment.ProcessorCount;
        Console.WriteLine($"# embed-batch {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {await CompareBenchmark.LoadAverageAsync()}; " +
            $"{callers} callers, 1 intra-op thread, {settings.Iterations} rounds of {settings.Seconds} s per batch size");
        for (var round = 0; round < settings.Iterations; round++)
        {
            foreach (var batch in round % 2 == 0 ? batches : [.. batches.Reverse()])
            {
                var many = Enumerable.Repeat(face, batch).ToArray();
                var (runs, _) = await ThroughputAsync(settings.Seconds, callers, () => embedder.Embed(image, many));
                rates[batch].Add(runs * batch);
            }
        }

        Console.WriteLine();
        Console.WriteLine("| faces per ONNX run | align + embed faces/s (median of rounds) | range | ratio to one face per run |");
        Console.WriteLine("| ---: | ---: | --- | ---: |");
        var single = Stats.Of([.. rates[1]]).Median;
        foreach (var batch in batches)
        {
            var stats = Stats.Of([.. rates[batch]]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {batch} | {stats.Median:F1} | {rates[batch].Min():F1}–{rates[batch].Max():F1} | {stats.Median / single:F2} |"));
        }
    }

    private static ServiceProvider Build(string models, ExecutionProviderKind provider, int intraOpThreads)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging();
        services.AddFaceInference();
        services.PostConfigure<ModelOptions>(o => o.Path = models);
        services.PostConfigure<InferenceOptions>(o =>
        {
            o.ExecutionProvider = provider;
            o.IntraOpThreads = intraOpThreads;
        });
        var built = services.BuildServiceProvider();
        _ = built.GetRequiredService<IOptions<ModelOptions>>().Value;
        return built;
    }

    private static Stats Measure(BenchSettings settings, Action action)
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

    private static async Task<(double Rate, Stats Latency)> ThroughputAsync(double seconds, int callers, Action action)
    {
        var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var latencies = new List<double>[callers];
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(() =>
        {
            var mine = latencies[c] = [];
            while (Stopwatch.GetTimestamp() < until)
            {
                var start = Stopwatch.GetTimestamp();
                action();
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var all = latencies.SelectMany(l => l).ToArray();
        return (all.Length / elapsed, Stats.Of(all));
    }
}
