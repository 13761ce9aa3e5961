using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.Grains.Collections;

/// <summary>Composition of the face collection grains.</summary>
public static class CollectionsServiceCollectionExtensions
{
    /// <summary>Registers the options of the collection and shard grains (section <c>Recognition</c>).</summary>
    public static IServiceCollection AddFaceCollections(this IServiceCollection services)
    {
        services.AddOptions<RecognitionOptions>()
            .BindConfiguration(RecognitionOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return services;
    }
}
