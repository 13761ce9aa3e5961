using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using CompreFace.Grains.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CompreFace.Admin.Tests;

/// <summary>
/// A real HTTP receiver on a loopback port (Kestrel): verifies each delivery's signature with the hook's secret and
/// records it. It can be stopped and started again on the same port (a receiver that is down), or made to hang.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<Received> _received = new();
    private readonly TaskCompletionSource _hanging = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private int _hangsEnded;
    private WebApplication? _app;

    public int Port { get; private set; }

    public Uri Url => new($"http://127.0.0.1:{Port}/hook");

    /// <summary>The hook's secret, set once the hook is created.</summary>
    public string Secret { get; set; } = string.Empty;

    /// <summary>While true, requests are held until the receiver stops (a receiver that hangs).</summary>
    public bool Hang { get; set; }

    public IReadOnlyList<Received> Deliveries => [.. _received];

    /// <summary>Waits until a request is held by <see cref="Hang"/> (a delivery is then in flight); fails after <paramref name="timeout"/>.</summary>
    public Task WhenHangingAsync(TimeSpan timeout) => _hanging.Task.WaitAsync(timeout);

    /// <summary>Held requests that ended (the sender gave up on them, or the receiver stopped).</summary>
    public int HangsEnded => Volatile.Read(ref _hangsEnded);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        await receiver.StartAsync(0);
        return receiver;
    }

    /// <summary>Listens again on the same port after <see cref="StopAsync"/>.</summary>
    public Task RestartAsync() => StartAsync(Port);

    public async Task StopAsync()
    {
        if (Hang)
        {
            await _stopping.CancelAsync();
        }

        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the deliveries so far; fails after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<Received>> WaitForAsync(Func<IReadOnlyList<Received>, bool> condition, TimeSpan timeout, string what)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        while (!condition(Deliveries))
        {
            try
            {
                await Task.Delay(50, cancellation.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Timed out waiting for {what}; received: " + string.Join(", ", Deliveries.Select(d => d.Type)));
            }
        }

        return Deliveries;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
    }

    private async Task StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.MapPost("/hook", async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            if (Hang)
            {
                _hanging.TrySetResult();
                try
                {
                    // Until the sender gives up, or the receiver stops (which would otherwise wait out the sender).
                    using var held = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
                    await Task.Delay(Timeout.Infinite, held.Token);
                }
                finally
                {
                    Interlocked.Increment(ref _hangsEnded);
                }
            }

            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, cancellationToken);
            var body = buffer.ToArray();
            var id = request.Headers[WebhookSignature.IdHeader].ToString();
            var valid = WebhookSignature.Verify(
                Secret, id, request.Headers[WebhookSignature.TimestampHeader].ToString(), request.Headers[WebhookSignature.SignatureHeader].ToString(),
                body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
            using var json = JsonDocument.Parse(body);
            _received.Enqueue(new Received(id, json.RootElement.GetProperty("type").GetString()!, json.RootElement.Clone(), valid));
            return Results.Ok();
        });
        await app.StartAsync();
        Port = new Uri(app.Urls.First()).Port;
        _app = app;
    }

    /// <summary>One delivery as received.</summary>
    public sealed record Received(string Id, string Type, JsonElement Body, bool SignatureValid)
    {
        public string? Subject => Body.GetProperty("data").TryGetProperty("subject", out var s) ? s.GetString() : null;
    }
}
