using CompreFace.Grains;
using CompreFace.WebApi.Binding;
using CompreFace.WebApi.Contracts;

namespace CompreFace.WebApi.Faces;

/// <summary>Grain face records to wire DTOs: plugin fields only when requested (spec §1.4).</summary>
public static class FaceMapper
{
    /// <summary>A face; <paramref name="roundProbability"/> is false only for detect, which returns it unrounded.</summary>
    public static FaceDto ToDto(FaceData face, FaceRequestParameters parameters, bool roundProbability)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentNullException.ThrowIfNull(parameters);
        return new FaceDto
        {
            Box = ToBox(face.Box, roundProbability),
            Landmarks = parameters.Plugins.Landmarks ? face.Landmarks : null,
            Embedding = parameters.Plugins.Calculator ? face.Embedding : null,
            ExecutionTime = parameters.Status ? face.ExecutionTime : null,
        };
    }

    /// <summary>A verification target with its similarity; the probability is rounded.</summary>
    public static FaceMatchDto ToMatch(FaceData face, FaceRequestParameters parameters, double similarity)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentNullException.ThrowIfNull(parameters);
        return new FaceMatchDto
        {
            Box = ToBox(face.Box, roundProbability: true),
            Landmarks = parameters.Plugins.Landmarks ? face.Landmarks : null,
            Embedding = parameters.Plugins.Calculator ? face.Embedding : null,
            ExecutionTime = parameters.Status ? face.ExecutionTime : null,
            Similarity = similarity,
        };
    }

    /// <summary><c>plugins_versions</c> when <c>status=true</c>, else null (omitted).</summary>
    public static IReadOnlyDictionary<string, string>? PluginsVersions(FaceAnalysisResult result, FaceRequestParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(parameters);
        return parameters.Status ? result.PluginVersions : null;
    }

    private static BoxDto ToBox(FaceBox box, bool roundProbability) => new(
        roundProbability ? Similarity.RoundHalfUp(box.Probability) : box.Probability,
        box.XMax,
        box.YMax,
        box.XMin,
        box.YMin);
}
