using CompreFace.Grains.Admin;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CompreFace.Grains.Webhooks;

/// <summary>
/// Deletes finished deliveries (delivered or given up) older than <see cref="WebhookOptions.DeliveryRetention"/> every
/// <see cref="WebhookOptions.PurgeInterval"/>, so the outbox and its delivery log do not grow with every face write
/// forever. Pending deliveries are never purged (at least once). Each node runs it, whether or not it delivers; the
/// delete is idempotent.
/// </summary>
internal sealed partial class WebhookRetention(IWebhookStore store, IOptions<WebhookOptions> options, ILogger<WebhookRetention> logger) : IPurge
{
    public TimeSpan Interval => options.Value.PurgeInterval;

    public Task<int> DeleteAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        store.PurgeFinishedAsync((now - options.Value.DeliveryRetention).ToUnixTimeMilliseconds(), cancellationToken);

    public void OnPurged(int count) => LogPurged(logger, count, options.Value.DeliveryRetention);

    [LoggerMessage(EventId = 8100, Level = LogLevel.Information, Message = "Webhooks: purged {Count} finished deliveries older than {Retention}")]
    private static partial void LogPurged(ILogger logger, int count, TimeSpan retention);
}
