using CompreFace.Grains.Admin;
using CompreFace.Grains.Storage;
using CompreFace.Grains.Webhooks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CompreFace.Admin.Tests;

/// <summary>
/// The outbox's retention purge (<see cref="WebhookRetention"/>) on both stores: finished deliveries (delivered, given
/// up) go once older than <see cref="WebhookOptions.DeliveryRetention"/>, pending ones never, on the injected clock.
/// </summary>
public sealed class WebhookRetentionTests
{
    private static readonly string[] Events = ["face.added"];

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task Purge_FinishedDeliveriesOlderThanRetention_GoPendingOnesStay(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (collection, seqs) = await QueueAsync(harness.Webhooks, 4);

        // One delivered, one given up, one failed with a retry due in a day (still pending), one never tried.
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await harness.Webhooks.CompleteAsync(seqs[0], 0, now, 204);
        await harness.Webhooks.FailAsync(seqs[1], 0, now, 100, null, 500, "HTTP 500");
        await harness.Webhooks.FailAsync(seqs[2], 0, now, 1, now + (long)TimeSpan.FromDays(1).TotalMilliseconds, 503, "HTTP 503");
        var retention = Retention(harness.Webhooks, clock);

        clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1));
        Assert.Equal(0, await retention.PurgeAsync(CancellationToken.None));
        Assert.Equal(4, (await harness.Webhooks.ListDeliveriesAsync(collection, 50)).Count);

        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(2, await retention.PurgeAsync(CancellationToken.None));
        var left = await harness.Webhooks.ListDeliveriesAsync(collection, 50);
        Assert.Equal([seqs[3], seqs[2]], left.Select(d => d.Seq));
        Assert.All(left, d => Assert.Equal(0, d.Status));
        Assert.Equal(2, await harness.Webhooks.CountPendingAsync());

        // Pending rows stay however old they get; once delivered they go after the retention in turn.
        clock.Advance(TimeSpan.FromDays(30));
        Assert.Equal(0, await retention.PurgeAsync(CancellationToken.None));
        await harness.Webhooks.CompleteAsync(seqs[2], 0, clock.GetUtcNow().ToUnixTimeMilliseconds(), 200);
        clock.Advance(TimeSpan.FromDays(8));
        Assert.Equal(1, await retention.PurgeAsync(CancellationToken.None));
        Assert.Equal(seqs[3], Assert.Single(await harness.Webhooks.ListDeliveriesAsync(collection, 50)).Seq);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task Purge_ManyFinishedDeliveries_AllGoAcrossBatches(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (_, seqs) = await QueueAsync(harness.Webhooks, 1);
        await harness.Webhooks.CompleteAsync(seqs[0], 0, clock.GetUtcNow().ToUnixTimeMilliseconds(), 200);

        // 2^13 = 8192 delivered rows (more than one purge batch), doubled in portable SQL.
        for (var i = 0; i < 13; i++)
        {
            await harness.ExecuteSqlAsync(
                """
                INSERT INTO cf_webhook_outbox (event_id, hook_id, collection_id, event_type, subject, created_at, status, next_attempt_at, delivered_at)
                SELECT event_id, hook_id, collection_id, event_type, subject, created_at, status, next_attempt_at, delivered_at FROM cf_webhook_outbox
                """);
        }

        clock.Advance(TimeSpan.FromDays(8));
        Assert.Equal(8192, await Retention(harness.Webhooks, clock).PurgeAsync(CancellationToken.None));
        Assert.Equal(0, await harness.ExecuteSqlAsync("DELETE FROM cf_webhook_outbox"));
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task RetentionService_TicksOnTheInjectedClock_PurgesEachInterval(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (collection, seqs) = await QueueAsync(harness.Webhooks, 1);
        await harness.Webhooks.CompleteAsync(seqs[0], 0, clock.GetUtcNow().ToUnixTimeMilliseconds(), 200);
        clock.Advance(TimeSpan.FromDays(8));
        var retention = Retention(harness.Webhooks, clock);
        await retention.StartAsync(CancellationToken.None);
        try
        {
            // Older than the retention, but the interval has not passed on the injected clock: nothing purged yet.
            await Task.Delay(200);
            Assert.Single(await harness.Webhooks.ListDeliveriesAsync(collection, 50));

            // Each interval on the fake clock ticks the loop once; the loop starts on its own task, so keep ticking
            // until its purge is seen (bounded).
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((await harness.Webhooks.ListDeliveriesAsync(collection, 50)).Count > 0 && DateTime.UtcNow < deadline)
            {
                clock.Advance(TimeSpan.FromMinutes(1));
                await Task.Delay(50);
            }

            Assert.Empty(await harness.Webhooks.ListDeliveriesAsync(collection, 50));
        }
        finally
        {
            await retention.StopAsync(CancellationToken.None);
        }
    }

    private static PeriodicPurge<WebhookRetention> Retention(IWebhookStore store, TimeProvider clock) =>
        new(
            new WebhookRetention(
                store,
                Options.Create(new WebhookOptions { DeliveryRetention = TimeSpan.FromDays(7), PurgeInterval = TimeSpan.FromMinutes(1) }),
                NullLogger<WebhookRetention>.Instance),
            clock,
            NullLogger<WebhookRetention>.Instance);

    /// <summary>A hook on a new collection and <paramref name="count"/> queued deliveries to it; returns their seqs in order.</summary>
    private static async Task<(Guid Collection, IReadOnlyList<long> Seqs)> QueueAsync(IWebhookStore store, int count)
    {
        var collection = Guid.NewGuid();
        var hook = Guid.NewGuid();
        await store.CreateHookAsync(new WebhookRecord(hook, collection, "https://receiver.example.com/hook", WebhookSignature.NewSecret(), Events, null, true, DateTimeOffset.UtcNow));
        for (var i = 0; i < count; i += 1)
        {
            await store.EnqueueAsync(collection, new WebhookEventDraft("face.added", "S" + i));
        }

        var seqs = (await store.ListDeliveriesAsync(collection, count)).Select(d => d.Seq).Order().ToArray();
        Assert.Equal(count, seqs.Length);
        return (collection, seqs);
    }
}
