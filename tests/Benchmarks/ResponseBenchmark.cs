using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;

namespace CompreFace.Benchmarks;

/// <summary>
/// HTTP latency of the face responses (detect and recognize, with and without CompreFace's plugins) of this tree's node
/// and, when a baseline tree is given, of that tree's node in the same run: both nodes run side by side and every
/// iteration sends the same request to each, alternating which goes first, so both see the same machine load.
/// </summary>
internal static class ResponseBenchmark
{
    private const string DetectionKey = "00000000-0000-0000-0000-000000000003";
    private const string RecognitionKey = "00000000-0000-0000-0000-000000000002";
    private const string Plugins = "face_plugins=age,gender,pose,mask,landmarks&status=true";

    public static async Task RunAsync(BenchSettings settings, string shared, string? baselineRoot)
    {
        var nodes = new List<(string Name, SiloProcess Node, HttpClient Http)>();
        try
        {
            if (baselineRoot is not null)
            {
                var baseline = await SiloProcess.StartAsync(shared, siloDll: Path.Combine(baselineRoot, "src", "Silo", "bin", "Release", "net10.0", "linux-x64", "CompreFace.Silo.dll"));
                nodes.Add(("baseline", baseline, new HttpClient { BaseAddress = baseline.BaseAddress, Timeout = TimeSpan.FromSeconds(60) }));
            }

            var current = await SiloProcess.StartAsync(shared);
            nodes.Add(("this tree", current, new HttpClient { BaseAddress = current.BaseAddress, Timeout = TimeSpan.FromSeconds(60) }));
            await RunAsync(settings, shared, nodes.Select(n => (n.Name, n.Node, n.Http)).ToArray());
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

    private static async Task RunAsync(BenchSettings settings, string shared, (string Name, SiloProcess Node, HttpClient Http)[] nodes)
    {
        var images = new (string Name, byte[] Bytes)[]
        {
            ("1 face", await File.ReadAllBytesAsync(Path.Combine(shared, "data/compreface-samples/load-tests/detect_FACE_1.jpg"))),
            ("5 faces", await File.ReadAllBytesAsync(Path.Combine(shared, "data/compreface-samples/sample_images/000_5.jpg"))),
        };
        foreach (var (_, _, http) in nodes)
        {
            // One enrolled example, so recognize answers a match and not only an empty list.
            if (!await SendAsync(http, "/api/v1/recognition/faces?subject=bench", RecognitionKey, images[0].Bytes))
            {
                throw new InvalidOperationException("enrolment failed");
            }
        }

        var requests = new (string Name, string Url, string Key)[]
        {
            ("detect?face_plugins=calculator", "/api/v1/detection/detect?face_plugins=calculator", DetectionKey),
            ($"detect?{Plugins}", "/api/v1/detection/detect?" + Plugins, DetectionKey),
            ("recognize", "/api/v1/recognition/recognize?prediction_count=1", RecognitionKey),
            ($"recognize?{Plugins}", "/api/v1/recognition/recognize?prediction_count=1&" + Plugins, RecognitionKey),
        };

        Console.WriteLine($"# Response benchmark {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {settings.Iterations} iterations, nodes interleaved");
        Console.WriteLine();
        // Latency moves with whatever else the machine runs; the node's own CPU time per request much less so.
        Console.WriteLine("| image | request | " + string.Join(" | ", nodes.Select(n => $"{n.Name} median / p95 ms | {n.Name} node CPU ms per request")) + " |");
        Console.WriteLine("| --- | --- | " + string.Join(" | ", nodes.Select(_ => "---: | ---:")) + " |");
        foreach (var (imageName, bytes) in images)
        {
            foreach (var (requestName, url, key) in requests)
            {
                var samples = nodes.Select(_ => new List<double>()).ToArray();
                var cpu = new TimeSpan[nodes.Length];
                for (var i = -settings.Warmup; i < settings.Iterations; i++)
                {
                    for (var k = 0; k < nodes.Length; k++)
                    {
                        var n = (i + settings.Warmup + k) % nodes.Length;
                        var cpuBefore = nodes[n].Node.CpuTime;
                        var started = Stopwatch.GetTimestamp();
                        if (!await SendAsync(nodes[n].Http, url, key, bytes))
                        {
                            throw new InvalidOperationException($"{requestName} failed on {nodes[n].Name}");
                        }

                        if (i >= 0)
                        {
                            samples[n].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                            cpu[n] += nodes[n].Node.CpuTime - cpuBefore;
                        }
                    }
                }

                var cells = samples.Select((s, n) => (Stats: Stats.Of([.. s]), Cpu: cpu[n].TotalMilliseconds / Math.Max(1, s.Count)))
                    .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Stats.Median:F1} / {c.Stats.P95:F1} | {c.Cpu:F1}"));
                Console.WriteLine($"| {imageName} | {requestName} | {string.Join(" | ", cells)} |");
            }
        }
    }

    private static async Task<bool> SendAsync(HttpClient http, string url, string key, byte[] image)
    {
        using var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        content.Add(file, "file", "image.jpg");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.Add("x-api-key", key);
        using var response = await http.SendAsync(request);
        _ = await response.Content.ReadAsByteArrayAsync();
        return response.IsSuccessStatusCode;
    }
}
