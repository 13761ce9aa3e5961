using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Concurrency;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace CompreFace.Grains.Inference;

/// <summary>
/// The inference workers of one silo (key: the silo's address, <see cref="SiloAddress.ToParsableString"/>): a call
/// runs on that silo's <see cref="IFaceAnalyzerGrain"/> stateless workers. Lets a job reach the cores of every
/// inference silo, which the stateless worker alone does not (Orleans runs it on the calling silo whenever that silo
/// hosts it); see docs/decisions/0037-jobs-over-every-inference-silo.md.
/// </summary>
[Alias("CompreFace.Inference.ISiloAnalyzerGrain")]
public interface ISiloAnalyzerGrain : IGrainWithStringKey
{
    /// <summary>Analyses one image on this grain's silo.</summary>
    [Alias("AnalyzeAsync"), RetrySafe]
    Task<FaceAnalysisResult> AnalyzeAsync(FaceAnalysisRequest request, CancellationToken cancellationToken = default);
}

/// <inheritdoc cref="ISiloAnalyzerGrain" />
/// <remarks>
/// Reentrant, or its one activation would run the silo's analyses one at a time; the silo's worker pool (one
/// activation per core) still bounds how many run at once. The request is immutable, so the local forward copies nothing.
/// </remarks>
[Reentrant, SiloAnalyzerPlacement]
internal sealed class SiloAnalyzerGrain : Grain, ISiloAnalyzerGrain
{
    public Task<FaceAnalysisResult> AnalyzeAsync(FaceAnalysisRequest request, CancellationToken cancellationToken = default) =>
        GrainFactory.GetGrain<IFaceAnalyzerGrain>(0).AnalyzeAsync(request, cancellationToken);
}

/// <summary>Places a <see cref="SiloAnalyzerGrain"/> on the silo its key names (see <see cref="SiloAnalyzerPlacementDirector"/>).</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("CompreFace.SiloAnalyzerPlacement")]
public sealed class SiloAnalyzerPlacement : PlacementStrategy
{
}

/// <summary>Marks a grain class placed by <see cref="SiloAnalyzerPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloAnalyzerPlacementAttribute() : PlacementAttribute(new SiloAnalyzerPlacement());

/// <summary>
/// The compatible silo (one hosting inference, <see cref="NodeGrains.IsInference"/>) whose address is the key; when
/// that silo is gone (or never hosted inference), a compatible survivor, the local silo first, so that a call to a
/// lost silo's key is still answered while its callers learn that the silo left.
/// </summary>
internal sealed class SiloAnalyzerPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        var key = target.GrainIdentity.Key.ToString();
        foreach (var silo in silos)
        {
            if (string.Equals(silo.ToParsableString(), key, StringComparison.Ordinal))
            {
                return Task.FromResult(silo);
            }
        }

        return Task.FromResult(Array.IndexOf(silos, context.LocalSilo) >= 0 ? context.LocalSilo : silos[0]);
    }
}

/// <summary>Composition of the jobs' cluster-wide inference.</summary>
internal static class ClusterAnalyzerServiceCollectionExtensions
{
    /// <summary>Registers <see cref="ClusterAnalyzer"/> and the placement of <see cref="SiloAnalyzerGrain"/> on the silo its key names.</summary>
    public static IServiceCollection AddClusterAnalyzer(this IServiceCollection services)
    {
        services.AddPlacementDirector<SiloAnalyzerPlacement, SiloAnalyzerPlacementDirector>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ClusterAnalyzer>();
        return services;
    }
}
