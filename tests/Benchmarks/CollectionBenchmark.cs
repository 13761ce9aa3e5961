using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Numerics.Tensors;
using System.Text.Json;
using CompreFace.Grains.Storage;
using CompreFace.Inference;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.Benchmarks;

/// <summary>
/// Big collections end to end on PostgreSQL: bulk-load N random 512-d faces into the demo recognition collection, start a
/// real node, and measure the first recognition (activation: collection + shards streamed from PostgreSQL), steady
/// recognition latency, resident memory per face, and the same after a kill -9 and restart. Then, on the 100k
/// collection, enrolment throughput and photo recognition latency over HTTP.
/// </summary>
internal static class CollectionBenchmark
{
    private const string RecognitionKey = "00000000-0000-0000-0000-000000000002";
    private static readonly Guid DemoCollection = Guid.Parse("00000000-0000-0000-0000-000000000001");
    private static string _calculator = string.Empty;

    public static async Task RunAsync(BenchSettings settings, string server)
    {
        // The stored vectors must carry the node's own model version: a node compares queries only with examples of its
        // model, so vectors stored under any other name would be skipped and every search would answer [] (fast and
        // meaningless).
        _calculator = CurrentCalculator();
        Console.WriteLine("| faces | bulk load into PostgreSQL (s) | first recognition after start (s) | recognition over HTTP, median / p95 (ms) | node memory per face (bytes) | first recognition after kill -9 + restart (s) | same answer after restart |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var n in settings.Sizes)
        {
            await RunOneAsync(n, settings, server);
        }
    }

    private static async Task RunOneAsync(int n, BenchSettings settings, string server)
    {
        await using var database = await PostgresServer.CreateDatabaseAsync($"cf_bench_{n}", server);
        var connection = database.ConnectionString;
        {
            var load = await BulkLoadAsync(connection, n, _calculator);
            var nodeSettings = new Dictionary<string, string> { ["ConnectionStrings:Postgres"] = connection };
            var random = new Random(5);
            var probe = RandomUnit(random);

            double first, restartFirst;
            Stats steady;
            long memoryPerFace;
            string answer, answerAfterRestart;
            await using (var node = await SiloProcess.StartAsync(SharedData.Root, nodeSettings))
            {
                using var http = Client(node);
                var before = node.ResidentBytes();
                (first, answer) = await TimedRecognizeAsync(http, probe);
                memoryPerFace = (node.ResidentBytes() - before) / n;
                var samples = new double[settings.Iterations];
                for (var i = 0; i < samples.Length; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    await RecognizeAsync(http, RandomUnit(random));
                    samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }

                steady = Stats.Of(samples);
                await node.KillAsync();
            }

            await using (var node = await SiloProcess.StartAsync(SharedData.Root, nodeSettings))
            {
                using var http = Client(node);
                (restartFirst, answerAfterRestart) = await TimedRecognizeAsync(http, probe);
                if (n == settings.Sizes.Min())
                {
                    await HttpEnrolmentAsync(http, settings);
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {n:N0} | {load:F1} | {first:F2} | {steady.Median:F1} / {steady.P95:F1} | {memoryPerFace:N0} | {restartFirst:F2} | {(answer == answerAfterRestart ? "yes" : "NO")} |"));
        }
    }

    /// <summary>
    /// Bulk-loads <paramref name="n"/> random unit vectors of model <paramref name="calculator"/> under 1,000 subjects into the demo
    /// recognition collection (the store's bulk path: binary COPY on PostgreSQL), 100k per shard; returns the seconds it took.
    /// </summary>
    internal static async Task<double> BulkLoadAsync(string connection, int n, string calculator)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = connection })
            .Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddStorage(configuration);
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IFaceStore>();
        await store.EnsureSchemaAsync();

        var started = Stopwatch.GetTimestamp();
        var subjects = Enumerable.Range(0, 1000).Select(i => new SubjectRecord(Guid.NewGuid(), $"person-{i}")).ToArray();
        foreach (var subject in subjects)
        {
            await store.AddSubjectAsync(DemoCollection, subject);
        }

        var random = new Random(20261128);
        const int batch = 10_000;
        for (var offset = 0; offset < n; offset += batch)
        {
            var faces = new FaceRecord[Math.Min(batch, n - offset)];
            for (var i = 0; i < faces.Length; i++)
            {
                var row = offset + i;
                faces[i] = new FaceRecord(Guid.NewGuid(), subjects[row % subjects.Length].SubjectId, row / 100_000, RandomUnit(random), calculator);
            }

            await store.AddFacesAsync(DemoCollection, faces);
        }

        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static async Task HttpEnrolmentAsync(HttpClient http, BenchSettings settings)
    {
        var photo = await File.ReadAllBytesAsync(Path.Combine(SharedData.Root, "data", "compreface-samples", "sample_images", "007_B.jpg"));
        var until = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
        var added = 0;
        var errors = 0;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                using var content = new MultipartFormDataContent { { Jpeg(photo), "file", "face.jpg" } };
                using var response = await http.PostAsync(new Uri("/api/v1/recognition/faces?subject=enrolled", UriKind.Relative), content);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref added);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }));
        var rate = added / Stopwatch.GetElapsedTime(started).TotalSeconds;

        var samples = new double[settings.Iterations];
        for (var i = 0; i < samples.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using var content = new MultipartFormDataContent { { Jpeg(photo), "file", "face.jpg" } };
            using var response = await http.PostAsync(new Uri("/api/v1/recognition/recognize", UriKind.Relative), content);
            response.EnsureSuccessStatusCode();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        var stats = Stats.Of(samples);
        await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"HTTP on the collection: enrolment {rate:F1} faces/s with {settings.Concurrency} clients ({errors} errors); photo recognition median {stats.Median:F1} ms, p95 {stats.P95:F1} ms"));
    }

    private static async Task<(double Seconds, string Answer)> TimedRecognizeAsync(HttpClient http, float[] probe)
    {
        var start = Stopwatch.GetTimestamp();
        var answer = await RecognizeAsync(http, probe);
        return (Stopwatch.GetElapsedTime(start).TotalSeconds, answer);
    }

    private static async Task<string> RecognizeAsync(HttpClient http, float[] embedding)
    {
        using var response = await http.PostAsJsonAsync(
            new Uri("/api/v1/recognition/embeddings/recognize?prediction_count=3", UriKind.Relative), new { embeddings = new[] { embedding } });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"recognize failed: {(int)response.StatusCode} {body}");
        }

        using var json = JsonDocument.Parse(body);
        var similarities = json.RootElement.GetProperty("result")[0].GetProperty("similarities");
        if (similarities.GetArrayLength() == 0)
        {
            throw new InvalidOperationException("recognize found nothing: the stored vectors were not searched");
        }

        return similarities.GetRawText();
    }

    /// <summary>The node's embedding model version, which stored vectors must carry to be searched.</summary>
    internal static string CurrentCalculator()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging();
        services.AddFaceInference();
        services.PostConfigure<ModelOptions>(o => o.Path = Path.Combine(SharedData.Root, "models"));
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IFaceEmbedder>().Version;
    }

    private static HttpClient Client(SiloProcess node)
    {
        var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Add("x-api-key", RecognitionKey);
        return http;
    }

    private static ByteArrayContent Jpeg(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        return content;
    }

    internal static float[] RandomUnit(Random random)
    {
        var v = new float[512];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (float)(random.NextDouble() - 0.5);
        }

        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
        return v;
    }

}
