namespace CompreFace.Inference;

/// <summary>
/// dlib's ResNet face descriptor (128-d) as converted from face-api (README.md#models): the licence-clean alternative to
/// MobileFaceNet (weights public domain, training data published). Its input is a dlib-style 150×150 chip, framed wider than
/// ArcFace's 112 crop; an ArcFace-framed crop drops accuracy to about 95 %, so the template is the ArcFace one scaled and shifted.
/// </summary>
internal sealed class DlibResNetEmbedder(OnnxRuntimeHost runtime) : AlignedFaceEmbedder(
    runtime,
    ModelCatalog.DlibResNet128,
    "embedding",
    ChipTemplate,
    ChipSize,
    PixelNormalization.FaceApi256,
    "dlib.Calculator@dlib_resnet128_faceapi",
    Calibrated)
{
    /// <summary>Side of dlib's face chip.</summary>
    public const int ChipSize = 150;

    /// <summary>
    /// Calibrated like MobileFaceNet's (docs/decisions/0005-alternative-models.md): c0 = √(2 − 2·0.9305), the middle of the cosine gap
    /// the model manifest measured on the deepface pairs; c1 = atanh(0.98) / 0.164 from the pairs.csv medians (same 0.251, different 0.579).
    /// </summary>
    public static readonly SimilarityCoefficients Calibrated = new(0.3728, 14.0);

    /// <summary>ArcFace template ×1.4927, shifted by (−9.46, −29.93): puts the eyes at (47.7, 47.1) and (100.3, 47.1), where dlib's chips have them.</summary>
    public static readonly IReadOnlyList<PointF> ChipTemplate = [.. FaceAligner.Template.Select(static p => new PointF((p.X * 1.4927f) - 9.46f, (p.Y * 1.4927f) - 29.93f))];
}
