using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace CompreFace.Benchmarks;

/// <summary>
/// Recognise throughput of a cluster of 1, 2 and 3 nodes (issue P5), each a real <c>src/Silo</c> process in
/// <c>Cluster:Mode=Postgres</c> on one database, with clients spread round-robin over the nodes as a load balancer would.
/// On one machine the nodes share its cores, so this measures the cluster's overhead, not scale-out.
/// </summary>
internal static class ClusterBenchmark
{
    private const string RecognitionKey = "00000000-0000-0000-0000-000000000002";

    public static async Task RunAsync(BenchSettings settings, string server)
    {
        Console.WriteLine("| nodes | clients | recognitions/s | median ms | p95 ms | errors |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var nodes in new[] { 1, 2, 3 })
        {
            await RunOneAsync(nodes, settings, server);
        }
    }

    private static async Task RunOneAsync(int count, BenchSettings settings, string server)
    {
        await using var database = await PostgresServer.CreateDatabaseAsync("cf_bench_cluster", server);
        var connection = database.ConnectionString;
        var nodes = new List<SiloProcess>();
        try
        {
            var nodeSettings = new Dictionary<string, string>
            {
                ["ConnectionStrings:Postgres"] = connection,
                ["Cluster:Mode"] = "Postgres",
                ["Cluster:ClusterId"] = database.DatabaseName,
                ["Cluster:AdvertisedAddress"] = "127.0.0.1",
            };
            foreach (var (key, value) in CompreFace.Testing.ClusterCertificates.Shared.Settings)
            {
                nodeSettings[key] = value;   // a cluster mode runs with mutual TLS between silos
            }

            // One at a time: the first creates the schema, the others join its cluster.
            for (var i = 0; i < count; i++)
            {
                nodes.Add(await SiloProcess.StartAsync(SharedData.Root, nodeSettings));
            }

            var clients = nodes.Select(n => new HttpClient { BaseAddress = n.BaseAddress, Timeout = TimeSpan.FromSeconds(60) }).ToArray();
            foreach (var (subject, photo) in new[] { ("A", "001_A.jpg"), ("B", "007_B.jpg"), ("C", "009_C.jpg") })
            {
                using var add = await PostAsync(clients[0], $"/api/v1/recognition/faces?subject={subject}", Sample(photo));
                if (add.StatusCode != HttpStatusCode.Created)
                {
                    throw new InvalidOperationException($"enrolment failed: {add.StatusCode}");
                }
            }

            // Every node answers once before the clock starts (activations, JIT, connections).
            var probe = Sample("002_A.jpg");
            foreach (var client in clients)
            {
                for (var i = 0; i < settings.Warmup; i++)
                {
                    using var warm = await PostAsync(client, "/api/v1/recognition/recognize", probe);
                }
            }

            var until = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
            var errors = 0;
            var latencies = new List<double>[settings.Concurrency];
            var started = Stopwatch.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(async c =>
            {
                var mine = latencies[c] = [];
                for (var i = c; Stopwatch.GetTimestamp() < until; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    using var response = await PostAsync(clients[i % clients.Length], "/api/v1/recognition/recognize", probe);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref errors);
                    }

                    mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }));
            var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var all = latencies.SelectMany(l => l).ToArray();
            var stats = Stats.Of(all);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {count} | {settings.Concurrency} | {all.Length / elapsed:F1} | {stats.Median:F1} | {stats.P95:F1} | {errors} |"));
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    private static byte[] Sample(string name) =>
        File.ReadAllBytes(Path.Combine(SharedData.Root, "data", "compreface-samples", "sample_images", name));

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string url, byte[] photo)
    {
        var file = new ByteArrayContent(photo);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url, UriKind.Relative))
        {
            Content = new MultipartFormDataContent { { file, "file", "photo.jpg" } },
        };
        request.Headers.Add("x-api-key", RecognitionKey);
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
