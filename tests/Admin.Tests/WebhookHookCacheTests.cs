using System.Net;
using CompreFace.Grains.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.Admin.Tests;

/// <summary>
/// The hook list a service's webhook grain keeps in memory (docs/decisions/0029-webhooks.md) follows every change,
/// also one that a recognition reads around: the grain is reentrant, so a recognition's <c>recognition.matched</c>
/// check may load the list while a change of a hook is being written.
/// </summary>
public sealed class WebhookHookCacheTests
{
    private const string Faces = "/api/v1/recognition/faces";
    private static readonly string[] Added = ["face.added"];
    private static readonly string[] AddedAndMatched = ["face.added", "recognition.matched"];

    [Fact]
    public async Task HookChange_ARecognitionReadsTheListMeanwhile_LaterRecognitionsSeeTheChange()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var store = new GatedWebhookStore();
        using var factory = new GatedStoreFactory(store);
        using var owner = await AdminClient.SignedUpAsync(factory, AdminNode.OwnerEmail, AdminNode.OwnerPassword, "Olga", "Owner");
        var appId = await owner.CreateAppAsync();
        var (serviceId, key) = await owner.CreateServiceAsync(appId);
        var hooks = $"/admin/app/{appId}/model/{serviceId}/webhooks";
        var (status, created) = await owner.SendAsync(HttpMethod.Post, hooks, new { url = receiver.Url.ToString(), events = Added });
        Assert.Equal(HttpStatusCode.Created, status);
        receiver.Secret = created.GetProperty("secret").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await owner.PostPhotoAsync($"{Faces}?subject=Ann", key, SharedData.SampleBytes("001_A.jpg"))).Status);

        // The hook subscribes to recognition.matched; while that change is being written, a recognition loads the list.
        store.HoldUpdates();
        var update = owner.SendAsync(
            HttpMethod.Put, $"{hooks}/{created.GetProperty("id").GetString()}", new { url = receiver.Url.ToString(), events = AddedAndMatched });
        await store.WhenUpdateReachedAsync(TimeSpan.FromSeconds(30));
        var listed = store.NextListAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, (await owner.PostPhotoAsync("/api/v1/recognition/recognize", key, SharedData.SampleBytes("002_A.jpg"))).Status);
        await listed;
        store.ReleaseUpdates();
        Assert.Equal(HttpStatusCode.OK, (await update).Status);

        // Once the change is answered, a recognition reports its match.
        Assert.Equal(HttpStatusCode.OK, (await owner.PostPhotoAsync("/api/v1/recognition/recognize", key, SharedData.SampleBytes("003_A.jpg"))).Status);
        await receiver.WaitForAsync(r => r.Any(d => d.Type == "recognition.matched"), TimeSpan.FromSeconds(30), "recognition.matched after the change");
    }

    /// <summary>The node with its webhook store wrapped in <paramref name="store"/>.</summary>
    private sealed class GatedStoreFactory(GatedWebhookStore store) : AdminFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services =>
            {
                var real = services.Single(d => d.ServiceType == typeof(IWebhookStore));
                services.Remove(real);
                services.AddSingleton<IWebhookStore>(sp =>
                {
                    store.Inner = (IWebhookStore)ActivatorUtilities.CreateInstance(sp, real.ImplementationType!);
                    return store;
                });
            });
        }
    }

    /// <summary>The real store, with a phase barrier: hook updates can be held before they are written, and the next list load signalled.</summary>
    private sealed class GatedWebhookStore : IWebhookStore
    {
        private TaskCompletionSource? _updates;
        private TaskCompletionSource _updateReached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource? _listed;

        public IWebhookStore Inner { get; set; } = null!;

        public Task WhenUpdateReachedAsync(TimeSpan timeout) => _updateReached.Task.WaitAsync(timeout);

        public void HoldUpdates()
        {
            _updateReached = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _updates = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public void ReleaseUpdates() => Interlocked.Exchange(ref _updates, null)?.TrySetResult();

        /// <summary>Completes when a list load that starts from now on has returned; fails after <paramref name="timeout"/>.</summary>
        public Task NextListAsync(TimeSpan timeout) => (_listed = new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(timeout);

        public async Task<IReadOnlyList<WebhookRecord>> ListHooksAsync(Guid collectionId, CancellationToken cancellationToken = default)
        {
            var signal = _listed;
            var hooks = await Inner.ListHooksAsync(collectionId, cancellationToken);
            signal?.TrySetResult();
            return hooks;
        }

        public async Task<bool> UpdateHookAsync(WebhookRecord hook, CancellationToken cancellationToken = default)
        {
            _updateReached.TrySetResult();
            if (_updates is { } held)
            {
                await held.Task.WaitAsync(cancellationToken);
            }

            return await Inner.UpdateHookAsync(hook, cancellationToken);
        }

        public Task CreateHookAsync(WebhookRecord hook, CancellationToken cancellationToken = default) => Inner.CreateHookAsync(hook, cancellationToken);

        public Task<bool> DeleteHookAsync(Guid collectionId, Guid hookId, CancellationToken cancellationToken = default) => Inner.DeleteHookAsync(collectionId, hookId, cancellationToken);

        public Task<int> EnqueueAsync(Guid collectionId, WebhookEventDraft draft, CancellationToken cancellationToken = default) => Inner.EnqueueAsync(collectionId, draft, cancellationToken);

        public Task<IReadOnlyList<OutboxDelivery>> FindDueAsync(long nowMs, int limit, int perHook, CancellationToken cancellationToken = default) =>
            Inner.FindDueAsync(nowMs, limit, perHook, cancellationToken);

        public Task<bool> TryClaimAsync(long seq, long nowMs, long leaseUntilMs, CancellationToken cancellationToken = default) => Inner.TryClaimAsync(seq, nowMs, leaseUntilMs, cancellationToken);

        public Task CompleteAsync(long seq, long leaseUntilMs, long nowMs, int statusCode, CancellationToken cancellationToken = default) =>
            Inner.CompleteAsync(seq, leaseUntilMs, nowMs, statusCode, cancellationToken);

        public Task FailAsync(long seq, long leaseUntilMs, long nowMs, int attempts, long? nextAttemptMs, int? statusCode, string failure, CancellationToken cancellationToken = default) =>
            Inner.FailAsync(seq, leaseUntilMs, nowMs, attempts, nextAttemptMs, statusCode, failure, cancellationToken);

        public Task<int> PurgeFinishedAsync(long beforeMs, CancellationToken cancellationToken = default) => Inner.PurgeFinishedAsync(beforeMs, cancellationToken);

        public Task<IReadOnlyList<OutboxEntry>> ListDeliveriesAsync(Guid collectionId, int limit, CancellationToken cancellationToken = default) =>
            Inner.ListDeliveriesAsync(collectionId, limit, cancellationToken);

        public Task<long> CountPendingAsync(CancellationToken cancellationToken = default) => Inner.CountPendingAsync(cancellationToken);
    }
}
