using CompreFace.Inference;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace CompreFace.Grains.Tests;

/// <summary>One in-process two-silo cluster with the real models, shared by the grain tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.Services.AddFaceInference();
            siloBuilder.Services.PostConfigure<ModelOptions>(o => o.Path = SharedData.ModelsDirectory);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterTests : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
