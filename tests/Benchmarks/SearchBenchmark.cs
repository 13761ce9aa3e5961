using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using CompreFace.Grains.Collections;

namespace CompreFace.Benchmarks;

/// <summary>
/// Vector search over 10k / 100k / 1M random 512-d unit vectors: our fixed-point index (one index, and 100k-row shards
/// searched in parallel as the shard grains are) against numpy's <c>m @ q</c> + <c>argmax</c> on the same float32 data,
/// run by Debian's python3-numpy on OpenBLAS. Also checks that our top-1 equals the exact float32 top-1.
/// </summary>
internal static class SearchBenchmark
{
    private const int Dimension = 512;
    private const int ShardSize = 100_000;

    public static async Task RunAsync(BenchSettings settings)
    {
        Console.WriteLine("| faces | ours, one index (ms, median / p95) | ours, 100k shards in parallel (ms) | numpy OpenBLAS (ms) | speed-up vs numpy | top-1 = exact float32 | bytes per face |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var n in settings.SearchSizes)
        {
            await RunOneAsync(n, settings);
        }
    }

    private static async Task RunOneAsync(int n, BenchSettings settings)
    {
        var random = new Random(20261128);
        var data = new float[(long)n * Dimension];
        for (long i = 0; i < data.Length; i++)
        {
            data[i] = (float)(random.NextDouble() - 0.5);
        }

        for (var i = 0; i < n; i++)
        {
            var row = data.AsSpan(i * Dimension, Dimension);
            TensorPrimitives.Divide(row, TensorPrimitives.Norm(row), row);
        }

        var queries = Enumerable.Range(0, 20).Select(_ =>
        {
            // Half the queries sit near a stored vector (a second photo of an enrolled person), half are strangers.
            var q = new float[Dimension];
            var target = random.Next(n);
            for (var j = 0; j < Dimension; j++)
            {
                q[j] = (float)(random.NextDouble() - 0.5) * 0.05f + (random.Next(2) == 0 ? data[(target * Dimension) + j] : 0);
            }

            TensorPrimitives.Divide(q, TensorPrimitives.Norm(q), q);
            return q;
        }).ToArray();

        var ids = new Guid[n];
        var index = new EmbeddingIndex(Dimension);
        var shards = new EmbeddingIndex[(n + ShardSize - 1) / ShardSize];
        for (var i = 0; i < n; i++)
        {
            ids[i] = new Guid(i, 0, 0, new byte[8]);
            var row = data.AsSpan(i * Dimension, Dimension);
            index.Add(ids[i], Guid.Empty, row);
            (shards[i / ShardSize] ??= new EmbeddingIndex(Dimension)).Add(ids[i], Guid.Empty, row);
        }

        // Exact float32 top-1 for every query, to check the fixed-point ranking.
        var identical = 0;
        foreach (var q in queries)
        {
            var best = -1;
            var bestScore = float.MinValue;
            for (var i = 0; i < n; i++)
            {
                var s = TensorPrimitives.Dot(data.AsSpan(i * Dimension, Dimension), q);
                if (s > bestScore)
                {
                    bestScore = s;
                    best = i;
                }
            }

            identical += index.Search([q], 1, false)[0][0].ImageId == ids[best] ? 1 : 0;
        }

        var single = Time(settings, queries, q => index.Search([q], 1, false));
        var parallel = Time(settings, queries, q => Parallel.ForEach(shards, s => s.Search([q], 1, false)));
        var numpy = await NumpyAsync(data, queries, n, settings);
        var bytesPerFace = (double)index.ApproximateBytes / n;
        var ours = Math.Min(single.Median, parallel.Median);
        var numpyCells = numpy is { } baseline
            ? string.Create(CultureInfo.InvariantCulture, $"{baseline:F2} | {baseline / ours:F2}x")
            : "— (no python3-numpy) | —";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {n:N0} | {single.Median:F2} / {single.P95:F2} | {parallel.Median:F2} | {numpyCells} | {identical}/{queries.Length} | {bytesPerFace:F0} |"));
    }

    private static Stats Time(BenchSettings settings, float[][] queries, Action<float[]> search)
    {
        for (var i = 0; i < settings.Warmup; i++)
        {
            search(queries[i % queries.Length]);
        }

        var samples = new double[Math.Max(settings.Iterations, queries.Length)];
        for (var i = 0; i < samples.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            search(queries[i % queries.Length]);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return Stats.Of(samples);
    }

    /// <summary>
    /// Median milliseconds of numpy's <c>argmax(m @ q)</c> over the same vectors and queries, or null where python3-numpy
    /// is not installed (the rest of the table still says what our index does).
    /// </summary>
    private static async Task<double?> NumpyAsync(float[] data, float[][] queries, int n, BenchSettings settings)
    {
        var dir = Directory.CreateTempSubdirectory("cf-search-");
        try
        {
            var matrix = Path.Combine(dir.FullName, "m.f32");
            var queryFile = Path.Combine(dir.FullName, "q.f32");
            await using (var f = File.Create(matrix))
            {
                for (long offset = 0; offset < data.Length; offset += 1 << 20)
                {
                    var count = (int)Math.Min(1 << 20, data.Length - offset);
                    f.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan((int)offset, count)));
                }
            }

            await File.WriteAllBytesAsync(queryFile, System.Runtime.InteropServices.MemoryMarshal.AsBytes(queries.SelectMany(q => q).ToArray().AsSpan()).ToArray());
            var script = string.Create(CultureInfo.InvariantCulture, $"""
                import numpy as np, time
                m = np.fromfile("{matrix}", dtype=np.float32).reshape({n}, {Dimension})
                qs = np.fromfile("{queryFile}", dtype=np.float32).reshape(-1, {Dimension})
                for i in range({settings.Warmup}): int(np.argmax(m @ qs[i % len(qs)]))
                t = []
                for i in range(max({settings.Iterations}, len(qs))):
                    s = time.perf_counter(); int(np.argmax(m @ qs[i % len(qs)])); t.append((time.perf_counter() - s) * 1000)
                print(float(np.median(t)))
                """);
            var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info)!;
            await process.StandardInput.WriteAsync(script);
            process.StandardInput.Close();
            var error = process.StandardError.ReadToEndAsync();
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                await Console.Error.WriteLineAsync("numpy baseline skipped: " + (await error).Trim().Split('\n')[^1]);
                return null;
            }

            return double.Parse(output.Trim(), CultureInfo.InvariantCulture);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
