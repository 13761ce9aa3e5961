using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CompreFace.Benchmarks;

/// <summary>
/// How much of a 1-face recognition request multipart parsing costs (docs/decisions/0019-request-binding.md): the
/// same request body parsed in process by ASP.NET's form reader, as the node configures it, and by a bare copy of the
/// body (what any reader must do at least), interleaved so both see the same machine state; and the whole request
/// (<c>POST /api/v1/recognition/recognize</c>, keep-alive client) against a real node in the same run. The difference
/// divided by the request time bounds what a hand-written reader could save; decision 0019 asks for 5 % before one
/// comes back.
/// </summary>
internal static class MultipartBenchmark
{
    private const long MaxRequestSize = 10 * 1024 * 1024;
    private const string RecognitionKey = "00000000-0000-0000-0000-000000000002";

    public static async Task RunAsync(BenchSettings settings, string sharedRoot)
    {
        var image = await File.ReadAllBytesAsync(Path.Combine(sharedRoot, "data/compreface-samples/load-tests/detect_FACE_1.jpg"));
        using var content = RecognitionContent(image);
        var body = await content.ReadAsByteArrayAsync();
        var contentType = content.Headers.ContentType!.ToString();
        var imageOffset = body.AsSpan().IndexOf(image);

        var readers = new (string Name, Func<Task<int>> Read)[]
        {
            ("ASP.NET ReadFormAsync (FormOptions as the node sets them)", () => ViaAspNetAsync(body, contentType)),
            ("RequestBody.ReadMultipartAsync (ASP.NET's MultipartReader, the node's path)", () => ViaBinderAsync(body, contentType)),

            ("body copy only (lower bound of any reader)", () => CopyOnlyAsync(body, imageOffset, image.Length)),
        };

        var samples = readers.Select(_ => new List<double>()).ToArray();
        var rounds = settings.Iterations * 10;
        for (var round = -settings.Warmup * 10; round < rounds; round++)
        {
            for (var r = 0; r < readers.Length; r++)
            {
                var start = Stopwatch.GetTimestamp();
                var length = await readers[r].Read();
                var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (length != image.Length)
                {
                    throw new InvalidOperationException($"{readers[r].Name} read {length} bytes, expected {image.Length}");
                }

                if (round >= 0)
                {
                    samples[r].Add(elapsed);
                }
            }
        }

        Stats request;
        await using (var node = await SiloProcess.StartAsync(sharedRoot))
        {
            using var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
            request = await MeasureRequestAsync(settings, http, image);
        }

        Console.WriteLine($"# Multipart benchmark {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, body {body.Length} bytes ({image.Length} byte JPEG + 2 fields)");
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Whole request, POST /api/v1/recognition/recognize (1 face): median {request.Median:F2} ms, p95 {request.P95:F2} ms ({request.Count} requests)"));
        Console.WriteLine();
        Console.WriteLine("| reader | median ms | p95 ms | saved vs ASP.NET, share of the request |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        var baseline = Stats.Of([.. samples[0]]).Median;
        for (var r = 0; r < readers.Length; r++)
        {
            var stats = Stats.Of([.. samples[r]]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {readers[r].Name} | {stats.Median:F3} | {stats.P95:F3} | {(baseline - stats.Median) / request.Median:P1} |"));
        }
    }

    private static MultipartFormDataContent RecognitionContent(byte[] image)
    {
        var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        content.Add(file, "file", "image.jpg");
        content.Add(new StringContent("1"), "prediction_count");
        content.Add(new StringContent("1"), "limit");
        return content;
    }

    private static async Task<Stats> MeasureRequestAsync(BenchSettings settings, HttpClient http, byte[] image)
    {
        var samples = new List<double>();
        for (var i = -settings.Warmup; i < settings.Iterations; i++)
        {
            using var content = RecognitionContent(image);
            using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/recognition/recognize") { Content = content };
            message.Headers.Add("x-api-key", RecognitionKey);
            var start = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(message);
            _ = await response.Content.ReadAsByteArrayAsync();
            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"recognize answered {(int)response.StatusCode}");
            }

            if (i >= 0)
            {
                samples.Add(elapsed);
            }
        }

        return Stats.Of([.. samples]);
    }

    private static (DefaultHttpContext Context, CompletingResponseFeature Response) Request(byte[] body, string contentType)
    {
        var response = new CompletingResponseFeature();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(response);
        context.Request.Method = "POST";
        context.Request.ContentType = contentType;
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body, writable: false);
        return (context, response);
    }

    private static async Task<int> ViaAspNetAsync(byte[] body, string contentType)
    {
        var (context, response) = Request(body, contentType);
        var options = new FormOptions { MultipartBodyLengthLimit = MaxRequestSize, MemoryBufferThreshold = (int)MaxRequestSize };
        context.Features.Set<IFormFeature>(new FormFeature(context.Request, options));
        var form = await context.Request.ReadFormAsync();
        var length = await ReadFileAsync(form.Files.GetFile("file")!);
        await response.CompleteAsync();
        return length;
    }

    private static async Task<int> ViaBinderAsync(byte[] body, string contentType)
    {
        var (context, response) = Request(body, contentType);
        var options = new CompreFace.WebApi.ApiOptions { MaxFileSize = 5 * 1024 * 1024, MaxRequestSize = MaxRequestSize };
        var form = await CompreFace.WebApi.Binding.RequestBody.ReadMultipartAsync(context.Request, options, CancellationToken.None);
        var length = await ReadFileAsync(form.Files.GetFile("file")!);
        await response.CompleteAsync();
        return length;
    }

    // What any reader must do at least: take the body off the stream and hand the image on as an array of its own.
    private static async Task<int> CopyOnlyAsync(byte[] body, int imageOffset, int imageLength)
    {
        using var source = new MemoryStream(body, writable: false);
        var buffer = new byte[body.Length];
        await source.ReadExactlyAsync(buffer);
        return buffer.AsSpan(imageOffset, imageLength).ToArray().Length;
    }

    // As ImageInput.ReadFileAsync: the file part's bytes into an array of their own.
    private static async Task<int> ReadFileAsync(IFormFile file)
    {
        var bytes = new byte[file.Length];
        await using var stream = file.OpenReadStream();
        await stream.ReadExactlyAsync(bytes);
        return bytes.Length;
    }

    /// <summary>Runs the response's completion callbacks (the one-pass reader returns its pooled buffer there).</summary>
    private sealed class CompletingResponseFeature : HttpResponseFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> _completed = [];

        public override void OnCompleted(Func<object, Task> callback, object state) => _completed.Add((callback, state));

        public async Task CompleteAsync()
        {
            foreach (var (callback, state) in _completed)
            {
                await callback(state);
            }
        }
    }
}
