namespace CompreFace.Inference;

/// <summary>
/// What every embedder here does: warp each face's five points onto the model's template, normalise, run the model (batched where its
/// export allows, <see cref="FaceBatchSession"/>), copy out the vectors. Models differ only in the constructor arguments.
/// </summary>
internal abstract class AlignedFaceEmbedder(
    OnnxRuntimeHost runtime, ModelDescriptor model, string outputName, IReadOnlyList<PointF> template, int size, PixelNormalization normalization, string version, SimilarityCoefficients coefficients, Func<byte[], byte[]>? patch = null)
    : IFaceEmbedder, IDisposable
{
    private readonly FaceBatchSession _model = new(runtime, model, size, "input", [outputName], outputRank: 2, patch);
    private readonly IReadOnlyList<PointF> _template = template;
    private readonly PixelNormalization _normalization = normalization;

    /// <inheritdoc />
    public string Version { get; } = version;

    /// <inheritdoc />
    public int Dimension => _model.OutputDimensions(0)[1];

    /// <inheritdoc />
    public SimilarityCoefficients Coefficients { get; } = coefficients;

    /// <summary>Whether all faces of an image go through one batched run.</summary>
    public bool IsBatched => _model.IsBatched;

    /// <inheritdoc />
    public float[][] Embed(DecodedImage image, IReadOnlyList<DetectedFace> faces, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(faces);
        var result = new float[faces.Count][];
        _model.Run(
            faces.Count,
            (Embedder: this, Image: image, Faces: faces, Result: result),
            static (in s, face, chw) => FaceAligner.AlignToChw(
                s.Image, s.Faces[face].Landmarks, s.Embedder._template, s.Embedder._model.Size, s.Embedder._normalization, chw),
            static (in s, outputs, first, count) =>
            {
                var dimension = s.Embedder.Dimension;
                var data = outputs[0].GetTensorDataAsSpan<float>();
                for (var i = 0; i < count; i++)
                {
                    s.Result[first + i] = data.Slice(i * dimension, dimension).ToArray();
                }
            },
            cancellationToken);
        return result;
    }

    public void Dispose() => _model.Dispose();
}
