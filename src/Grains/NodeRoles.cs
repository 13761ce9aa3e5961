using System.Reflection;

namespace CompreFace.Grains;

/// <summary>Which of this assembly's grain classes a node hosts, by its role in the cluster.</summary>
public static class NodeGrains
{
    /// <summary>The assembly whose grain classes <see cref="Restrict"/> filters.</summary>
    public static Assembly Assembly { get; } = typeof(NodeGrains).Assembly;

    /// <summary>
    /// True for the grain classes of inference: the one that runs the face models (<see cref="Inference.FaceAnalyzerGrain"/>) and
    /// its door for the jobs of other silos (<see cref="Inference.SiloAnalyzerGrain"/>), which must live beside it.
    /// </summary>
    public static bool IsInference(Type grainClass) => grainClass == typeof(Inference.FaceAnalyzerGrain) || grainClass == typeof(Inference.SiloAnalyzerGrain);

    /// <summary>
    /// Removes from <paramref name="classes"/> (Orleans' <c>GrainTypeOptions.Classes</c>) the grain classes of this
    /// assembly that the node must not host: without <paramref name="inference"/> the inference worker, without
    /// <paramref name="state"/> every other one (collections, shards, keys, admin). Orleans places a grain only on
    /// silos whose manifest lists its class, so the cluster sends that work to the nodes that do host it; Orleans'
    /// own grain classes are never touched.
    /// </summary>
    public static void Restrict(ICollection<Type> classes, bool inference, bool state)
    {
        ArgumentNullException.ThrowIfNull(classes);
        foreach (var grainClass in classes.Where(c => c.Assembly == Assembly).ToArray())
        {
            if (IsInference(grainClass) ? !inference : !state)
            {
                classes.Remove(grainClass);
            }
        }
    }
}
