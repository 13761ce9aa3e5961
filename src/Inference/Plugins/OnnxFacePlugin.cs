using Microsoft.ML.OnnxRuntime;

namespace CompreFace.Inference.Plugins;

/// <summary>
/// What the ONNX plugins share: one <see cref="FaceBatchSession"/> (created and shape-checked once, one run per batch),
/// and the plugin's own preprocessing of a face and reading of its batch row.
/// </summary>
internal abstract class OnnxFacePlugin : FacePlugin, IDisposable
{
    private readonly FaceBatchSession _model;

    protected OnnxFacePlugin(
        bool runsWithoutDetection,
        IReadOnlyList<(string Slug, string Version)> versions,
        OnnxRuntimeHost runtime,
        ModelDescriptor model,
        int size,
        string inputName,
        params string[] outputNames)
        : base(runsWithoutDetection, versions) =>
        _model = new FaceBatchSession(runtime, model, size, inputName, outputNames);

    /// <summary>Network input side.</summary>
    protected int Size => _model.Size;

    /// <inheritdoc />
    public override void Run(DecodedImage image, IReadOnlyList<DetectedFace> faces, PluginResults results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(results);
        _model.Run(
            faces.Count,
            (Plugin: this, Image: image, Faces: faces, Results: results),
            static (in s, face, chw) => s.Plugin.Preprocess(s.Image, s.Faces[face], chw),
            static (in s, outputs, first, count) =>
            {
                for (var i = 0; i < count; i++)
                {
                    s.Plugin.Postprocess(s.Image, s.Faces[first + i], outputs, i, s.Results.Faces[first + i]);
                }
            },
            cancellationToken);
    }

    public void Dispose() => _model.Dispose();

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
