using CompreFace.WebApi.Binding;
using CompreFace.WebApi.Contracts;
using CompreFace.Grains.Interfaces;

namespace CompreFace.WebApi.Faces;

/// <summary>Grain face records to wire DTOs: plugin fields only when requested (docs/compreface-behaviour.md#face-object).</summary>
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
            Age = Age(face),
            Gender = Label(face.Gender),
            Pose = Pose(face),
            Mask = Label(face.Mask),
            Liveness = Label(face.Liveness),
            Expression = Label(face.Expression),
            Quality = face.Quality is { } q ? new QualityDto(q.Score, q.Sharpness, q.Size, q.Frontal, q.Confidence) : null,
            Landmarks = Landmarks(face, parameters),
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
            Age = Age(face),
            Gender = Label(face.Gender),
            Pose = Pose(face),
            Mask = Label(face.Mask),
            Liveness = Label(face.Liveness),
            Expression = Label(face.Expression),
            Quality = face.Quality is { } q ? new QualityDto(q.Score, q.Sharpness, q.Size, q.Frontal, q.Confidence) : null,
            Landmarks = Landmarks(face, parameters),
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

    /// <summary><c>landmarks68</c> replaces the five points under the same key, as CompreFace's <c>landmarks2d106</c> does.</summary>
    private static IReadOnlyList<int[]>? Landmarks(FaceData face, FaceRequestParameters parameters) =>
        face.Landmarks68 ?? (parameters.Plugins.Landmarks ? face.Landmarks : null);

    private static AgeDto? Age(FaceData face) => face.Age is { } age ? new AgeDto(age.Probability, age.High, age.Low) : null;

    private static PoseDto? Pose(FaceData face) => face.Pose is { } pose ? new PoseDto(pose.Pitch, pose.Roll, pose.Yaw) : null;

    private static LabelDto? Label(FaceLabel? label) => label is null ? null : new LabelDto(label.Probability, label.Value);

    private static BoxDto ToBox(FaceBox box, bool roundProbability) => new(
        roundProbability ? Similarity.RoundHalfUp(box.Probability) : box.Probability,
        box.XMax,
        box.YMax,
        box.XMin,
        box.YMin);
}
