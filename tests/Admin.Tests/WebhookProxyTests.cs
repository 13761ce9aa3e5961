using System.Net;
using System.Text.Json;

namespace CompreFace.Admin.Tests;

/// <summary>
/// Deliveries never go through the process's default proxy (<c>HTTP_PROXY</c>, <c>HTTPS_PROXY</c>, <c>ALL_PROXY</c>):
/// a proxy resolves the receiver's name and connects to it itself, where the address policy cannot see, so a hook
/// could reach any address the proxy can. Alone in its collection because it sets <see cref="HttpClient.DefaultProxy"/>,
/// which is process-wide.
/// </summary>
[Collection(Name)]
public sealed class WebhookProxyTests
{
    public const string Name = "Webhook default proxy";

    [Fact]
    public async Task Delivery_ProcessHasADefaultProxy_ConnectsDirectlySoThePolicyStillApplies()
    {
        // The proxy sits on loopback, which the test node allows (as an operator would allow a proxy's network).
        await using var proxy = await WebhookReceiver.StartAsync();
        var previous = HttpClient.DefaultProxy;
        HttpClient.DefaultProxy = new WebProxy(new Uri($"http://127.0.0.1:{proxy.Port}"));
        try
        {
            using var factory = new AdminFactory();
            using var owner = await AdminClient.SignedUpAsync(factory, AdminNode.OwnerEmail, AdminNode.OwnerPassword, "Olga", "Owner");
            var appId = await owner.CreateAppAsync();
            var (serviceId, _) = await owner.CreateServiceAsync(appId);
            var hooks = $"/admin/app/{appId}/model/{serviceId}/webhooks";

            // A name that resolves nowhere (.invalid): only the proxy could deliver it, as it would deliver a name of
            // the inside network (or one that resolves to 169.254.169.254) that the node's own connection refuses.
            var (status, created) = await owner.SendAsync(HttpMethod.Post, hooks, new { url = "http://internal.invalid/hook" });
            Assert.Equal(HttpStatusCode.Created, status);
            Assert.Equal(HttpStatusCode.Accepted, (await owner.SendAsync(HttpMethod.Post, $"{hooks}/{created.GetProperty("id").GetString()}/test")).Status);

            var delivery = await FirstAttemptAsync(owner, hooks);
            Assert.Empty(proxy.Deliveries);
            Assert.NotEqual("DELIVERED", delivery.GetProperty("status").GetString());
        }
        finally
        {
            HttpClient.DefaultProxy = previous;
        }
    }

    /// <summary>The hook's only delivery once it has been attempted (the log shows the outcome).</summary>
    private static async Task<JsonElement> FirstAttemptAsync(AdminClient owner, string hooks)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var (status, log) = await owner.SendAsync(HttpMethod.Get, $"{hooks}/deliveries");
            Assert.Equal(HttpStatusCode.OK, status);
            if (log.EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } delivery && delivery.GetProperty("attempts").GetInt32() >= 1)
            {
                return delivery;
            }

            Assert.True(DateTime.UtcNow < deadline, "no delivery attempt in 30 s");
            await Task.Delay(100);
        }
    }
}

/// <summary>Runs <see cref="WebhookProxyTests"/> alone: it changes the process's default proxy.</summary>
[CollectionDefinition(WebhookProxyTests.Name, DisableParallelization = true)]
public sealed class WebhookProxyTestGroup;
