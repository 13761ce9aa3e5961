using System.Security.Cryptography.X509Certificates;
using CompreFace.Grains.Interfaces;
using CompreFace.Silo.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace CompreFace.Cluster.Tests;

/// <summary>
/// Mutual TLS between silos (P7 cluster trust): nodes holding certificates of the cluster's authority form a cluster
/// and call each other's grains; a silo whose certificate comes from another authority cannot join it.
/// </summary>
public sealed class ClusterTrustTests : IDisposable
{
    private readonly ClusterCertificates _authority = new("cf-trust-tests");
    private readonly ClusterCertificates _stranger = new("someone-else");

    [PostgresFact]
    public async Task TlsCluster_NodesOfOneAuthority_FormAndServeAcrossSilos()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync("cf_orleans");
        var clusterId = $"tls-{Guid.NewGuid():N}";
        using var first = Silo(database.ConnectionString, clusterId, Options(_authority));
        await first.StartAsync();
        using var second = Silo(database.ConnectionString, clusterId, Options(_authority));
        await second.StartAsync();
        try
        {
            var firstSilo = first.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString();
            var grains = second.Services.GetRequiredService<IGrainFactory>();

            // Random placement: among a few dozen activations requested from the second silo, some live on the first,
            // and each of those answers only over the TLS connection between the two.
            var places = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => grains.GetGrain<ISiloProbeGrain>(i).WhereAsync()));
            Assert.Contains(places, p => p.Contains(firstSilo, StringComparison.Ordinal));
        }
        finally
        {
            await second.StopAsync();
            await first.StopAsync();
        }
    }

    [PostgresFact]
    public async Task TlsCluster_PeerWithAnotherAuthoritysCertificate_CannotJoin()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync("cf_orleans");
        var clusterId = $"tls-{Guid.NewGuid():N}";
        using var member = Silo(database.ConnectionString, clusterId, Options(_authority));
        await member.StartAsync();
        try
        {
            // Its own certificate is valid for its own authority, so the refusal is the cluster's, not a broken setup.
            using var stranger = Silo(database.ConnectionString, clusterId, Options(_stranger), joinWithin: TimeSpan.FromSeconds(15));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await Assert.ThrowsAnyAsync<Exception>(() => stranger.StartAsync(timeout.Token));

            var membership = member.Services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot;
            Assert.Single(membership.Members.Values, m => m.Status == SiloStatus.Active);
        }
        finally
        {
            await member.StopAsync();
        }
    }

    [Fact]
    public void Load_CertificateOfAnotherAuthority_FailsWithAClearMessage()
    {
        var mixed = new ClusterTlsOptions
        {
            CertificatePath = _stranger.CertificatePath,
            KeyPath = _stranger.KeyPath,
            AuthorityPath = _authority.AuthorityPath,
        };
        var error = Assert.Throws<InvalidOperationException>(() => ClusterTlsExtensions.Load(mixed));
        Assert.Contains("not issued by the authority", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClusterCertsScript_Output_IsAcceptedByTheNodeAndChainsToItsAuthority()
    {
        var folder = Directory.CreateTempSubdirectory("cf-cluster-certs-");
        try
        {
            var root = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(root, "CompreFace.sln")))
            {
                root = Path.GetDirectoryName(root.TrimEnd(Path.DirectorySeparatorChar)) ?? throw new InvalidOperationException("no repository root");
            }

            var info = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
            // A folder the script makes itself (deploy/cluster-tls on a fresh checkout).
            var output = Path.Combine(folder.FullName, "cluster-tls");
            info.ArgumentList.Add(Path.Combine(root, "deploy", "cluster-certs.sh"));
            info.ArgumentList.Add(output);
            using var process = System.Diagnostics.Process.Start(info)!;
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, error);

            // The node's key is readable by all (the node's user reads it through a file mount): only the folder, private
            // to its owner, keeps other users of the host from the key that lets them call grains. ca.key is the owner's.
            const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal((UnixFileMode)0, File.GetUnixFileMode(output) & others);
                Assert.Equal((UnixFileMode)0, File.GetUnixFileMode(Path.Combine(output, "ca.key")) & others);
            }

            var options = new ClusterTlsOptions
            {
                CertificatePath = Path.Combine(output, "tls.crt"),
                KeyPath = Path.Combine(output, "tls.key"),
                AuthorityPath = Path.Combine(output, "ca.crt"),
            };
            var (certificate, authorities) = ClusterTlsExtensions.Load(options);
            using (certificate)
            {
                Assert.True(certificate.HasPrivateKey);
                Assert.Single(authorities);
                Assert.False(ClusterTlsExtensions.IssuedBy(certificate, new X509Certificate2Collection(_stranger.Authority)));
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    public void Dispose()
    {
        _authority.Dispose();
        _stranger.Dispose();
    }

    private static ClusterTlsOptions Options(ClusterCertificates certificates) => new()
    {
        CertificatePath = certificates.CertificatePath,
        KeyPath = certificates.KeyPath,
        AuthorityPath = certificates.AuthorityPath,
    };

    private static IHost Silo(string connectionString, string clusterId, ClusterTlsOptions tls, TimeSpan? joinWithin = null) =>
        Host.CreateDefaultBuilder()
            .UseOrleans(silo =>
            {
                silo.UseClusterMode(ClusterMode.Postgres, LoopbackPorts.Free(), 0, clusterId, "trust-tests", connectionString, "127.0.0.1");
                silo.UseClusterTls(tls);

                // The refused stranger is voted dead by the member; Orleans' default reaction is to end the process,
                // which here is the test host.
                silo.Services.AddSingleton<IFatalErrorHandler, SurvivingFatalErrorHandler>();
                silo.Configure<ClusterMembershipOptions>(o =>
                {
                    o.ProbeTimeout = TimeSpan.FromSeconds(1);
                    o.NumMissedProbesLimit = 2;
                    o.NumVotesForDeathDeclaration = 1;
                    if (joinWithin is { } limit)
                    {
                        o.MaxJoinAttemptTime = limit;
                    }
                });
            })
            .Build();


    /// <summary>Keeps a silo's fatal error (a silo told it is dead) inside the test process instead of failing fast.</summary>
    private sealed class SurvivingFatalErrorHandler : IFatalErrorHandler
    {
        public bool IsUnexpected(Exception exception) => true;

        public void OnFatalException(object? sender = null, string? context = null, Exception? exception = null)
        {
            // Nothing: the test asserts on the cluster's view, and the host is stopped by the test.
        }
    }
}
