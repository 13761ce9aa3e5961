using CompreFace.Grains.Collections;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace CompreFace.Grains.Tests;

/// <summary>
/// One in-process two-silo cluster with the real models and a real SQLite store in a temp directory, shared by the
/// grain tests (each test uses its own collection id). Shards hold 4 faces so that small tests span several shards.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int ShardCapacity = 4;

    internal static readonly string DataDirectory = Path.Combine(Path.GetTempPath(), "compreface-grain-tests-" + Guid.NewGuid().ToString("N"));

    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(DataDirectory, recursive: true);
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            NodeSiloServices.Add(siloBuilder, DataDirectory, [new("Recognition:ShardCapacity", ShardCapacity.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
            siloBuilder.Services.PostConfigure<RecognitionOptions>(o => o.ShardCapacity = ShardCapacity);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterTests : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
