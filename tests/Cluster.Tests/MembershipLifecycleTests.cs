using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.Cluster.Tests;

/// <summary>The membership lifecycle (docs/decisions/0010-orleans-adonet-schema.md): a third silo joins, one stops, one is killed and declared dead, defunct rows are cleaned up.</summary>
public sealed class MembershipLifecycleTests(OrleansPostgresCluster fixture) : IClassFixture<OrleansPostgresCluster>
{
    [PostgresFact]
    public async Task JoinStopKillCleanup_RowsFollowTheSilos()
    {
        var cluster = fixture.Cluster;
        await cluster.StartAdditionalSiloAsync();
        Assert.Equal(3L, await CountAsync("status = 3"));

        var stopped = cluster.Silos[1];
        var killed = cluster.Silos[2];
        await cluster.StopSiloAsync(stopped);
        Assert.Equal(1L, await CountAsync("status = 6"));

        // The survivor's membership view turns the killed silo Dead only after the vote is written to the table, so
        // the rows are checked once that view arrives (the timeout only bounds a failure).
        var survivorView = fixture.Services(0).GetRequiredService<IClusterMembershipService>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var declaredDead = WaitUntilDeadAsync(survivorView, killed.SiloAddress, timeout.Token);
        await cluster.KillSiloAsync(killed);
        await declaredDead;

        Assert.Equal(2L, await CountAsync("status = 6"));
        Assert.Equal(1L, await CountAsync("status = 6 AND suspect_times IS NOT NULL AND port = $2", killed.SiloAddress.Endpoint.Port));
        Assert.Equal(1L, await CountAsync("status = 3"));

        // The client reaches the survivor through the gateway query.
        var grain = cluster.Client.GetGrain<ICounterGrain>($"after-kill-{Guid.NewGuid():N}");
        Assert.Equal(1, await grain.IncrementAsync());

        // Cleanup through the provider (the per-row CleanupDefunctSiloEntryKey path): Dead rows go, the Active one stays.
        var table = fixture.Services(0).GetRequiredService<IMembershipTable>();
        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);
        Assert.Equal(0L, await CountAsync("status = 6"));
        Assert.Equal(1L, await CountAsync("status = 3"));
    }

    private static async Task WaitUntilDeadAsync(IClusterMembershipService view, SiloAddress silo, CancellationToken cancellationToken)
    {
        await foreach (var snapshot in view.MembershipUpdates.WithCancellation(cancellationToken))
        {
            if (snapshot.GetSiloStatus(silo) == SiloStatus.Dead)
            {
                return;
            }
        }
    }

    private Task<long> CountAsync(string where, params object[] more) =>
        fixture.ScalarAsync<long>($"SELECT count(*) FROM cf_orleans_membership WHERE deployment_id = $1 AND {where}", [fixture.ClusterId, .. more]);
}
