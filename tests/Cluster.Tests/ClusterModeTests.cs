using CompreFace.Grains.Storage;
using CompreFace.Grains.Interfaces;
using CompreFace.Silo.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace CompreFace.Cluster.Tests;

/// <summary>The node's <c>Cluster:Mode=Postgres</c> wiring: schema applied before the silo starts, then join and state.</summary>
public sealed class ClusterModeTests
{
    [PostgresFact]
    public async Task PostgresMode_OnAnEmptyDatabase_AppliesTheSchemaJoinsAndPersistsState()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync("cf_orleans");
        var clusterId = $"mode-{Guid.NewGuid():N}";
        using var host = Host.CreateDefaultBuilder()
            .UseOrleans(silo => silo.UseClusterMode(ClusterMode.Postgres, LoopbackPorts.Free(), LoopbackPorts.Free(), clusterId, "mode-tests",
                database.ConnectionString, "127.0.0.1"))
            .Build();

        await host.StartAsync();
        try
        {
            var grain = host.Services.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>("mode");
            Assert.Equal(1, await grain.IncrementAsync());

            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT (SELECT max(version) FROM cf_orleans_schema_version), " +
                "(SELECT count(*) FROM cf_orleans_membership WHERE deployment_id = $1 AND status = 3), " +
                "(SELECT convert_from(payload, 'UTF8') FROM cf_orleans_storage WHERE service_id = 'mode-tests')", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = clusterId });
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(OrleansSchema.Steps[^1].Version, reader.GetInt32(0));
            Assert.Equal(1L, reader.GetInt64(1));
            Assert.Equal("{\"format\":\"cf-json/1\",\"state\":{\"Count\":1}}", reader.GetString(2));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void PostgresMode_WithoutConnectionString_FailsAtConfiguration()
    {
        var builder = Host.CreateDefaultBuilder().UseOrleans(silo =>
            silo.UseClusterMode(ClusterMode.Postgres, 11111, 30000, "c", "s", postgresConnectionString: null));
        var error = Assert.Throws<InvalidOperationException>(() => builder.Build());
        Assert.Contains("ConnectionStrings:Postgres", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KubernetesMode_WithoutConnectionString_FailsAtConfiguration()
    {
        // Kubernetes mode keeps membership on PostgreSQL (Orleans' Kubernetes hosting gives identity, not clustering).
        var builder = Host.CreateDefaultBuilder().UseOrleans(silo =>
            silo.UseClusterMode(ClusterMode.Kubernetes, 11111, 30000, "c", "s", postgresConnectionString: null));
        var error = Assert.Throws<InvalidOperationException>(() => builder.Build());
        Assert.Contains("Kubernetes", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:Postgres", error.Message, StringComparison.Ordinal);
    }

}
