using System.Buffers;
using Microsoft.ML.OnnxRuntime;

namespace CompreFace.Inference.Plugins;

/// <summary>
/// What the ONNX plugins share: one session (created and shape-checked once), a <c>[N,3,S,S]</c> float input filled face by face,
/// one run per batch (all faces at once when the export has a symbolic batch dimension, else one by one).
/// </summary>
internal abstract class OnnxFacePlugin : IFacePlugin, IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly string[] _outputNames;
    private readonly int _plane;
    private readonly bool _batched;

    protected OnnxFacePlugin(OnnxRuntimeHost runtime, ModelDescriptor model, int size, string inputName, params string[] outputNames)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(model);
        _session = runtime.CreateSession(model);
        try
        {
            OnnxRuntimeHost.RequireShape(_session, model.FileName, inputName, isInput: true, rank: 4);
            var input = _session.InputMetadata[inputName].Dimensions;
            if (input[1] != 3 || input[2] != size || input[3] != size)
            {
                throw new InvalidOperationException($"Model {model.FileName} expects [{string.Join(',', input)}], not [N,3,{size},{size}].");
            }

            foreach (var output in outputNames)
            {
                if (!_session.OutputMetadata.ContainsKey(output))
                {
                    throw new InvalidOperationException($"Model {model.FileName} has no output '{output}'.");
                }
            }

            _batched = input[0] <= 0;
        }
        catch
        {
            _session.Dispose();
            throw;
        }

        Size = size;
        _inputName = inputName;
        _outputNames = outputNames;
        _plane = 3 * size * size;
    }

    /// <summary>Network input side.</summary>
    protected int Size { get; }

    /// <inheritdoc />
    public abstract IReadOnlyList<string> Slugs { get; }

    /// <inheritdoc />
    public abstract bool RunsWithoutDetection { get; }

    /// <inheritdoc />
    public abstract string VersionOf(string slug);

    /// <inheritdoc />
    public void Run(DecodedImage image, IReadOnlyList<DetectedFace> faces, PluginResults results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(results);
        if (faces.Count == 0)
        {
            return;
        }

        var batch = _batched ? faces.Count : 1;
        var buffer = ArrayPool<float>.Shared.Rent(batch * _plane);
        try
        {
            for (var start = 0; start < faces.Count; start += batch)
            {
                var count = Math.Min(batch, faces.Count - start);
                for (var i = 0; i < count; i++)
                {
                    Preprocess(image, faces[start + i], buffer.AsSpan(i * _plane, _plane));
                }

                using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, count * _plane), [count, 3, Size, Size]);
                using var run = OnnxRuntimeHost.LinkRun(cancellationToken);
                using var outputs = _session.Run(run.Options, [_inputName], [input], _outputNames);
                for (var i = 0; i < count; i++)
                {
                    Postprocess(image, faces[start + i], outputs, i, results.Faces[start + i]);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    public void Dispose() => _session.Dispose();

    /// <summary>Writes the normalised CHW input of one face into <paramref name="chw"/>.</summary>
    protected abstract void Preprocess(DecodedImage image, DetectedFace face, Span<float> chw);

    /// <summary>Reads the outputs of batch row <paramref name="row"/> (tensors in the order given to the constructor).</summary>
    protected abstract void Postprocess(DecodedImage image, DetectedFace face, IReadOnlyList<OrtValue> outputs, int row, FacePluginOutput output);

    /// <summary>Row <paramref name="row"/> of a <c>[N, K]</c> (or <c>[N, …]</c>) output.</summary>
    protected static ReadOnlySpan<float> Row(OrtValue value, int row)
    {
        ArgumentNullException.ThrowIfNull(value);
        var data = value.GetTensorDataAsSpan<float>();
        var shape = value.GetTensorTypeAndShape().Shape;
        var length = (int)(shape.Length == 0 ? data.Length : data.Length / shape[0]);
        return data.Slice(row * length, length);
    }

    /// <summary>Softmax of <paramref name="logits"/> into a new array.</summary>
    protected static float[] Softmax(ReadOnlySpan<float> logits)
    {
        var result = new float[logits.Length];
        var max = float.NegativeInfinity;
        foreach (var v in logits)
        {
            max = Math.Max(max, v);
        }

        var sum = 0f;
        for (var i = 0; i < logits.Length; i++)
        {
            result[i] = MathF.Exp(logits[i] - max);
            sum += result[i];
        }

        for (var i = 0; i < result.Length; i++)
        {
            result[i] /= sum;
        }

        return result;
    }

    /// <summary>face-api's crop: the box (clipped to the picture) centred in a black square of side max(w, h).</summary>
    protected static void FaceApiSquare(DecodedImage image, DetectedFace box, int size, Span<float> chw, in PixelNormalization norm)
    {
        var side = Math.Max(Math.Max(box.XMax - box.XMin, box.YMax - box.YMin), 1f);
        var x0 = ((box.XMin + box.XMax) / 2) - (side / 2);
        var y0 = ((box.YMin + box.YMax) / 2) - (side / 2);
        var clip = ((int)MathF.Round(box.XMin), (int)MathF.Round(box.YMin), (int)MathF.Round(box.XMax), (int)MathF.Round(box.YMax));
        ImageOps.ResampleToChw(image.Bgr, image.Width, image.Height, x0, y0, side, side, size, size, chw, norm, clip);
    }
}
