using CompreFace.Grains.Storage;
using CompreFace.Grains.Interfaces;
using System.Net;
using Orleans.Configuration;

namespace CompreFace.Silo.Cluster;

/// <summary>Applies <see cref="ClusterMode"/> to a silo.</summary>
public static class ClusterModeExtensions
{
    /// <summary>
    /// Configures clustering for <paramref name="mode"/>. <see cref="ClusterMode.Postgres"/> needs
    /// <paramref name="postgresConnectionString"/>, applies <see cref="OrleansSchema"/> before the silo starts, and
    /// listens on every interface, advertising <paramref name="advertisedAddress"/> (or this host's address when null).
    /// A cluster mode detects dead silos with <paramref name="failureDetection"/> (defaults of
    /// <see cref="FailureDetectionOptions"/> when null).
    /// </summary>
    public static ISiloBuilder UseClusterMode(
        this ISiloBuilder silo,
        ClusterMode mode,
        int siloPort,
        int gatewayPort,
        string clusterId,
        string serviceId,
        string? postgresConnectionString,
        string? advertisedAddress = null,
        FailureDetectionOptions? failureDetection = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        switch (mode)
        {
            case ClusterMode.Localhost:
                silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: serviceId, clusterId: clusterId);
                break;

            case ClusterMode.Postgres or ClusterMode.Kubernetes:
                if (string.IsNullOrWhiteSpace(postgresConnectionString))
                {
                    throw new InvalidOperationException($"Cluster:Mode is {mode}, and ConnectionStrings:Postgres is not set.");
                }

                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = serviceId;
                });
                if (mode == ClusterMode.Kubernetes)
                {
                    // The pod's address and name come from the downward API; the ports stay ours. Called after the
                    // ClusterOptions above so the pod's orleans/clusterId and orleans/serviceId labels win when set.
                    silo.Configure<EndpointOptions>(o =>
                    {
                        o.SiloPort = siloPort;
                        o.GatewayPort = gatewayPort;
                    });
                    silo.UseKubernetesHosting();
                }
                else if (advertisedAddress is { Length: > 0 })
                {
                    silo.ConfigureEndpoints(IPAddress.Parse(advertisedAddress), siloPort, gatewayPort, listenOnAnyHostAddress: true);
                }
                else
                {
                    silo.ConfigureEndpoints(siloPort, gatewayPort, listenOnAnyHostAddress: true);
                }

                silo.Services.AddSingleton<IHostedService>(sp => new OrleansSchemaService(
                    postgresConnectionString, sp.GetRequiredService<ILogger<OrleansSchemaService>>()));
                silo.UsePostgresCluster(postgresConnectionString);
                silo.UseFailureDetection(failureDetection ?? new FailureDetectionOptions());
                break;

            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown cluster mode.");
        }

        return silo;
    }

    /// <summary>Orleans' membership timings from <paramref name="timings"/> (docs/decisions/0026).</summary>
    public static ISiloBuilder UseFailureDetection(this ISiloBuilder silo, FailureDetectionOptions timings)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(timings);
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = timings.ProbeTimeout;
            o.NumMissedProbesLimit = timings.MissedProbes;
            o.NumVotesForDeathDeclaration = timings.VotesForDeath;
            o.DeathVoteExpirationTimeout = timings.DeathVoteExpiration;
            o.TableRefreshTimeout = timings.TableRefresh;
            o.IAmAliveTablePublishTimeout = timings.IAmAlivePublish;
        });
        return silo;
    }
}

/// <summary>
/// Applies the Orleans schema in <see cref="IHostedLifecycleService.StartingAsync"/>, which the host runs before any
/// <c>StartAsync</c>, so before Orleans' silo service starts and reads the query catalog.
/// </summary>
internal sealed partial class OrleansSchemaService(string connectionString, ILogger<OrleansSchemaService> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var version = await OrleansSchema.EnsureAsync(connectionString, logger, cancellationToken);
        LogReady(logger, version);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "Orleans schema on PostgreSQL is at version {Version}")]
    private static partial void LogReady(ILogger logger, int version);
}
