namespace CompreFace.Grains.Storage;

/// <summary>A hook of a face service as stored.</summary>
/// <param name="HookId">Its id.</param>
/// <param name="CollectionId">The face service (= its collection).</param>
/// <param name="Url">Where deliveries are POSTed.</param>
/// <param name="Secret">The HMAC key (<c>whsec_</c> + base64), shown once at creation.</param>
/// <param name="Events">The event types it receives.</param>
/// <param name="SimilarityThreshold">For <c>recognition.matched</c>: the lowest similarity reported.</param>
/// <param name="Enabled">Disabled hooks get nothing new and keep their log.</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record WebhookRecord(
    Guid HookId, Guid CollectionId, string Url, string Secret, IReadOnlyList<string> Events, double? SimilarityThreshold, bool Enabled, DateTimeOffset CreatedAt);

/// <summary>An event that no face write carries (key rotation, recognition, test), queued for the hooks that want it.</summary>
/// <param name="Type">The event type.</param>
/// <param name="Subject">The subject concerned, if any.</param>
/// <param name="ImageId">The example concerned, if any.</param>
/// <param name="Similarity">recognition.matched: the match's similarity (hooks whose threshold is above it skip it).</param>
/// <param name="OnlyHook">Only this hook, whatever its subscriptions (the test event).</param>
public sealed record WebhookEventDraft(string Type, string? Subject = null, Guid? ImageId = null, double? Similarity = null, Guid? OnlyHook = null);

/// <summary>One delivery of the outbox: the event and where it goes.</summary>
public sealed record OutboxDelivery(
    long Seq, Guid EventId, Guid HookId, Guid CollectionId, string Type, string? Subject, string? OldSubject, Guid? ImageId, double? Similarity,
    long CreatedAtMs, int Attempts, string Url, string Secret, Guid? SubjectId = null);

/// <summary>A delivery as the log shows it.</summary>
public sealed record OutboxEntry(
    long Seq, Guid EventId, Guid HookId, string Type, string? Subject, int Status, int Attempts, long CreatedAtMs, long? DeliveredAtMs, int? LastStatus, string? LastError);

/// <summary>
/// Hooks and their outbox (docs/decisions/0029-webhooks.md). Deliveries of face writes are inserted by
/// <see cref="IFaceStore"/> in the write's own transaction; this store manages hooks, queues the other events, and lets
/// dispatchers claim due deliveries under a lease, one subject at a time per hook.
/// </summary>
public interface IWebhookStore
{
    Task<IReadOnlyList<WebhookRecord>> ListHooksAsync(Guid collectionId, CancellationToken cancellationToken = default);

    Task CreateHookAsync(WebhookRecord hook, CancellationToken cancellationToken = default);

    /// <summary>Changes address, events, threshold and state (not the secret); false when not in this collection.</summary>
    Task<bool> UpdateHookAsync(WebhookRecord hook, CancellationToken cancellationToken = default);

    /// <summary>Deletes a hook with its pending and logged deliveries; false when not in this collection.</summary>
    Task<bool> DeleteHookAsync(Guid collectionId, Guid hookId, CancellationToken cancellationToken = default);

    /// <summary>Queues <paramref name="draft"/> for every enabled hook of the collection that wants it; returns how many.</summary>
    Task<int> EnqueueAsync(Guid collectionId, WebhookEventDraft draft, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> due deliveries in outbox order: pending, due, not leased, of an enabled hook, and
    /// each the oldest pending one of its (hook, subject), so a subject's events go out in order. At most
    /// <paramref name="perHook"/> of one hook, so a hook with a long backlog cannot fill the batch and starve the others.
    /// </summary>
    Task<IReadOnlyList<OutboxDelivery>> FindDueAsync(long nowMs, int limit, int perHook, CancellationToken cancellationToken = default);

    /// <summary>Leases a due delivery until <paramref name="leaseUntilMs"/>; false when another dispatcher took it first.</summary>
    Task<bool> TryClaimAsync(long seq, long nowMs, long leaseUntilMs, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks a claimed delivery delivered at <paramref name="nowMs"/>; nothing when <paramref name="leaseUntilMs"/> (the
    /// caller's claim; 0 for a delivery never claimed) is no longer its lease.
    /// </summary>
    Task CompleteAsync(long seq, long leaseUntilMs, long nowMs, int statusCode, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a failed attempt made at <paramref name="nowMs"/>: retried at <paramref name="nextAttemptMs"/>, or given
    /// up when null; nothing when <paramref name="leaseUntilMs"/> is no longer its lease (as <see cref="CompleteAsync"/>).
    /// </summary>
    Task FailAsync(long seq, long leaseUntilMs, long nowMs, int attempts, long? nextAttemptMs, int? statusCode, string failure, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the deliveries that finished (delivered or given up) before <paramref name="beforeMs"/>, in batches;
    /// pending ones stay whatever their age. Returns how many went.
    /// </summary>
    Task<int> PurgeFinishedAsync(long beforeMs, CancellationToken cancellationToken = default);

    /// <summary>The newest deliveries of a collection's hooks, newest first.</summary>
    Task<IReadOnlyList<OutboxEntry>> ListDeliveriesAsync(Guid collectionId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Whether any delivery is pending (for tests and the dispatcher's idle wait).</summary>
    Task<long> CountPendingAsync(CancellationToken cancellationToken = default);
}
