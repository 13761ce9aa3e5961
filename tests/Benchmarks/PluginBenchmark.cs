using System.Diagnostics;
using System.Globalization;
using CompreFace.Inference;
using CompreFace.Inference.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.Benchmarks;

/// <summary>
/// Per-plugin latency (issue P4): each available plugin alone, run batched over every face of an image exactly as the
/// inference worker runs it, on the detector's real faces. Reported per image and per face.
/// </summary>
internal static class PluginBenchmark
{
    public static void Run(BenchSettings settings, IServiceProvider provider, IReadOnlyList<(string Name, string Path)> images)
    {
        var decoder = provider.GetRequiredService<IImageDecoder>();
        var detector = provider.GetRequiredService<IFaceDetector>();
        var plugins = provider.GetRequiredService<FacePluginSet>();

        Console.WriteLine("| image | plugin | faces | median ms (all faces) | p95 ms | median ms per face |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: |");
        foreach (var (name, path) in images)
        {
            using var image = decoder.Decode(File.ReadAllBytes(path));
            var faces = detector.Detect(image, detector.DefaultThreshold);
            foreach (var slug in FacePluginSet.KnownSlugs.Where(plugins.IsAvailable))
            {
                string[] slugs = [slug];
                var samples = new double[settings.Iterations];
                for (var i = -settings.Warmup; i < samples.Length; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    _ = plugins.Run(image, faces, slugs, detected: true, CancellationToken.None);
                    if (i >= 0)
                    {
                        samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    }
                }

                var stats = Stats.Of(samples);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {slug} | {faces.Count} | {stats.Median:F2} | {stats.P95:F2} | {stats.Median / Math.Max(1, faces.Count):F2} |"));
            }
        }
    }
}
