using System.Net;
using System.Text.Json;
using CompreFace.Grains.Storage;
using CompreFace.Grains.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.Admin.Tests;

/// <summary>
/// One node per store for the webhook tests, each with its owner registered, started when a test first asks for it
/// (docs/decisions/0029-webhooks.md). The factories let loopback receivers through (Webhooks:AllowedNetworks) and
/// retry fast.
/// </summary>
public sealed class WebhookNodes : IAsyncLifetime, IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<Store, AdminFactory> _nodes = [];

    public async Task<AdminFactory> GetAsync(Store store)
    {
        await _lock.WaitAsync();
        try
        {
            if (!_nodes.TryGetValue(store, out var factory))
            {
                factory = store == Store.Postgres ? new PostgresAdminFactory() : new AdminFactory();
                using var client = AdminClient.Create(factory);
                await client.RegisterAsync(AdminNode.OwnerEmail, AdminNode.OwnerPassword, "Olga", "Owner");
                _nodes[store] = factory;
            }

            return factory;
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task<AdminClient> OwnerAsync(Store store)
    {
        var client = AdminClient.Create(await GetAsync(store));
        await client.LoginAsync(AdminNode.OwnerEmail, AdminNode.OwnerPassword);
        return client;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var factory in _nodes.Values)
        {
            factory.Dispose();
        }

        _nodes.Clear();
        _lock.Dispose();
    }
}

/// <summary>Deliveries to a real loopback receiver: every event signed, outages, ordering, a hanging receiver.</summary>
public sealed class WebhookTests(WebhookNodes nodes) : IClassFixture<WebhookNodes>
{
    private const string Faces = "/api/v1/recognition/faces";
    private static readonly string[] UnknownEvent = ["face.changed"];

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task EveryEventType_DeliveredOnceWithAValidSignature(Store store)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var owner = await nodes.OwnerAsync(store);
        var (appId, serviceId, key) = await ServiceAsync(owner);
        var hookId = await CreateHookAsync(owner, appId, serviceId, receiver, ["face.added", "face.deleted", "subject.renamed", "subject.deleted", "key.rotated", "recognition.matched"], 0.5);

        var (status, added) = await owner.PostPhotoAsync($"{Faces}?subject=Ann", key, SharedData.SampleBytes("001_A.jpg"));
        Assert.Equal(HttpStatusCode.Created, status);
        (status, _) = await owner.PostPhotoAsync("/api/v1/recognition/recognize", key, SharedData.SampleBytes("002_A.jpg"));
        Assert.Equal(HttpStatusCode.OK, status);
        (status, _) = await owner.SendAsync(HttpMethod.Put, "/api/v1/recognition/subjects/Ann", new { subject = "Anna" }, key);
        Assert.Equal(HttpStatusCode.OK, status);
        (status, _) = await owner.SendAsync(HttpMethod.Delete, $"{Faces}/{added.GetProperty("image_id").GetString()}", apiKey: key);
        Assert.Equal(HttpStatusCode.OK, status);
        (status, _) = await owner.SendAsync(HttpMethod.Delete, "/api/v1/recognition/subjects/Anna", apiKey: key);
        Assert.Equal(HttpStatusCode.OK, status);
        (status, _) = await owner.SendAsync(HttpMethod.Put, $"/admin/app/{appId}/model/{serviceId}/apikey");
        Assert.Equal(HttpStatusCode.OK, status);
        (status, _) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model/{serviceId}/webhooks/{hookId}/test");
        Assert.Equal(HttpStatusCode.Accepted, status);

        string[] expected = ["face.added", "recognition.matched", "subject.renamed", "face.deleted", "subject.deleted", "key.rotated", "webhook.test"];
        var received = await receiver.WaitForAsync(r => r.Count >= expected.Length, TimeSpan.FromSeconds(60), "every event type");
        Assert.Equal(expected.Order(StringComparer.Ordinal), received.Select(r => r.Type).Order(StringComparer.Ordinal));
        Assert.All(received, r => Assert.True(r.SignatureValid, $"{r.Type}: signature did not verify"));
        Assert.Equal(received.Count, received.Select(r => r.Id).Distinct().Count());
        Assert.Equal("Ann", received.Single(r => r.Type == "face.added").Subject);
        var renamed = received.Single(r => r.Type == "subject.renamed").Body.GetProperty("data");
        Assert.Equal(("Anna", "Ann"), (renamed.GetProperty("subject").GetString(), renamed.GetProperty("old_subject").GetString()));
        var matched = received.Single(r => r.Type == "recognition.matched").Body.GetProperty("data");
        Assert.Equal("Ann", matched.GetProperty("subject").GetString());
        Assert.True(matched.GetProperty("similarity").GetDouble() >= 0.5);
        Assert.Equal(serviceId.ToString("D"), received[0].Body.GetProperty("service_id").GetString());

        // A tampered body or a wrong secret does not verify (the receiver's check is real).
        var first = received[0];
        var bytes = JsonSerializer.SerializeToUtf8Bytes(first.Body);
        var signature = WebhookSignature.Sign(receiver.Secret, first.Id, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), bytes);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(WebhookSignature.Verify(receiver.Secret, first.Id, now, signature, bytes, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(receiver.Secret, first.Id, now, signature, [.. bytes, (byte)' '], DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(WebhookSignature.NewSecret(), first.Id, now, signature, bytes, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));

        // The delivery log shows them delivered.
        await WaitAsync(async () => (await DeliveriesAsync(owner, appId, serviceId)).Count(d => d.GetProperty("status").GetString() == "DELIVERED") == expected.Length);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task SubjectDeletedAndCreatedAgain_EventsTellTheTwoApartBySubjectId(Store store)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var owner = await nodes.OwnerAsync(store);
        var (appId, serviceId, key) = await ServiceAsync(owner);
        await CreateHookAsync(owner, appId, serviceId, receiver, ["face.added", "subject.renamed", "subject.deleted"], null);
        var photo = SharedData.SampleBytes("002_A.jpg");

        // Ann, deleted, and a new Ann, renamed: deliveries are ordered per subject, not across subjects, so a lagging
        // receiver may see the new Ann's events before the old Ann's deletion. The name alone cannot tell them apart.
        var (status, first) = await owner.PostPhotoAsync($"{Faces}?subject=Ann", key, photo);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(HttpStatusCode.OK, (await owner.SendAsync(HttpMethod.Delete, "/api/v1/recognition/subjects/Ann", apiKey: key)).Status);
        (status, var second) = await owner.PostPhotoAsync($"{Faces}?subject=Ann", key, photo);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(HttpStatusCode.OK, (await owner.SendAsync(HttpMethod.Put, "/api/v1/recognition/subjects/Ann", new { subject = "Anna" }, key)).Status);

        var received = await receiver.WaitForAsync(r => r.Count >= 4, TimeSpan.FromSeconds(60), "four events");
        string SubjectIdOf(Func<WebhookReceiver.Received, bool> which) =>
            received.Single(which).Body.GetProperty("data").GetProperty("subject_id").GetString()!;
        string ImageId(WebhookReceiver.Received r) => r.Body.GetProperty("data").GetProperty("image_id").GetString()!;
        var old = SubjectIdOf(r => r.Type == "face.added" && ImageId(r) == first.GetProperty("image_id").GetString());
        var recreated = SubjectIdOf(r => r.Type == "face.added" && ImageId(r) == second.GetProperty("image_id").GetString());
        Assert.True(Guid.TryParse(old, out _) && Guid.TryParse(recreated, out _), $"{old} {recreated}");
        Assert.NotEqual(old, recreated);
        Assert.Equal(old, SubjectIdOf(r => r.Type == "subject.deleted"));
        Assert.Equal(recreated, SubjectIdOf(r => r.Type == "subject.renamed"));
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task ReceiverDownThroughRetriesAtTheLongestDelay_ThenBack_AllDeliveredOnceInOrder(Store store)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var owner = await nodes.OwnerAsync(store);
        var (appId, serviceId, key) = await ServiceAsync(owner);
        await CreateHookAsync(owner, appId, serviceId, receiver, [], null);
        await receiver.StopAsync();

        // One subject's life while the receiver is down: three examples, a rename, one example deleted, the subject deleted.
        var ids = new List<string>();
        foreach (var photo in new[] { "001_A.jpg", "002_A.jpg", "003_A.jpg" })
        {
            var (status, body) = await owner.PostPhotoAsync($"{Faces}?subject=Cara", key, SharedData.SampleBytes(photo));
            Assert.Equal(HttpStatusCode.Created, status);
            ids.Add(body.GetProperty("image_id").GetString()!);
        }

        Assert.Equal(HttpStatusCode.OK, (await owner.SendAsync(HttpMethod.Put, "/api/v1/recognition/subjects/Cara", new { subject = "Carla" }, key)).Status);
        Assert.Equal(HttpStatusCode.OK, (await owner.SendAsync(HttpMethod.Delete, $"{Faces}/{ids[1]}", apiKey: key)).Status);
        Assert.Equal(HttpStatusCode.OK, (await owner.SendAsync(HttpMethod.Delete, "/api/v1/recognition/subjects/Carla", apiKey: key)).Status);

        // The receiver stays down until the first delivery has failed six times: with the factories' 0.25 s base delay
        // doubling to at most 2 s, the last waits were at the longest delay.
        await WaitAsync(async () => (await DeliveriesAsync(owner, appId, serviceId)).Any(d => d.GetProperty("attempts").GetInt32() >= 6));
        Assert.Empty(receiver.Deliveries);
        await receiver.RestartAsync();

        string[] expected = ["face.added", "face.added", "face.added", "subject.renamed", "face.deleted", "subject.deleted"];
        await WaitAsync(async () => (await DeliveriesAsync(owner, appId, serviceId)).Count(d => d.GetProperty("status").GetString() == "DELIVERED") == expected.Length);

        // Every delivery is logged delivered, so none is pending and nothing more can arrive: what came is all there is.
        var received = receiver.Deliveries;
        Assert.Equal(expected, received.Select(r => r.Type));
        Assert.Equal(ids, received.Take(3).Select(r => r.Body.GetProperty("data").GetProperty("image_id").GetString()));
        Assert.Equal(ids[1], received[4].Body.GetProperty("data").GetProperty("image_id").GetString());
        Assert.All(received, r => Assert.True(r.SignatureValid));
        Assert.Equal(expected.Length, received.Select(r => r.Id).Distinct().Count());
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task HangingReceiver_AddsWhileADeliveryHangs_AnswerBeforeItEnds(Store store)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Hang = true;
        using var owner = await nodes.OwnerAsync(store);
        var (appId, serviceId, key) = await ServiceAsync(owner);
        await CreateHookAsync(owner, appId, serviceId, receiver, [], null);
        var photo = SharedData.SampleBytes("001_A.jpg");

        // The first add's delivery reaches the receiver and hangs there (the factories' delivery timeout is two minutes).
        // Adds made meanwhile answer while it still hangs: none waits on a delivery.
        var (status, _) = await owner.PostPhotoAsync($"{Faces}?subject=first", key, photo);
        Assert.Equal(HttpStatusCode.Created, status);
        await receiver.WhenHangingAsync(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 3; i++)
        {
            (status, _) = await owner.PostPhotoAsync($"{Faces}?subject=next{i}", key, photo);
            Assert.Equal(HttpStatusCode.Created, status);
        }

        Assert.Equal(0, receiver.HangsEnded);
        Assert.Empty(receiver.Deliveries);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task DeletedServiceOrApplication_TakesItsHooksAndTheirDeliveriesAlong(Store store)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var owner = await nodes.OwnerAsync(store);
        var hooks = (await nodes.GetAsync(store)).Services.GetRequiredService<IWebhookStore>();
        await receiver.StopAsync();

        // Two services with a hook and a delivery still pending (the receiver is down): one deleted on its own, the other
        // with its application. Nobody could manage those hooks any more, yet their URL and secret would stay stored.
        var deleted = new List<Guid>();
        foreach (var path in (Func<Guid, Guid, string>[])[(app, service) => $"/admin/app/{app}/model/{service}", (app, _) => $"/admin/app/{app}"])
        {
            var (appId, serviceId, key) = await ServiceAsync(owner);
            await CreateHookAsync(owner, appId, serviceId, receiver, ["face.added"], null);
            var (status, _) = await owner.PostPhotoAsync($"{Faces}?subject=Gone", key, SharedData.SampleBytes("001_A.jpg"));
            Assert.Equal(HttpStatusCode.Created, status);
            Assert.Single(await hooks.ListDeliveriesAsync(serviceId, 10));

            Assert.Equal(HttpStatusCode.OK, (await owner.SendAsync(HttpMethod.Delete, path(appId, serviceId))).Status);
            deleted.Add(serviceId);
        }

        foreach (var serviceId in deleted)
        {
            Assert.Empty(await hooks.ListHooksAsync(serviceId));
            Assert.Empty(await hooks.ListDeliveriesAsync(serviceId, 10));
        }
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task PrivateAddress_RefusedByDefault_LoopbackOnlyThroughTheAllowList(Store store)
    {
        using var owner = await nodes.OwnerAsync(store);
        var (appId, serviceId, _) = await ServiceAsync(owner);
        var (status, body) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model/{serviceId}/webhooks", new { url = "http://10.0.0.5/hook" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(26, body.GetProperty("code").GetInt32());
        Assert.Contains("Webhooks:AllowedNetworks", body.GetProperty("message").GetString(), StringComparison.Ordinal);

        (status, body) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model/{serviceId}/webhooks", new { url = "http://[::1]:9/hook" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        (status, body) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model/{serviceId}/webhooks", new { url = "http://127.0.0.1:9/hook", events = UnknownEvent });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("face.changed", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        (status, _) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model/{serviceId}/webhooks", new { url = "http://127.0.0.1:9/hook" });
        Assert.Equal(HttpStatusCode.Created, status);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task Webhooks_OfAService_ManagedByItsAppOwnerOnly(Store store)
    {
        using var owner = await nodes.OwnerAsync(store);
        var (appId, serviceId, _) = await ServiceAsync(owner);
        var (status, created) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model/{serviceId}/webhooks", new { url = "http://127.0.0.1:9/hook" });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.StartsWith("whsec_", created.GetProperty("secret").GetString(), StringComparison.Ordinal);
        var hookId = created.GetProperty("id").GetString();

        var (_, list) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/model/{serviceId}/webhooks");
        var listed = Assert.Single(list.EnumerateArray());
        Assert.False(listed.TryGetProperty("secret", out _));
        Assert.Equal(["face.added", "face.deleted", "subject.renamed", "subject.deleted", "key.rotated"], listed.GetProperty("events").EnumerateArray().Select(e => e.GetString()));

        // Another user, in no role of the application, neither sees nor changes them.
        using var stranger = AdminClient.Create(await nodes.GetAsync(store));
        var email = "stranger-" + Guid.NewGuid().ToString("N") + "@example.com";
        await stranger.RegisterAsync(email, "password-123", "S", "Tranger");
        await stranger.LoginAsync(email, "password-123");
        (status, _) = await stranger.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/model/{serviceId}/webhooks");
        Assert.NotEqual(HttpStatusCode.OK, status);
        (status, _) = await stranger.SendAsync(HttpMethod.Delete, $"/admin/app/{appId}/model/{serviceId}/webhooks/{hookId}");
        Assert.NotEqual(HttpStatusCode.OK, status);

        // Through a service of another application (one its caller manages), the hook's id reaches nothing.
        var (otherApp, otherService, _) = await ServiceAsync(owner);
        var foreign = $"/admin/app/{otherApp}/model/{otherService}/webhooks/{hookId}";
        Assert.Equal(HttpStatusCode.NotFound, (await owner.SendAsync(HttpMethod.Put, foreign, new { url = "http://127.0.0.1:11/hook" })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.SendAsync(HttpMethod.Post, foreign + "/test")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.SendAsync(HttpMethod.Delete, foreign)).Status);
        Assert.Equal("http://127.0.0.1:9/hook", Assert.Single((await owner.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/model/{serviceId}/webhooks")).Body.EnumerateArray()).GetProperty("url").GetString());

        (status, var updated) = await owner.SendAsync(HttpMethod.Put, $"/admin/app/{appId}/model/{serviceId}/webhooks/{hookId}", new { url = "http://127.0.0.1:10/hook", enabled = false });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(updated.GetProperty("enabled").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await owner.SendAsync(HttpMethod.Delete, $"/admin/app/{appId}/model/{serviceId}/webhooks/{hookId}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.SendAsync(HttpMethod.Delete, $"/admin/app/{appId}/model/{serviceId}/webhooks/{hookId}")).Status);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task Webhooks_MoreCreatedAtOnceThanTheLimit_OnlyTheLimitIsKept(Store store)
    {
        using var owner = await nodes.OwnerAsync(store);
        var (appId, serviceId, _) = await ServiceAsync(owner);
        var hooks = $"/admin/app/{appId}/model/{serviceId}/webhooks";
        var max = new WebhookOptions().MaxHooksPerService;

        // All at once: the service's webhook grain is reentrant, so the limit must hold for creations that overlap.
        var results = await Task.WhenAll(Enumerable.Range(0, max + 5).Select(i => owner.SendAsync(HttpMethod.Post, hooks, new { url = $"http://127.0.0.1:9/hook{i}" })));

        Assert.Equal(max, results.Count(r => r.Status == HttpStatusCode.Created));
        Assert.All(results.Where(r => r.Status != HttpStatusCode.Created), r =>
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.Status);
            Assert.Equal(26, r.Body.GetProperty("code").GetInt32());
            Assert.Contains("Webhooks:MaxHooksPerService", r.Body.GetProperty("message").GetString(), StringComparison.Ordinal);
        });
        Assert.Equal(max, (await owner.SendAsync(HttpMethod.Get, hooks)).Body.GetArrayLength());
    }

    private static async Task<(Guid AppId, Guid ServiceId, string Key)> ServiceAsync(AdminClient owner)
    {
        var appId = await owner.CreateAppAsync();
        var (serviceId, key) = await owner.CreateServiceAsync(appId);
        return (appId, serviceId, key);
    }

    private static async Task<string> CreateHookAsync(AdminClient owner, Guid appId, Guid serviceId, WebhookReceiver receiver, string[] events, double? threshold)
    {
        var (status, body) = await owner.SendAsync(
            HttpMethod.Post, $"/admin/app/{appId}/model/{serviceId}/webhooks", new { url = receiver.Url.ToString(), events, similarityThreshold = threshold });
        Assert.True(status == HttpStatusCode.Created, $"create hook: {status} {body}");
        receiver.Secret = body.GetProperty("secret").GetString()!;
        return body.GetProperty("id").GetString()!;
    }

    /// <summary>The service's delivery log, newest first.</summary>
    private static async Task<JsonElement[]> DeliveriesAsync(AdminClient owner, Guid appId, Guid serviceId)
    {
        var (status, log) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/model/{serviceId}/webhooks/deliveries");
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. log.EnumerateArray()];
    }

    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in 30 s");
            await Task.Delay(100);
        }
    }
}
