using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CompreFace.Node.Tests;

/// <summary>
/// A face write's webhook deliveries are committed with the write (docs/decisions/0029-webhooks.md): a node killed with
/// <c>kill -9</c> after acknowledging adds, before delivering them, loses none; the restarted node delivers them, on the
/// embedded SQLite store and on PostgreSQL.
/// </summary>
public sealed class WebhookDurabilityTests
{
    private const string RecognitionKey = "00000000-0000-0000-0000-000000000002";

    [Fact]
    public async Task AcknowledgedAdds_KillNineBeforeDeliveryOnSqlite_AreDeliveredByTheRestartedNode()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("cf-node-hooks-").FullName;
        try
        {
            await AssertDeliveredAfterKillAsync(new Dictionary<string, string> { ["Storage:DataDirectory"] = dataDirectory });
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task AcknowledgedAdds_KillNineBeforeDeliveryOnPostgres_AreDeliveredByTheRestartedNode()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync("cf_node_hooks");
        await AssertDeliveredAfterKillAsync(new Dictionary<string, string> { ["ConnectionStrings:Postgres"] = database.ConnectionString });
    }

    private static async Task AssertDeliveredAfterKillAsync(Dictionary<string, string> settings)
    {
        using var receiver = new Receiver();
        settings["Webhooks:AllowedNetworks:0"] = "127.0.0.1";
        settings["Webhooks:PollInterval"] = "00:00:00.100";

        // The first node never sends: the kill lands between commit and delivery, every time.
        settings["Webhooks:Enabled"] = "false";
        var photo = await File.ReadAllBytesAsync(Paths.Photo("compreface-samples/sample_images/007_B.jpg"));
        var acknowledged = new List<string>();
        await using (var node = await NodeProcess.StartAsync(settings))
        {
            receiver.Secret = await DemoWebhook.CreateAsync(node, receiver.Url);
            using var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.Add("x-api-key", RecognitionKey);
            for (var i = 0; i < 4; i++)
            {
                using var content = new MultipartFormDataContent { { Image(photo), "file", "photo.jpg" } };
                using var response = await http.PostAsync(new Uri("/api/v1/recognition/faces?subject=Dora", UriKind.Relative), content);
                Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                acknowledged.Add(json.RootElement.GetProperty("image_id").GetString()!);
            }

            await node.KillAsync();
        }

        Assert.Empty(receiver.Received);
        settings["Webhooks:Enabled"] = "true";
        await using (var node = await NodeProcess.StartAsync(settings))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (receiver.Received.Count < acknowledged.Count && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            await Task.Delay(1000);
        }

        var received = receiver.Received.ToArray();
        Assert.Equal(acknowledged, received.Select(r => r.ImageId));
        Assert.All(received, r => Assert.True(r.SignatureValid && r.Type == "face.added"));
    }

    private static ByteArrayContent Image(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        return content;
    }

    /// <summary>A loopback receiver (HttpListener) that checks each delivery's signature (docs/webhooks.md).</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public Receiver()
        {
            var port = LoopbackPorts.Free();
            Url = new Uri($"http://127.0.0.1:{port}/hook/");
            _listener.Prefixes.Add(Url.ToString());
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public Uri Url { get; }

        public string Secret { get; set; } = string.Empty;

        public ConcurrentQueue<(string Type, string ImageId, bool SignatureValid)> Received { get; } = new();

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
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
                var key = Convert.FromBase64String(Secret["whsec_".Length..]);
                var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, (byte[])[.. Encoding.UTF8.GetBytes($"{id}.{timestamp}."), .. body]));
                using var json = JsonDocument.Parse(body);
                Received.Enqueue((
                    json.RootElement.GetProperty("type").GetString()!,
                    json.RootElement.GetProperty("data").GetProperty("image_id").GetString()!,
                    context.Request.Headers["webhook-signature"] == expected));
                context.Response.StatusCode = 204;
                context.Response.Close();
            }
        }
    }
}
