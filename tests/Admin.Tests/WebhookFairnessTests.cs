using System.Net;
using Microsoft.AspNetCore.Hosting;

namespace CompreFace.Admin.Tests;

/// <summary>
/// One hook's backlog does not hold back the deliveries of the others (docs/decisions/0029-webhooks.md): a check
/// takes at most <c>MaxConcurrencyPerHook</c> due deliveries of each hook, so a hook with more due deliveries than a
/// batch (a bulk enrolment, a slow receiver) cannot fill every batch with deliveries it has no free slot for.
/// </summary>
public sealed class WebhookFairnessTests
{
    [Fact]
    public async Task DueDeliveries_OneHookHasMoreThanABatch_AnotherHookIsStillDelivered()
    {
        await using var slow = await WebhookReceiver.StartAsync();
        await using var other = await WebhookReceiver.StartAsync();
        slow.Hang = true;
        using var factory = new SmallBatchFactory();
        using var owner = await AdminClient.SignedUpAsync(factory, AdminNode.OwnerEmail, AdminNode.OwnerPassword, "Olga", "Owner");
        var appId = await owner.CreateAppAsync();
        var slowHook = await CreateHookAsync(owner, appId, slow);
        var otherHook = await CreateHookAsync(owner, appId, other);

        // The slow hook's first delivery hangs in its only slot; two more of its deliveries are due: a batch's worth.
        Assert.Equal(HttpStatusCode.Accepted, (await owner.SendAsync(HttpMethod.Post, slowHook + "/test")).Status);
        await slow.WhenHangingAsync(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await owner.SendAsync(HttpMethod.Post, slowHook + "/test")).Status);
        }

        // The other hook's delivery, queued after them, goes out while the first one still hangs (its timeout is a minute).
        Assert.Equal(HttpStatusCode.Accepted, (await owner.SendAsync(HttpMethod.Post, otherHook + "/test")).Status);
        await other.WaitForAsync(r => r.Count == 1, TimeSpan.FromSeconds(30), "the other hook's delivery");
        Assert.Equal(0, slow.HangsEnded);
    }

    /// <summary>A hook of a new recognition service of <paramref name="appId"/> to <paramref name="receiver"/>; returns its admin path.</summary>
    private static async Task<string> CreateHookAsync(AdminClient owner, Guid appId, WebhookReceiver receiver)
    {
        var (serviceId, _) = await owner.CreateServiceAsync(appId);
        var hooks = $"/admin/app/{appId}/model/{serviceId}/webhooks";
        var (status, body) = await owner.SendAsync(HttpMethod.Post, hooks, new { url = receiver.Url.ToString() });
        Assert.Equal(HttpStatusCode.Created, status);
        receiver.Secret = body.GetProperty("secret").GetString()!;
        return $"{hooks}/{body.GetProperty("id").GetString()}";
    }

    /// <summary>Batches of two, one delivery in flight per hook, and a delivery timeout no test step waits out.</summary>
    private sealed class SmallBatchFactory : AdminFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Webhooks:BatchSize", "2");
            builder.UseSetting("Webhooks:MaxConcurrencyPerHook", "1");
            builder.UseSetting("Webhooks:Timeout", "00:01:00");
        }
    }
}
