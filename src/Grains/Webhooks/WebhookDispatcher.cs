using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CompreFace.Grains.Webhooks;

/// <summary>
/// Sends the outbox (docs/decisions/0029-webhooks.md). Every <see cref="WebhookOptions.PollInterval"/> it reads the due
/// deliveries (at most <see cref="WebhookOptions.MaxConcurrencyPerHook"/> of each hook, so one hook's backlog never
/// fills the batch), leases the ones whose hook has a free slot (<see cref="WebhookOptions.MaxConcurrencyPerHook"/>) and
/// sends each on its own task with a timeout, so a slow or dead receiver holds only its own slots and never a request
/// of the API. A 2xx marks the delivery done; anything else schedules a retry with back-off. A node that dies mid-send
/// leaves a lease that expires, and the delivery goes out again (at least once). Only the oldest pending delivery of a
/// (hook, subject) is ever due, so a subject's events arrive in order.
/// </summary>
internal sealed partial class WebhookDispatcher(
    IWebhookStore store,
    WebhookAddressPolicy policy,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private readonly WebhookOptions _options = options.Value;
    private readonly ConcurrentDictionary<Guid, int> _inFlight = new();
    private readonly ConcurrentDictionary<Task, byte> _sends = new();
    private HttpClient? _client;

    /// <summary>Deliveries sent by this node (tests and metrics).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    private long _sent;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = policy.ConnectAsync,

            // Never the process's proxy (HTTP_PROXY…): it would resolve the receiver and connect past the policy.
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = _options.Timeout,
        };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("CompreFace-Webhooks", "1.0"));
        _client = client;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await DispatchDueAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogOutboxUnavailable(logger, exception);
                }

                await Task.Delay(_options.PollInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Sends in flight finish or time out; their leases cover them either way.
            await Task.WhenAll(_sends.Keys);
        }
    }

    private async Task DispatchDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();

        // Long enough for every attempt this node may still start on a claimed delivery.
        var leaseUntil = nowMs + (long)(_options.Timeout.TotalMilliseconds * 2) + 5_000;
        var due = await store.FindDueAsync(nowMs, _options.BatchSize, _options.MaxConcurrencyPerHook, cancellationToken);
        foreach (var delivery in due)
        {
            if (!TryTakeSlot(delivery.HookId))
            {
                continue;
            }

            bool claimed;
            try
            {
                claimed = await store.TryClaimAsync(delivery.Seq, nowMs, leaseUntil, cancellationToken);
            }
            catch
            {
                ReleaseSlot(delivery.HookId);
                throw;
            }

            if (!claimed)
            {
                ReleaseSlot(delivery.HookId);
                continue;
            }

            var send = SendAsync(delivery, leaseUntil, cancellationToken);
            _sends.TryAdd(send, 0);
            _ = send.ContinueWith(t => _sends.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task SendAsync(OutboxDelivery delivery, long leaseUntil, CancellationToken stoppingToken)
    {
        try
        {
            var body = WebhookPayload.Serialize(delivery);
            var id = delivery.EventId.ToString("D");
            var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
            int? status = null;
            string? error = null;
            using (var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new ByteArrayContent(body) })
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
            {
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.Add(WebhookSignature.IdHeader, id);
                request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
                request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(delivery.Secret, id, timestamp, body));
                timeout.CancelAfter(_options.Timeout);
                try
                {
                    using var response = await _client!.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                    status = (int)response.StatusCode;
                    if (!response.IsSuccessStatusCode)
                    {
                        error = "HTTP " + status.Value.ToString(CultureInfo.InvariantCulture);
                    }
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    error = "Timed out after " + _options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s";
                }
                catch (HttpRequestException exception)
                {
                    error = exception.Message;
                }
            }

            // Recorded even while stopping: a lost mark only means one more delivery (at least once).
            using var record = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            if (error is null)
            {
                await store.CompleteAsync(delivery.Seq, leaseUntil, time.GetUtcNow().ToUnixTimeMilliseconds(), status!.Value, record.Token);
                Interlocked.Increment(ref _sent);
                return;
            }

            var attempts = delivery.Attempts + 1;
            var failedAt = time.GetUtcNow();
            var next = WebhookBackoff.NextAttempt(attempts, failedAt, _options);
            await store.FailAsync(delivery.Seq, leaseUntil, failedAt.ToUnixTimeMilliseconds(), attempts, next?.ToUnixTimeMilliseconds(), status, error, record.Token);
            if (next is null)
            {
                LogGivenUp(logger, delivery.HookId, delivery.Type, attempts, error);
            }
            else
            {
                LogRetry(logger, delivery.HookId, delivery.Type, attempts, error);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogOutboxUnavailable(logger, exception);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the lease expires and another node (or this one after a restart) sends it.
        }
        finally
        {
            ReleaseSlot(delivery.HookId);
        }
    }

    private bool TryTakeSlot(Guid hookId)
    {
        while (true)
        {
            var current = _inFlight.GetOrAdd(hookId, 0);
            if (current >= _options.MaxConcurrencyPerHook)
            {
                return false;
            }

            if (_inFlight.TryUpdate(hookId, current + 1, current))
            {
                return true;
            }
        }
    }

    private void ReleaseSlot(Guid hookId) => _inFlight.AddOrUpdate(hookId, 0, static (_, n) => Math.Max(0, n - 1));

    [LoggerMessage(EventId = 8000, Level = LogLevel.Warning, Message = "Webhook outbox unavailable; retrying at the next check")]
    private static partial void LogOutboxUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 8001, Level = LogLevel.Information, Message = "Webhook {HookId}: {Type} attempt {Attempts} failed ({Error}); retried with back-off")]
    private static partial void LogRetry(ILogger logger, Guid hookId, string type, int attempts, string error);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Warning, Message = "Webhook {HookId}: {Type} given up after {Attempts} attempts ({Error})")]
    private static partial void LogGivenUp(ILogger logger, Guid hookId, string type, int attempts, string error);
}
