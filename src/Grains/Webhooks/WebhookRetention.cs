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
internal sealed partial class WebhookRetention(
    IWebhookStore store,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookRetention> logger) : PeriodicPurge(time)
{
    /// <summary>One purge; returns how many deliveries went.</summary>
    public override async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var before = Time.GetUtcNow() - options.Value.DeliveryRetention;
        var purged = await store.PurgeFinishedAsync(before.ToUnixTimeMilliseconds(), cancellationToken);
        if (purged > 0)
        {
            LogPurged(logger, purged, options.Value.DeliveryRetention);
        }

        return purged;
    }

    protected override TimeSpan Interval => options.Value.PurgeInterval;

    protected override void OnPurgeFailed(Exception exception) => LogPurgeFailed(logger, exception);

    [LoggerMessage(EventId = 8100, Level = LogLevel.Information, Message = "Webhooks: purged {Count} finished deliveries older than {Retention}")]
    private static partial void LogPurged(ILogger logger, int count, TimeSpan retention);

    [LoggerMessage(EventId = 8101, Level = LogLevel.Warning, Message = "Webhooks: the delivery purge failed; it runs again at the next interval")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception);
}
