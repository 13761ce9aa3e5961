using System.Collections.Concurrent;

namespace CompreFace.WebApi.Faces;

/// <summary>
/// Which embedding models a collection's searches and adds must be computed by (<see cref="ModelPlan"/>;
/// docs/decisions/0034-jobs-and-re-embedding.md), learnt from the collection and kept for a moment per node. The
/// collection is the authority: a request computed under a plan that changed meanwhile is refused with
/// <see cref="ModelPlanChangedException"/> and computed once more under the new plan, so a stale entry costs one extra
/// analysis, never a wrong answer.
/// </summary>
public sealed class CollectionModels(TimeProvider time)
{
    /// <summary>How long a learnt plan is used before the collection is asked again.</summary>
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<Guid, (ModelPlan Plan, DateTimeOffset At)> _plans = new();

    /// <summary>
    /// Runs <paramref name="attempt"/> under the collection's plan; when the collection refuses it because the plan
    /// changed, runs it once more under the new one.
    /// </summary>
    public async Task<T> RunAsync<T>(IGrainFactory grains, Guid collectionId, Func<ModelPlan, Task<T>> attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(attempt);
        var plan = await PlanAsync(grains, collectionId, cancellationToken);
        try
        {
            return await attempt(plan);
        }
        catch (ModelPlanChangedException changed)
        {
            _plans[collectionId] = (changed.Plan, time.GetUtcNow());
            return await attempt(changed.Plan);
        }
    }

    /// <summary>The analysis of a search or an add under <paramref name="plan"/>: the serving model, and for an add the target model too.</summary>
    public static FaceAnalysisRequest Apply(FaceAnalysisRequest request, ModelPlan plan, bool add)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(plan);
        return request with { Embedder = plan.Serving, AlsoEmbedder = add ? plan.Target : null };
    }

    private async ValueTask<ModelPlan> PlanAsync(IGrainFactory grains, Guid collectionId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_plans.TryGetValue(collectionId, out var known) && now - known.At < Fresh)
        {
            return known.Plan;
        }

        var plan = await grains.GetGrain<IFaceCollectionGrain>(collectionId).GetModelPlanAsync(cancellationToken);
        _plans[collectionId] = (plan, now);
        return plan;
    }
}
