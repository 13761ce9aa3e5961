namespace CompreFace.Grains.Interfaces;

/// <summary>CompreFace's three kinds of face service.</summary>
[GenerateSerializer]
public enum FaceServiceType
{
    /// <summary>Recognition: a face collection plus recognize/verify.</summary>
    Recognition = 0,

    /// <summary>Detection only.</summary>
    Detection = 1,

    /// <summary>Verification of two images.</summary>
    Verify = 2,
}

/// <summary>CompreFace's seeded demo services (docs/compreface-behaviour.md#seed-data), whose keys SDK test suites and the UI rely on.</summary>
public static class DemoServices
{
    /// <summary>The "Demo" recognition service's seeded API key (a key rotation replaces it).</summary>
    public const string RecognitionApiKey = "00000000-0000-0000-0000-000000000002";

    /// <summary>The "Detection_Demo" service's seeded API key.</summary>
    public const string DetectionApiKey = "00000000-0000-0000-0000-000000000003";

    /// <summary>The "Verification_Demo" service's seeded API key.</summary>
    public const string VerificationApiKey = "00000000-0000-0000-0000-000000000004";

    /// <summary>The "Demo" recognition service's id, which no key rotation changes.</summary>
    public static readonly Guid RecognitionServiceId = new("00000000-0000-0000-0000-000000000001");

    /// <summary>The seeded "Demo application"'s id.</summary>
    public static readonly Guid ApplicationId = new("00000000-0000-0000-0000-000000000001");

    /// <summary>The seeded services' ids (recognition, detection, verification); a service's id is its collection's.</summary>
    public static IReadOnlyList<Guid> SeededServiceIds { get; } =
        [RecognitionServiceId, new("00000000-0000-0000-0000-000000000003"), new("00000000-0000-0000-0000-000000000004")];

    /// <summary>The three published keys CompreFace seeds (recognition, detection, verification).</summary>
    public static IReadOnlyList<Guid> SeededApiKeys { get; } = [new(RecognitionApiKey), new(DetectionApiKey), new(VerificationApiKey)];
}

/// <summary>
/// A face service as the face API sees it: which one it is, of what type, and its own request quota (null: the
/// node-wide <c>RateLimits:ApiKey</c> applies), so the rate limiter reads it without another call.
/// </summary>
[GenerateSerializer, Immutable, Alias("CompreFace.FaceServiceInfo")]
public sealed record FaceServiceInfo(Guid ServiceId, FaceServiceType Type, string Name, ServiceQuota? Quota = null);

/// <summary>
/// A face service's request quota, set by its application's owner or administrators (decision 0024): a token bucket
/// of <see cref="RequestsPerSecond"/> sustained and up to <see cref="Burst"/> at once, on every node.
/// </summary>
[GenerateSerializer, Immutable, Alias("CompreFace.ServiceQuota")]
public sealed record ServiceQuota(double RequestsPerSecond, int Burst)
{
    /// <summary>The largest rate a quota may name.</summary>
    public const double MaxRequestsPerSecond = 100_000;

    /// <summary>The largest burst a quota may name.</summary>
    public const int MaxBurst = 1_000_000;

    /// <summary>Whether the values are in range: a rate above 0 (fractions allowed) and a burst of 1 or more.</summary>
    public bool IsValid => RequestsPerSecond > 0 && RequestsPerSecond <= MaxRequestsPerSecond && Burst is >= 1 and <= MaxBurst;
}

/// <summary>
/// An API key, keyed by its canonical (lower-case) UUID string. Resolves to the face service it opens.
/// </summary>
[Alias("CompreFace.IApiKeyGrain")]
public interface IApiKeyGrain : IGrainWithStringKey
{
    /// <summary>The service this key belongs to, or null if none.</summary>
    [Alias("GetServiceAsync"), RetrySafe]
    Task<FaceServiceInfo?> GetServiceAsync(CancellationToken cancellationToken = default);
}
