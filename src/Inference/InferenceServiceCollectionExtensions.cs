using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CompreFace.Inference;

/// <summary>Composition of the face-inference layer.</summary>
public static class InferenceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the options (sections <c>Models</c>, <c>Inference</c>, <c>Images</c>, validated at start), the ONNX Runtime
    /// host, detector, embedder, decoder and <see cref="FacePipeline"/> as singletons, and a hosted service that creates the
    /// sessions (verifying model checksums) when the host starts, so a missing or corrupt model stops startup instead of a request.
    /// </summary>
    public static IServiceCollection AddFaceInference(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptionsWithValidateOnStart<ModelOptions>().BindConfiguration(ModelOptions.SectionName).ValidateDataAnnotations();
        services.AddOptionsWithValidateOnStart<InferenceOptions>().BindConfiguration(InferenceOptions.SectionName).ValidateDataAnnotations();
        services.AddImageLimits();

        services.TryAddSingleton<OnnxRuntimeHost>();
        services.TryAddSingleton<IInferenceRuntimeInfo>(static sp => sp.GetRequiredService<OnnxRuntimeHost>());
        services.TryAddSingleton<IImageDecoder, ImageDecoder>();
        // Inference:Detector / Inference:Embedder pick the implementation, so only the configured models are loaded and verified.
        services.TryAddSingleton<IFaceDetector>(static sp => sp.GetRequiredService<IOptions<InferenceOptions>>().Value.Detector == "ultraface"
            ? ActivatorUtilities.CreateInstance<UltraFaceDetector>(sp)
            : ActivatorUtilities.CreateInstance<YuNetDetector>(sp));
        services.TryAddSingleton<IFaceEmbedder>(static sp => sp.GetRequiredService<IOptions<InferenceOptions>>().Value.Embedder == "dlib"
            ? ActivatorUtilities.CreateInstance<DlibResNetEmbedder>(sp)
            : ActivatorUtilities.CreateInstance<MobileFaceNetEmbedder>(sp));
        services.TryAddSingleton(static sp => new EmbedderCatalog(sp.GetRequiredService<IFaceEmbedder>(), sp));
        services.AddOptionsWithValidateOnStart<Plugins.PluginOptions>().BindConfiguration(Plugins.PluginOptions.SectionName).ValidateDataAnnotations();
        services.TryAddSingleton(static sp => new Plugins.FacePluginSet(
            sp.GetRequiredService<OnnxRuntimeHost>(),
            sp.GetRequiredService<IOptions<Plugins.PluginOptions>>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Plugins.FacePluginSet>>()));
        services.TryAddSingleton<FacePipeline>();
        services.AddHostedService<InferenceStartup>();
        return services;
    }

    /// <summary>
    /// Binds the <c>Images</c> section to <see cref="ImageLimitsOptions"/>, its one options type (validated at start).
    /// Hosts without the inference layer call this too: the HTTP tier's upload limits are the same settings.
    /// </summary>
    public static IServiceCollection AddImageLimits(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(static d => d.ServiceType == typeof(ImageLimitsBound)))
        {
            services.AddSingleton<ImageLimitsBound>();
            services.AddOptionsWithValidateOnStart<ImageLimitsOptions>().BindConfiguration(ImageLimitsOptions.SectionName).ValidateDataAnnotations();
        }

        return services;
    }

    /// <summary>Marks the section as bound, so that a second call adds no second binding.</summary>
    private sealed class ImageLimitsBound;

    /// <summary>Creates the sessions at host start (checksums verified once, shapes checked) instead of on the first request.</summary>
    private sealed class InferenceStartup(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = services.GetRequiredService<FacePipeline>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
