using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace CompreFace.Inference.Tests;

/// <summary>One set of real sessions for every test class in the collection (loading and verifying models once).</summary>
public sealed class InferenceFixture : IDisposable
{
    private readonly Dictionary<(string Detector, string Embedder), ServiceProvider> _configured = [];

    public InferenceFixture()
    {
        Provider = Build(new Dictionary<string, string?> { ["Models:Path"] = SharedData.ModelsDirectory });
        Pipeline = Provider.GetRequiredService<FacePipeline>();
        Decoder = Provider.GetRequiredService<IImageDecoder>();
        Detector = Provider.GetRequiredService<IFaceDetector>();
        Embedder = Provider.GetRequiredService<IFaceEmbedder>();
    }

    public ServiceProvider Provider { get; }

    public FacePipeline Pipeline { get; }

    public IImageDecoder Decoder { get; }

    public IFaceDetector Detector { get; }

    public IFaceEmbedder Embedder { get; }

    /// <summary>The pipeline for another <c>Inference:Detector</c> / <c>Inference:Embedder</c> pair, built once and shared.</summary>
    public FacePipeline PipelineFor(string detector, string embedder = "mobilefacenet")
    {
        var defaults = new InferenceOptions();
        if (detector == defaults.Detector && embedder == defaults.Embedder)
        {
            return Pipeline;
        }

        lock (_configured)
        {
            if (!_configured.TryGetValue((detector, embedder), out var provider))
            {
                provider = Build(new Dictionary<string, string?>
                {
                    ["Models:Path"] = SharedData.ModelsDirectory,
                    ["Inference:Detector"] = detector,
                    ["Inference:Embedder"] = embedder,
                });
                _configured[(detector, embedder)] = provider;
            }

            return provider.GetRequiredService<FacePipeline>();
        }
    }

    /// <summary>Composes the inference layer as a host would: options bound from configuration, then validated and started.</summary>
    public static ServiceProvider Build(IDictionary<string, string?> settings, ILoggerFactory? loggerFactory = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton(loggerFactory ?? NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddFaceInference();
        var provider = services.BuildServiceProvider();
        try
        {
            // What Host.StartAsync does: validate options registered with ValidateOnStart, then start hosted services.
            provider.GetService<IStartupValidator>()?.Validate();
            foreach (var hosted in provider.GetServices<IHostedService>())
            {
#pragma warning disable VSTHRD002 // Fixture constructors cannot await; the inference start task completes synchronously.
                hosted.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
#pragma warning restore VSTHRD002
            }
        }
        catch
        {
            provider.Dispose();
            throw;
        }

        return provider;
    }

    public void Dispose()
    {
        foreach (var provider in _configured.Values)
        {
            provider.Dispose();
        }

        Provider.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class InferenceGroup : ICollectionFixture<InferenceFixture>
{
    public const string Name = "Inference";
}
