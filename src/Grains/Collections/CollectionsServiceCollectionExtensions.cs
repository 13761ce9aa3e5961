using CompreFace.Grains.Inference;
using CompreFace.Grains.Storage;
using CompreFace.Grains.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CompreFace.Grains.Collections;

/// <summary>Composition of the face collection grains.</summary>
public static class CollectionsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the options of the collection and shard grains (section <c>Recognition</c>) and the service's
    /// instruments (<see cref="CompreFaceMetrics"/>), which the collection and inference worker grains record to.
    /// </summary>
    public static IServiceCollection AddFaceCollections(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<RecognitionOptions>()
            .BindConfiguration(RecognitionOptions.SectionName)
            .ValidateDataAnnotations();
        services.AddMetrics();
        services.TryAddSingleton<CompreFaceMetrics>();

        // Shard copies, the collection and its standby on distinct silos (docs/decisions/0026).
        services.AddPlacementDirector<ShardReplicaPlacement, RankedPlacementDirector>();
        services.AddPlacementDirector<CollectionPlacement, RankedPlacementDirector>();
        services.AddPlacementDirector<CollectionStandbyPlacement, RankedPlacementDirector>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ShardParking>();

        // Bulk enrolments left unfinished by a restart are resumed (docs/decisions/0035-collection-archives.md).
        services.AddHostedService<Jobs.BulkEnrolmentResumer>();

        // Jobs spread their analyses over every inference silo (docs/decisions/0037-jobs-over-every-inference-silo.md).
        services.AddClusterAnalyzer();

        // Database outages leave the grains as one serializable exception type (answered 503 by the HTTP tier).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IIncomingGrainCallFilter, StoreUnavailableFilter>());
        return services;
    }
}
