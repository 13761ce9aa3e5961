using CompreFace.WebApi.Audit;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// Every unsafe <c>/admin</c> endpoint the node maps is either recorded in the audit log (<c>AuditTrail</c>'s catalog,
/// docs/decisions/0025-audit-log.md) or named below with the reason it is not: a new admin action cannot slip past the
/// log unnoticed.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed class AuditCoverageTests(ApiFactory factory)
{
    /// <summary>Unsafe admin endpoints deliberately not recorded, each with why.</summary>
    private static readonly Dictionary<string, string> NotRecorded = new(StringComparer.Ordinal)
    {
        // Sends a signed test event to a hook the caller already configured; changes nothing, and the delivery and
        // its outcome are in the hook's own delivery log.
        ["AdminTestWebhook"] = "a test delivery, logged with the hook's deliveries",
    };

    private static readonly HashSet<string> UnsafeMethods = new(StringComparer.OrdinalIgnoreCase) { "POST", "PUT", "DELETE", "PATCH" };

    [Fact]
    public void AdminEndpoints_EveryUnsafeOne_IsAuditedOrAnExplainedExclusion()
    {
        var endpoints = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } route && route.TrimStart('/').StartsWith("admin/", StringComparison.OrdinalIgnoreCase))
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Any(UnsafeMethods.Contains) == true)
            .ToList();
        Assert.True(endpoints.Count >= 25, $"only {endpoints.Count} unsafe admin endpoints found: the enumeration is broken");

        var recorded = AuditTrail.RecordedEndpoints.ToHashSet(StringComparer.Ordinal);
        var missing = endpoints
            .Select(e => (Route: string.Join(",", e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods) + " " + e.RoutePattern.RawText,
                Name: e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName))
            .Where(e => e.Name is null || (!recorded.Contains(e.Name) && !NotRecorded.ContainsKey(e.Name)))
            .Select(e => $"{e.Route} ({e.Name ?? "no endpoint name"})")
            .ToList();

        Assert.True(missing.Count == 0, "Unsafe admin endpoints neither audited nor excluded: " + string.Join("; ", missing));

        // An exclusion or a catalog entry for an endpoint that no longer exists is stale.
        var names = endpoints.Select(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName).ToHashSet(StringComparer.Ordinal);
        Assert.All(NotRecorded.Keys, name => Assert.Contains(name, names));
    }
}
