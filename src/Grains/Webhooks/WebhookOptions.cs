using System.ComponentModel.DataAnnotations;

namespace CompreFace.Grains.Webhooks;

/// <summary>Webhook delivery (configuration section <c>Webhooks</c>, docs/decisions/0029-webhooks.md).</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>Whether this node delivers (every node may; deliveries are leased, so each goes out from one).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Networks a receiver may be in although they are private, loopback or link-local (denied by default, so a hook
    /// cannot reach the node's own network): CIDR blocks or single addresses, e.g. <c>10.20.0.0/16</c>, <c>127.0.0.1</c>.
    /// </summary>
    public IList<string> AllowedNetworks { get; } = [];

    /// <summary>
    /// Hooks one face service may have: each face write inserts one delivery per hook in its own transaction, and every
    /// hook takes its share of each dispatcher check, so an unbounded number would slow the writes and the other
    /// services' deliveries.
    /// </summary>
    [Range(1, 1000)]
    public int MaxHooksPerService { get; set; } = 20;

    /// <summary>How long one delivery may take, connection included.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Deliveries in flight to one hook at a time; a slow receiver holds at most this many.</summary>
    [Range(1, 64)]
    public int MaxConcurrencyPerHook { get; set; } = 4;

    /// <summary>How often the outbox is checked for due deliveries.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The first retry's delay; each further retry doubles it, up to <see cref="RetryMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between two attempts.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Attempts after which a delivery is given up (the log keeps it); about 2 days with the defaults.</summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 100;

    /// <summary>Deliveries claimed per check.</summary>
    [Range(1, 10000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// How long a finished delivery (delivered or given up) stays in the outbox and its delivery log before the
    /// purge deletes it; pending deliveries are never purged.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan DeliveryRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often finished deliveries older than <see cref="DeliveryRetention"/> are purged.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);
}
