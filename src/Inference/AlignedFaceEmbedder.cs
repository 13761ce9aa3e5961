using System.Buffers;
using Microsoft.ML.OnnxRuntime;

namespace CompreFace.Inference;

/// <summary>
/// What every embedder here does: warp each face's five points onto the model's template, normalise, run the model (batched where its
/// export allows), copy out the vectors. Models differ only in the constructor arguments.
/// </summary>
internal abstract class AlignedFaceEmbedder : IFaceEmbedder, IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _outputName;
    private readonly IReadOnlyList<PointF> _template;
    private readonly int _size;
    private readonly PixelNormalization _normalization;
    private readonly int _plane;

    protected AlignedFaceEmbedder(
        OnnxRuntimeHost runtime, ModelDescriptor model, string outputName, IReadOnlyList<PointF> template, int size, PixelNormalization normalization, string version, SimilarityCoefficients coefficients, Func<byte[], byte[]>? patch = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(model);
        _session = runtime.CreateSession(model, patch);
        try
        {
            OnnxRuntimeHost.RequireShape(_session, model.FileName, "input", isInput: true, rank: 4);
            OnnxRuntimeHost.RequireShape(_session, model.FileName, outputName, isInput: false, rank: 2);
            var input = _session.InputMetadata["input"].Dimensions;
            if (input[1] != 3 || input[2] != size || input[3] != size)
            {
                throw new InvalidOperationException($"Model {model.FileName} expects [{string.Join(',', input)}], not [N,3,{size},{size}].");
            }

            // A symbolic batch dimension reads as -1; a model pinned to 1 runs faces one by one.
            IsBatched = input[0] <= 0;
            Dimension = _session.OutputMetadata[outputName].Dimensions[1];
        }
        catch
        {
            _session.Dispose();
            throw;
        }

        _outputName = outputName;
        _template = template;
        _size = size;
        _normalization = normalization;
        _plane = 3 * size * size;
        Version = version;
        Coefficients = coefficients;
    }

    /// <inheritdoc />
    public string Version { get; }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <inheritdoc />
    public SimilarityCoefficients Coefficients { get; }

    /// <summary>Whether all faces of an image go through one batched run.</summary>
    public bool IsBatched { get; }

    /// <inheritdoc />
    public float[][] Embed(DecodedImage image, IReadOnlyList<DetectedFace> faces, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(faces);
        var result = new float[faces.Count][];
        if (faces.Count == 0)
        {
            return result;
        }

        var batch = IsBatched ? faces.Count : 1;
        var buffer = ArrayPool<float>.Shared.Rent(batch * _plane);
        try
        {
            for (var start = 0; start < faces.Count; start += batch)
            {
                var count = Math.Min(batch, faces.Count - start);
                for (var i = 0; i < count; i++)
                {
                    FaceAligner.AlignToChw(image, faces[start + i].Landmarks, _template, _size, _normalization, buffer.AsSpan(i * _plane, _plane));
                }

                using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, count * _plane), [count, 3, _size, _size]);
                using var run = OnnxRuntimeHost.LinkRun(cancellationToken);
                using var outputs = _session.Run(run.Options, ["input"], [input], [_outputName]);
                var data = outputs[0].GetTensorDataAsSpan<float>();
                for (var i = 0; i < count; i++)
                {
                    result[start + i] = data.Slice(i * Dimension, Dimension).ToArray();
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }

        return result;
    }

    public void Dispose() => _session.Dispose();
}
