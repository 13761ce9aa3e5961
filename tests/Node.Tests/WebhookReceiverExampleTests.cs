using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CompreFace.Node.Tests;

/// <summary>
/// The documented receiver, <c>deploy/examples/webhook-receiver.cs</c> (docs/webhooks.md), built and run as its readers
/// would, against a real node: it accepts a real delivery and refuses tampered, foreign, stale copies of it, and
/// acknowledges a replay without acting on it twice. Keeps the example from rotting when the signature scheme changes.
/// </summary>
public sealed class WebhookReceiverExampleTests
{
    private const string RecognitionKey = "00000000-0000-0000-0000-000000000002";

    [Fact]
    public async Task ReceiverExample_RealDelivery_AcceptedAndTamperedStaleOrForeignCopiesRefused()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("cf-node-example-").FullName;
        var exampleDirectory = Directory.CreateTempSubdirectory("cf-receiver-example-").FullName;
        try
        {
            var dll = await BuildExampleAsync(exampleDirectory);
            var examplePort = LoopbackPorts.Free();
            var exampleUrl = new Uri($"http://127.0.0.1:{examplePort}/hook");
            using var proxy = new CapturingProxy(exampleUrl);
            await using var node = await NodeProcess.StartAsync(new Dictionary<string, string>
            {
                ["Storage:DataDirectory"] = dataDirectory,
                ["Webhooks:AllowedNetworks:0"] = "127.0.0.1",
                ["Webhooks:PollInterval"] = "00:00:00.100",
            });
            var secret = await DemoWebhook.CreateAsync(node, proxy.Url);
            await using var example = await ExampleProcess.StartAsync(dll, examplePort, secret);

            var imageId = await AddFaceAsync(node);
            var delivery = await proxy.NextAsync(TimeSpan.FromSeconds(60));
            Assert.True(delivery.ExampleStatus == HttpStatusCode.NoContent, $"the example refused a real delivery ({delivery.ExampleStatus}):\n{example.Output}");
            using (var body = JsonDocument.Parse(delivery.Body))
            {
                Assert.Equal(imageId, body.RootElement.GetProperty("data").GetProperty("image_id").GetString());
            }

            await example.WaitForOutputAsync(delivery.Id, TimeSpan.FromSeconds(10));

            using var http = new HttpClient();

            // The same delivery with one byte of the body changed.
            var tampered = delivery.Body.ToArray();
            tampered[^2] ^= 0x01;
            Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(http, exampleUrl, delivery.Id, delivery.Timestamp, delivery.Signature, tampered));

            // Another id under the real signature (the id is signed too).
            Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(http, exampleUrl, Guid.NewGuid().ToString("D"), delivery.Timestamp, delivery.Signature, delivery.Body));

            // Signed with another hook's secret.
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            var foreign = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(http, exampleUrl, delivery.Id, now, Sign(foreign, delivery.Id, now, delivery.Body), delivery.Body));

            // Correctly signed, but ten minutes old: outside the replay window.
            var stale = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            var staleId = Guid.NewGuid().ToString("D");
            Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(http, exampleUrl, staleId, stale, Sign(secret, staleId, stale, delivery.Body), delivery.Body));

            // The real delivery replayed: acknowledged (a repeat of at-least-once delivery), not acted on twice.
            Assert.Equal(HttpStatusCode.NoContent, await SendAsync(http, exampleUrl, delivery.Id, delivery.Timestamp, delivery.Signature, delivery.Body));

            // A fresh event signed here as the node signs is accepted, so the refusals above are the checks at work.
            // It is printed after the replay would have been, so the output is complete: the real event once.
            var freshId = Guid.NewGuid().ToString("D");
            var freshBody = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(delivery.Body).Replace(delivery.Id, freshId, StringComparison.Ordinal));
            Assert.Equal(HttpStatusCode.NoContent, await SendAsync(http, exampleUrl, freshId, now, Sign(secret, freshId, now, freshBody), freshBody));
            await example.WaitForOutputAsync(freshId, TimeSpan.FromSeconds(10));
            Assert.Equal(1, Occurrences(example.Output, delivery.Id));
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
            Directory.Delete(exampleDirectory, recursive: true);
        }
    }

    /// <summary><c>dotnet build deploy/examples/webhook-receiver.cs</c>, as its header says to run it, into <paramref name="output"/>.</summary>
    private static async Task<string> BuildExampleAsync(string output)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Paths.RepositoryRoot,
        };
        foreach (var argument in (string[])["build", Path.Combine("deploy", "examples", "webhook-receiver.cs"), "-o", output, "-v", "q", "-nologo"])
        {
            info.ArgumentList.Add(argument);
        }

        using var build = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet build");
        var stdout = build.StandardOutput.ReadToEndAsync();
        var stderr = build.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await build.WaitForExitAsync(timeout.Token);
        Assert.True(build.ExitCode == 0, $"the receiver example does not build:\n{await stdout}\n{await stderr}");
        return Directory.GetFiles(output, "*webhook-receiver*.dll").Single();
    }

    private static async Task<string> AddFaceAsync(NodeProcess node)
    {
        var photo = await File.ReadAllBytesAsync(Paths.Photo("compreface-samples/sample_images/007_B.jpg"));
        using var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("x-api-key", RecognitionKey);
        var image = new ByteArrayContent(photo);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        using var content = new MultipartFormDataContent { { image, "file", "photo.jpg" } };
        using var response = await http.PostAsync(new Uri("/api/v1/recognition/faces?subject=Dora", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("image_id").GetString()!;
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient http, Uri url, string id, string timestamp, string signature, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp);
        request.Headers.Add("webhook-signature", signature);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>The Standard Webhooks signature as docs/webhooks.md defines it.</summary>
    private static string Sign(string secret, string id, string timestamp, byte[] body) =>
        "v1," + Convert.ToBase64String(HMACSHA256.HashData(
            Convert.FromBase64String(secret["whsec_".Length..]), (byte[])[.. Encoding.UTF8.GetBytes($"{id}.{timestamp}."), .. body]));

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>A delivery as the node sent it, and what the example answered.</summary>
    private sealed record Captured(string Id, string Timestamp, string Signature, byte[] Body, HttpStatusCode ExampleStatus);

    /// <summary>
    /// Between the node and the example: forwards each delivery unchanged (headers and raw body) and answers the node
    /// with the example's status, keeping a copy so the test can replay and tamper with a real delivery.
    /// </summary>
    private sealed class CapturingProxy : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly HttpClient _forward = new() { Timeout = TimeSpan.FromSeconds(5) };
        private readonly Uri _target;
        private readonly BlockingCollection<Captured> _captured = [];

        public CapturingProxy(Uri target)
        {
            _target = target;
            Url = new Uri($"http://127.0.0.1:{LoopbackPorts.Free()}/hook/");
            _listener.Prefixes.Add(Url.ToString());
            _listener.Start();
            _ = Task.Run(LoopAsync);
        }

        public Uri Url { get; }

        public async Task<Captured> NextAsync(TimeSpan timeout)
        {
            using var wait = new CancellationTokenSource(timeout);
            return await Task.Run(() => _captured.Take(wait.Token), wait.Token);
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _forward.Dispose();
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var buffer = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(buffer);
                var body = buffer.ToArray();
                var id = context.Request.Headers["webhook-id"] ?? string.Empty;
                var timestamp = context.Request.Headers["webhook-timestamp"] ?? string.Empty;
                var signature = context.Request.Headers["webhook-signature"] ?? string.Empty;
                HttpStatusCode status;
                try
                {
                    status = await SendAsync(_forward, _target, id, timestamp, signature, body);
                }
                catch (HttpRequestException)
                {
                    // The example is not up yet: the node retries later.
                    status = HttpStatusCode.BadGateway;
                }

                if (status != HttpStatusCode.BadGateway)
                {
                    _captured.Add(new Captured(id, timestamp, signature, body, status));
                }

                context.Response.StatusCode = (int)status;
                context.Response.Close();
            }
        }
    }

    /// <summary>The built example running as its own process.</summary>
    private sealed class ExampleProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private ExampleProcess(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static async Task<ExampleProcess> StartAsync(string dll, int port, string secret)
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(dll);
            info.ArgumentList.Add("--urls");
            info.ArgumentList.Add($"http://127.0.0.1:{port}");
            info.Environment["COMPREFACE_WEBHOOK_SECRET"] = secret;
            var example = new ExampleProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start the example"));

            // Another process: its only sign of readiness is answering (401 to an unsigned request), so poll (bounded).
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                if (example._process.HasExited)
                {
                    throw new InvalidOperationException($"the example exited with code {example._process.ExitCode}:\n{example.Output}");
                }

                try
                {
                    using var probe = await http.PostAsync(new Uri($"http://127.0.0.1:{port}/hook"), new ByteArrayContent([]));
                    Assert.Equal(HttpStatusCode.Unauthorized, probe.StatusCode);
                    return example;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(100);
                }
                catch (TaskCanceledException)
                {
                    // Slow first answer.
                }
            }

            await example.DisposeAsync();
            throw new TimeoutException($"the example did not start listening:\n{example.Output}");
        }

        public async Task WaitForOutputAsync(string text, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (!Output.Contains(text, StringComparison.Ordinal))
            {
                Assert.True(clock.Elapsed < timeout, $"the example did not print {text}:\n{Output}");
                await Task.Delay(50);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }
}
