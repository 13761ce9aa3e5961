namespace CompreFace.Grains.Interfaces.Admin;

/// <summary>The event types a webhook can receive (docs/decisions/0029-webhooks.md).</summary>
public static class WebhookEvents
{
    public const string FaceAdded = "face.added";
    public const string FaceDeleted = "face.deleted";
    public const string SubjectRenamed = "subject.renamed";
    public const string SubjectDeleted = "subject.deleted";
    public const string KeyRotated = "key.rotated";

    /// <summary>Opt-in: a recognition matched a subject at or above the hook's similarity threshold.</summary>
    public const string RecognitionMatched = "recognition.matched";

    /// <summary>Sent by "send test event" to one hook, whatever it subscribes to.</summary>
    public const string Test = "webhook.test";

    /// <summary>Every type a hook may subscribe to.</summary>
    public static IReadOnlyList<string> All { get; } = [FaceAdded, FaceDeleted, SubjectRenamed, SubjectDeleted, KeyRotated, RecognitionMatched];

    /// <summary>What a new hook gets when it names none: everything but the opt-in recognition events.</summary>
    public static IReadOnlyList<string> Default { get; } = [FaceAdded, FaceDeleted, SubjectRenamed, SubjectDeleted, KeyRotated];
}

/// <summary>What the administrator sets on a hook.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Admin.WebhookSpec")]
public sealed record WebhookSpec(string Url, IReadOnlyList<string> Events, double? SimilarityThreshold, bool Enabled);

/// <summary>A hook as the admin API shows it (never its secret, which is shown once at creation).</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Admin.WebhookInfo")]
public sealed record WebhookInfo(
    Guid HookId, string Url, IReadOnlyList<string> Events, double? SimilarityThreshold, bool Enabled,
    DateTimeOffset CreatedAt);

/// <summary>The outcome of creating or changing a hook: the hook (and on creation its secret) or why it was refused.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Admin.WebhookResult")]
public sealed record WebhookResult(WebhookInfo? Hook, string? Secret, string? Error);

/// <summary>One delivery in a hook's log.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Admin.WebhookDelivery")]
public sealed record WebhookDelivery(
    Guid EventId, Guid HookId, string Type, string? Subject, string Status, int Attempts, DateTimeOffset CreatedAt,
    DateTimeOffset? DeliveredAt, int? LastStatusCode, string? LastError);

/// <summary>A recognised subject, reported to hooks that opted in to <c>recognition.matched</c>.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Admin.RecognitionMatch")]
public sealed record RecognitionMatch(string Subject, double Similarity, Guid? ImageId);

/// <summary>The webhooks of one face service, keyed by the service's id (= its collection's).</summary>
[Alias("CompreFace.Admin.IServiceWebhooksGrain")]
public interface IServiceWebhooksGrain : IGrainWithGuidKey
{
    [Alias("ListAsync")]
    Task<IReadOnlyList<WebhookInfo>> ListAsync(CancellationToken cancellationToken = default);

    [Alias("CreateAsync")]
    Task<WebhookResult> CreateAsync(WebhookSpec spec, CancellationToken cancellationToken = default);

    /// <summary>Null when the hook is not this service's.</summary>
    [Alias("UpdateAsync")]
    Task<WebhookResult?> UpdateAsync(Guid hookId, WebhookSpec spec, CancellationToken cancellationToken = default);

    [Alias("DeleteAsync")]
    Task<bool> DeleteAsync(Guid hookId, CancellationToken cancellationToken = default);

    /// <summary>The newest deliveries of this service's hooks, newest first.</summary>
    [Alias("DeliveriesAsync")]
    Task<IReadOnlyList<WebhookDelivery>> DeliveriesAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>Queues a <c>webhook.test</c> event for one hook; false when the hook is not this service's.</summary>
    [Alias("SendTestAsync")]
    Task<bool> SendTestAsync(Guid hookId, CancellationToken cancellationToken = default);

    /// <summary>Queues <c>recognition.matched</c> for the hooks that want it and whose threshold the match reaches.</summary>
    [Alias("NotifyRecognitionAsync")]
    Task NotifyRecognitionAsync(IReadOnlyList<RecognitionMatch> matches, CancellationToken cancellationToken = default);
}
