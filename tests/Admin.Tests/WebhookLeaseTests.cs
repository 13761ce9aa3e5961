using CompreFace.Grains.Storage;
using CompreFace.Grains.Webhooks;

namespace CompreFace.Admin.Tests;

/// <summary>
/// The outbox's leases on both stores (docs/decisions/0029-webhooks.md): an outcome counts only from the dispatcher
/// that still holds the delivery's lease, so a sender whose lease ran out (a stalled node, a skewed clock) and was
/// taken over cannot overwrite what the new holder recorded.
/// </summary>
public sealed class WebhookLeaseTests
{
    private static readonly string[] Events = ["face.added"];

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task Outcome_LeaseRanOutAndWasTakenOver_TheFirstSendersLateOutcomeChangesNothing(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var collection = Guid.NewGuid();
        await harness.Webhooks.CreateHookAsync(new WebhookRecord(Guid.NewGuid(), collection, "https://receiver.example.com/hook", WebhookSignature.NewSecret(), Events, null, true, DateTimeOffset.UtcNow));
        await harness.Webhooks.EnqueueAsync(collection, new WebhookEventDraft("face.added", "S"));
        var seq = Assert.Single(await harness.Webhooks.ListDeliveriesAsync(collection, 10)).Seq;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1_000;

        // Node A leases it; the lease runs out before A records anything, and node B takes the delivery over and delivers it.
        long leaseA = now + 25_000, leaseB = now + 55_000;
        Assert.True(await harness.Webhooks.TryClaimAsync(seq, now, leaseA));
        Assert.True(await harness.Webhooks.TryClaimAsync(seq, now + 30_000, leaseB));
        await harness.Webhooks.CompleteAsync(seq, leaseB, now + 31_000, 200);

        // A's late failure would make the delivered row pending again: sent once more, after its subject's later events.
        await harness.Webhooks.FailAsync(seq, leaseA, now + 32_000, 1, now + 37_000, null, "Timed out");

        var entry = Assert.Single(await harness.Webhooks.ListDeliveriesAsync(collection, 10));
        Assert.Equal((1, 200, (string?)null), (entry.Status, entry.LastStatus, entry.LastError));
        Assert.Equal(0, await harness.Webhooks.CountPendingAsync());
    }
}
