using CompreFace.Grains.Interfaces.Admin;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace CompreFace.Grains.Webhooks;

/// <summary>
/// The hooks of one face service (docs/decisions/0029-webhooks.md). Keeps the list in memory, so the recognition path
/// learns in one local call, without a query, that nobody wants <c>recognition.matched</c>; every change goes
/// through this grain and the store, which the dispatcher reads.
/// </summary>
[Reentrant]
internal sealed partial class ServiceWebhooksGrain(
    IWebhookStore store, WebhookAddressPolicy policy, IOptions<WebhookOptions> options, TimeProvider time, ILogger<ServiceWebhooksGrain> logger)
    : Grain, IServiceWebhooksGrain, IDisposable
{
    // One creation at a time: the grain is reentrant, and concurrent creations would each count the hooks before any
    // of them is written, past MaxHooksPerService.
    private readonly SemaphoreSlim _creating = new(1, 1);
    private IReadOnlyList<WebhookRecord>? _hooks;

    // Bumped by every change: a list load that a change overlapped (this grain is reentrant) is not kept.
    private long _version;

    private Guid ServiceId => this.GetPrimaryKey();

    async Task<IReadOnlyList<WebhookInfo>> IServiceWebhooksGrain.ListAsync(CancellationToken cancellationToken) =>
        [.. (await HooksAsync(cancellationToken)).Select(ToInfo)];

    async Task<WebhookResult> IServiceWebhooksGrain.CreateAsync(WebhookSpec spec, CancellationToken cancellationToken)
    {
        if (Validate(spec) is { } error)
        {
            return new WebhookResult(null, null, error);
        }

        var hook = new WebhookRecord(Guid.NewGuid(), ServiceId, spec.Url, WebhookSignature.NewSecret(), Events(spec), spec.SimilarityThreshold, spec.Enabled, time.GetUtcNow());
        await _creating.WaitAsync(cancellationToken);
        try
        {
            var max = options.Value.MaxHooksPerService;
            if ((await HooksAsync(cancellationToken)).Count >= max)
            {
                return new WebhookResult(null, null, $"A service has at most {max} webhooks (Webhooks:MaxHooksPerService)");
            }

            await store.CreateHookAsync(hook, cancellationToken);
            Invalidate();
        }
        finally
        {
            _creating.Release();
        }

        LogCreated(logger, hook.HookId, ServiceId);
        return new WebhookResult(ToInfo(hook), hook.Secret, null);
    }

    async Task<WebhookResult?> IServiceWebhooksGrain.UpdateAsync(Guid hookId, WebhookSpec spec, CancellationToken cancellationToken)
    {
        var existing = (await HooksAsync(cancellationToken)).FirstOrDefault(h => h.HookId == hookId);
        if (existing is null)
        {
            return null;
        }

        if (Validate(spec) is { } error)
        {
            return new WebhookResult(null, null, error);
        }

        var hook = existing with { Url = spec.Url, Events = Events(spec), SimilarityThreshold = spec.SimilarityThreshold, Enabled = spec.Enabled };
        Invalidate();
        var updated = await store.UpdateHookAsync(hook, cancellationToken);
        Invalidate();
        return updated ? new WebhookResult(ToInfo(hook), null, null) : null;
    }

    async Task<bool> IServiceWebhooksGrain.DeleteAsync(Guid hookId, CancellationToken cancellationToken)
    {
        Invalidate();
        var deleted = await store.DeleteHookAsync(ServiceId, hookId, cancellationToken);
        Invalidate();
        return deleted;
    }

    async Task<IReadOnlyList<WebhookDelivery>> IServiceWebhooksGrain.DeliveriesAsync(int limit, CancellationToken cancellationToken) =>
        [.. (await store.ListDeliveriesAsync(ServiceId, Math.Clamp(limit, 1, 1000), cancellationToken)).Select(e => new WebhookDelivery(
            e.EventId, e.HookId, e.Type, e.Subject,
            e.Status switch { 1 => "DELIVERED", 2 => "FAILED", _ => e.Attempts == 0 ? "PENDING" : "RETRYING" },
            e.Attempts,
            DateTimeOffset.FromUnixTimeMilliseconds(e.CreatedAtMs),
            e.DeliveredAtMs is { } delivered ? DateTimeOffset.FromUnixTimeMilliseconds(delivered) : null,
            e.LastStatus,
            e.LastError))];

    async Task<bool> IServiceWebhooksGrain.SendTestAsync(Guid hookId, CancellationToken cancellationToken) =>
        (await HooksAsync(cancellationToken)).Any(h => h.HookId == hookId)
        && await store.EnqueueAsync(ServiceId, new WebhookEventDraft(WebhookEvents.Test, OnlyHook: hookId), cancellationToken) > 0;

    async Task IServiceWebhooksGrain.NotifyRecognitionAsync(IReadOnlyList<RecognitionMatch> matches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(matches);
        var wanted = (await HooksAsync(cancellationToken)).Where(h => h.Enabled && h.Events.Contains(WebhookEvents.RecognitionMatched)).ToList();
        if (wanted.Count == 0)
        {
            return;
        }

        var lowest = wanted.Min(h => h.SimilarityThreshold ?? 0);
        foreach (var match in matches.Where(m => m.Similarity >= lowest))
        {
            await store.EnqueueAsync(ServiceId, new WebhookEventDraft(WebhookEvents.RecognitionMatched, match.Subject, match.ImageId, match.Similarity), cancellationToken);
        }
    }

    private async Task<IReadOnlyList<WebhookRecord>> HooksAsync(CancellationToken cancellationToken)
    {
        if (_hooks is { } hooks)
        {
            return hooks;
        }

        var version = _version;
        var loaded = await store.ListHooksAsync(ServiceId, cancellationToken);
        if (version == _version)
        {
            _hooks = loaded;
        }

        return loaded;
    }

    /// <summary>
    /// Before and after a change is written: the list is loaded again, and a load that overlapped the write (which may
    /// have read the list as it was before) is not kept.
    /// </summary>
    private void Invalidate()
    {
        _hooks = null;
        _version++;
    }

    public void Dispose() => _creating.Dispose();

    private string? Validate(WebhookSpec spec)
    {
        if (policy.Validate(spec.Url) is { } error)
        {
            return error;
        }

        if (spec.Url.Length > 2000)
        {
            return "The webhook URL is longer than 2000 characters";
        }

        if (spec.Events.FirstOrDefault(e => !WebhookEvents.All.Contains(e)) is { } unknown)
        {
            return $"Unknown webhook event '{unknown}'; known: {string.Join(", ", WebhookEvents.All)}";
        }

        return spec.SimilarityThreshold is { } t && !(t >= 0 && t <= 1) ? "similarityThreshold should be between 0 and 1" : null;
    }

    private static IReadOnlyList<string> Events(WebhookSpec spec) => spec.Events.Count == 0 ? WebhookEvents.Default : [.. spec.Events.Distinct()];

    private static WebhookInfo ToInfo(WebhookRecord hook) =>
        new(hook.HookId, hook.Url, hook.Events, hook.SimilarityThreshold, hook.Enabled, hook.CreatedAt);

    [LoggerMessage(EventId = 8010, Level = LogLevel.Information, Message = "Webhook {HookId} created for service {ServiceId}")]
    private static partial void LogCreated(ILogger logger, Guid hookId, Guid serviceId);
}
