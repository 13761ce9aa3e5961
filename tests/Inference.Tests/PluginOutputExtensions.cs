using CompreFace.Inference.Plugins;

namespace CompreFace.Inference.Tests;

/// <summary>Typed reads of a face's plugin values by slug, so the tests read as before the output became one bag per face.</summary>
internal static class PluginOutputExtensions
{
    public static AgeEstimate? Age(this FacePluginOutput output) => output.Get<AgeEstimate>("age");

    public static GenderEstimate? Gender(this FacePluginOutput output) => output.Get<GenderEstimate>("gender");

    public static HeadPose? Pose(this FacePluginOutput output) => output.Get<HeadPose>("pose");

    public static MaskEstimate? Mask(this FacePluginOutput output) => output.Get<MaskEstimate>("mask");

    public static IReadOnlyList<PointF>? Landmarks68(this FacePluginOutput output) => output.Get<PointF[]>("landmarks68");

    public static LivenessEstimate? Liveness(this FacePluginOutput output) => output.Get<LivenessEstimate>("liveness");

    public static ExpressionEstimate? Expression(this FacePluginOutput output) => output.Get<ExpressionEstimate>("expression");

    public static QualityEstimate? Quality(this FacePluginOutput output) => output.Get<QualityEstimate>("quality");
}
