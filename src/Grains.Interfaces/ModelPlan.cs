namespace CompreFace.Grains.Interfaces;

/// <summary>
/// Which embedding models a collection needs from its callers (docs/decisions/0034-jobs-and-re-embedding.md). Normally
/// none in particular (<see cref="Any"/>): queries are searched under the model that computed them. While the collection
/// is re-embedded from <see cref="Serving"/> to <see cref="Target"/>, searches must be computed by the serving model and
/// adds by both, so that recognition answers from the old vectors until the switch and no add is missing afterwards.
/// </summary>
[GenerateSerializer, Immutable, Alias("CompreFace.ModelPlan")]
public sealed record ModelPlan(string? Serving, string? Target)
{
    /// <summary>No requirement.</summary>
    public static ModelPlan Any { get; } = new(null, null);

    /// <summary>Whether the collection is being re-embedded.</summary>
    public bool Reembedding => Serving is not null && Target is not null;

    /// <summary>
    /// Whether an example computed by <paramref name="calculator"/> (and <paramref name="alsoCalculator"/>, null when it
    /// has no second vector) carries every model this plan needs: the serving one, and while re-embedding the target too.
    /// </summary>
    public bool Accepts(string calculator, string? alsoCalculator) =>
        Serving is not { } serving || (calculator == serving && (Target is not { } target || alsoCalculator == target));

    /// <summary>
    /// Refuses a search computed by another model than the serving one (the caller computes it again under this plan);
    /// embedding searches (<see cref="FaceSearch.AnyModel"/>) are searched under their own model whatever the plan.
    /// </summary>
    public void ThrowIfStale(FaceSearch search)
    {
        ArgumentNullException.ThrowIfNull(search);
        if (!search.AnyModel && Serving is { } serving && search.Calculator != serving)
        {
            throw new ModelPlanChangedException(this);
        }
    }
}

/// <summary>
/// A search or add reached a collection computed by other models than its <see cref="Plan"/> needs (the plan changed
/// since the caller learnt it): the caller computes the embeddings again with the plan's models and retries.
/// </summary>
[GenerateSerializer, Alias("CompreFace.ModelPlanChangedException")]
public sealed class ModelPlanChangedException : Exception
{
    public ModelPlanChangedException()
        : base("The collection's embedding models changed")
    {
    }

    public ModelPlanChangedException(string message)
        : base(message)
    {
    }

    public ModelPlanChangedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ModelPlanChangedException(ModelPlan plan)
        : base("The collection's embedding models changed") => Plan = plan;

    /// <summary>The collection's plan now.</summary>
    [Id(0)]
    public ModelPlan Plan { get; init; } = ModelPlan.Any;
}
