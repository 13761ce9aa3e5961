using CompreFace.Grains.Storage;
using CompreFace.Silo.Cluster;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Orleans.Configuration;
using Orleans.TestingHost;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace CompreFace.Cluster.Tests;

/// <summary>
/// A fresh database with the project's Orleans schema and an in-process 2-silo <see cref="TestCluster"/> on it:
/// AdoNet clustering (silos and client), storage "Default" and "Deleting" (DeleteStateOnClear) and reminders.
/// </summary>
public sealed class OrleansPostgresCluster : IAsyncLifetime
{
    public const string ConnectionStringKey = "CfTestOrleansPostgres";
    public const string DeletingStorage = "Deleting";

    private ScratchDatabase? _database;

    public TestCluster Cluster { get; private set; } = null!;

    public string ConnectionString => _database!.ConnectionString;

    public string ServiceId => Cluster.Options.ServiceId;

    public string ClusterId => Cluster.Options.ClusterId;

    /// <summary>Services of a running silo (Primary is null without test-cluster membership).</summary>
    public IServiceProvider Services(int silo = 0) => ((InProcessSiloHandle)Cluster.Silos[silo]).ServiceProvider;

    public async Task InitializeAsync()
    {
        if (PostgresServer.SkipReason is not null)
        {
            return;   // every test of the class is skipped; nothing to set up
        }

        _database = await PostgresServer.CreateDatabaseAsync("cf_orleans");
        await OrleansSchema.EnsureAsync(_database.ConnectionString);

        var builder = new TestClusterBuilder(2);
        builder.Options.UseTestClusterMembership = false;
        builder.Properties[ConnectionStringKey] = _database.ConnectionString;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.StopAllSilosAsync();
            await Cluster.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    public NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var connectionString = siloBuilder.Configuration[ConnectionStringKey]!;
            siloBuilder.UsePostgresCluster(connectionString);
            siloBuilder.AddPostgresGrainStorage(DeletingStorage, connectionString, deleteStateOnClear: true);
            siloBuilder.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
            });
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.UsePostgresCluster(configuration[ConnectionStringKey]!);
    }
}
