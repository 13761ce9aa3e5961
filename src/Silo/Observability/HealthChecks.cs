using CompreFace.Grains.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Orleans.Metadata;
using CompreFace.Grains.Interfaces;

namespace CompreFace.Silo.Observability;

/// <summary>Ready once this node's Orleans silo is Active in its cluster, and no longer once it starts leaving.</summary>
internal sealed class SiloActiveHealthCheck(ISiloStatusOracle silo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(silo.CurrentStatus == SiloStatus.Active
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"silo is {silo.CurrentStatus}"));
}

/// <summary>Ready while the face store (SQLite file or PostgreSQL) answers a trivial query within the timeout.</summary>
internal sealed partial class FaceStoreHealthCheck(
    IFaceStore store,
    IOptions<ObservabilityOptions> options,
    ILogger<FaceStoreHealthCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.ReadinessTimeout);
        try
        {
            await store.PingAsync(timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogStoreUnreachable(logger, "timed out");
            return HealthCheckResult.Unhealthy("store did not answer in time");
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // The exception type only: a driver's message can carry a host name or a user name.
            LogStoreUnreachable(logger, ex.GetType().Name);
            return HealthCheckResult.Unhealthy("store unreachable");
        }
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Readiness: the face store is unreachable ({Reason})")]
    private static partial void LogStoreUnreachable(ILogger logger, string reason);
}

/// <summary>
/// On a <c>Cluster:Role=Front</c> node: whether any silo of the cluster hosts the inference worker. Degraded (still
/// HTTP 200) when none does: the node still serves listings and deletions, so it stays in the load balancer, but its
/// detections fail until an inference node joins, which the status makes visible.
/// </summary>
internal sealed class InferenceAvailableHealthCheck(GrainInterfaceTypeResolver interfaces, GrainInterfaceTypeToGrainTypeResolver grains) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var analyzer = interfaces.GetGrainInterfaceType(typeof(IFaceAnalyzerGrain));
        return Task.FromResult(grains.TryGetGrainType(analyzer, out _)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Degraded("no silo of the cluster hosts the inference worker"));
    }
}
