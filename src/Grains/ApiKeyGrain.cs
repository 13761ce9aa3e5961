namespace CompreFace.Grains;

/// <summary>
/// Resolves an API key to its face service. Until the admin model lands (issue P3) the only services are the
/// CompreFace demo services that real clients' test suites depend on.
/// </summary>
internal sealed class ApiKeyGrain : Grain, IApiKeyGrain
{
    Task<FaceServiceInfo?> IApiKeyGrain.GetServiceAsync(CancellationToken cancellationToken) =>
        Task.FromResult(DemoServices.Find(this.GetPrimaryKeyString()));
}

/// <summary>CompreFace's seeded demo services (spec §2.8): keys …0002 recognition, …0003 detection, …0004 verification.</summary>
internal static class DemoServices
{
    private static readonly Dictionary<string, FaceServiceInfo> ByKey = new(StringComparer.OrdinalIgnoreCase)
    {
        ["00000000-0000-0000-0000-000000000002"] = new(Guid.Parse("00000000-0000-0000-0000-000000000001"), FaceServiceType.Recognition, "Demo"),
        ["00000000-0000-0000-0000-000000000003"] = new(Guid.Parse("00000000-0000-0000-0000-000000000003"), FaceServiceType.Detection, "Detection_Demo"),
        ["00000000-0000-0000-0000-000000000004"] = new(Guid.Parse("00000000-0000-0000-0000-000000000004"), FaceServiceType.Verify, "Verification_Demo"),
    };

    public static FaceServiceInfo? Find(string apiKey) => ByKey.GetValueOrDefault(apiKey);
}
