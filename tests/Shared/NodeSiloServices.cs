using CompreFace.Grains.Admin;
using CompreFace.Grains.Collections;
using CompreFace.Grains.Storage;
using CompreFace.Inference;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.Testing;

/// <summary>What an in-process test silo hosts of a full node: the real models, the embedded store, admin and collections.</summary>
public static class NodeSiloServices
{
    /// <summary>Adds them to <paramref name="siloBuilder"/>, storing under <paramref name="dataDirectory"/>, with <paramref name="settings"/> on top.</summary>
    public static void Add(ISiloBuilder siloBuilder, string dataDirectory, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(siloBuilder);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new("Storage:DataDirectory", dataDirectory), .. settings ?? []])
            .Build();
        siloBuilder.Services.AddFaceInference();
        siloBuilder.Services.PostConfigure<ModelOptions>(o => o.Path = SharedData.ModelsDirectory);
        siloBuilder.Services.AddStorage(configuration);
        siloBuilder.Services.AddCompreFaceAdmin(configuration);
        siloBuilder.Services.AddFaceCollections();
    }
}
