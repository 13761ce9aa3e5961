namespace CompreFace.Inference;

/// <summary>MobileFaceNet (faceplugin), 512-d, on ArcFace-aligned 112×112 BGR crops normalised as <c>(x − 127) / 128</c>.</summary>
internal sealed class MobileFaceNetEmbedder(OnnxRuntimeHost runtime) : AlignedFaceEmbedder(
    runtime,
    ModelCatalog.MobileFaceNet512,
    "output",
    FaceAligner.Template,
    FaceAligner.Size,
    PixelNormalization.FacePlugin,
    "mobilefacenet.Calculator@mobilefacenet512_faceplugin",
    Calibrated,
    Prepare)
{
    /// <summary>
    /// Calibrated for this model and pipeline on shared/data/pairs.csv (docs/decisions/0002-similarity-calibration.md).
    /// c0 = √(2 − 2·0.45): similarity 0.5 at cosine 0.45, the threshold measured on the deepface pairs when the model was chosen (0 false accepts
    /// in 501 different-person pairs, 2 false rejects in 156 same-person pairs here). c1 = atanh(0.98) / 0.363 makes the median
    /// same-person distance (0.681) map to ≈ 0.99 and the median different-person distance (1.407) to ≈ 0.01.
    /// </summary>
    public static readonly SimilarityCoefficients Calibrated = new(1.0488088, 6.33);

    /// <summary>
    /// The faceplugin export pins the batch to 1: input [1,3,112,112], output [1,512], and one <c>Reshape</c> to the
    /// constant <c>[1, -1]</c> (initializer "703") before the output. Rewriting those three in memory lets all faces of
    /// an image go through one run; the result equals one-by-one embedding (tested).
    /// </summary>
    internal static byte[] LiftBatch(byte[] model) =>
        OnnxModelPatch.WithDynamicBatch(model, ["input", "output"], new Dictionary<string, long[]> { ["703"] = [-1, 512] });

    /// <summary>
    /// The session's model: <see cref="LiftBatch"/>, and its 33 PRelu activations as <c>Relu(x) + Min(x, 0)·slope</c>, which gives
    /// the same numbers in less time (<see cref="OnnxModelPatch.WithPReluDecomposed"/>).
    /// </summary>
    internal static byte[] Prepare(byte[] model) => OnnxModelPatch.WithPReluDecomposed(LiftBatch(model));
}
