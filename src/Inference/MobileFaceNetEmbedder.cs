using System.Buffers;
using System.Numerics.Tensors;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;

namespace CompreFace.Inference;

/// <summary>MobileFaceNet (faceplugin), 512-d, on ArcFace-aligned 112×112 BGR crops normalised as <c>(x − 127) / 128</c>.</summary>
internal sealed class MobileFaceNetEmbedder : IFaceEmbedder, IDisposable
{
    /// <summary>
    /// Calibrated for this model and pipeline on shared/data/pairs.csv (docs/decisions/0002-similarity-calibration.md).
    /// c0 = √(2 − 2·0.45): similarity 0.5 at cosine 0.45, the threshold measured in shared/models/MANIFEST.md (0 false accepts
    /// in 501 different-person pairs, 2 false rejects in 156 same-person pairs here). c1 = atanh(0.98) / 0.363 makes the median
    /// same-person distance (0.681) map to ≈ 0.99 and the median different-person distance (1.407) to ≈ 0.01.
    /// </summary>
    public static readonly SimilarityCoefficients Calibrated = new(1.0488088, 6.33);

    private const int Plane = 3 * FaceAligner.Size * FaceAligner.Size;

    private readonly InferenceSession _session;
    private readonly bool _batched;

    public MobileFaceNetEmbedder(OnnxRuntimeHost runtime, IOptions<InferenceOptions> options)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(options);
        var model = ModelCatalog.ForEmbedder(options.Value.Embedder);
        _session = runtime.CreateSession(model);
        try
        {
            OnnxRuntimeHost.RequireShape(_session, model.FileName, "input", isInput: true, rank: 4);
            OnnxRuntimeHost.RequireShape(_session, model.FileName, "output", isInput: false, rank: 2);
            var input = _session.InputMetadata["input"].Dimensions;
            if (input[1] != 3 || input[2] != FaceAligner.Size || input[3] != FaceAligner.Size)
            {
                throw new InvalidOperationException($"Model {model.FileName} expects [{string.Join(',', input)}], not [N,3,112,112].");
            }

            // A symbolic batch dimension reads as -1. The faceplugin export pins it to 1 (checked: input [1,3,112,112]), so faces run
            // one by one; a re-export with a dynamic batch would be picked up here and batched without code changes.
            _batched = input[0] <= 0;
            Dimension = _session.OutputMetadata["output"].Dimensions[1];
        }
        catch
        {
            _session.Dispose();
            throw;
        }

        Version = "mobilefacenet.Calculator@mobilefacenet512_faceplugin";
    }

    /// <inheritdoc />
    public string Version { get; }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <inheritdoc />
    public SimilarityCoefficients Coefficients => Calibrated;

    /// <summary>Whether all faces of an image go through one batched run.</summary>
    public bool IsBatched => _batched;

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

        var batch = _batched ? faces.Count : 1;
        var buffer = ArrayPool<float>.Shared.Rent(batch * Plane);
        try
        {
            for (var start = 0; start < faces.Count; start += batch)
            {
                var count = Math.Min(batch, faces.Count - start);
                for (var i = 0; i < count; i++)
                {
                    FaceAligner.AlignToChw(image, faces[start + i].Landmarks, buffer.AsSpan(i * Plane, Plane));
                }

                using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, count * Plane), [count, 3, FaceAligner.Size, FaceAligner.Size]);
                using var run = OnnxRuntimeHost.LinkRun(cancellationToken);
                using var outputs = _session.Run(run.Options, ["input"], [input], ["output"]);
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

/// <summary>CompreFace's similarity: <c>(tanh((c0 − d)·c1) + 1) / 2</c> of the distance between L2-normalised embeddings.</summary>
public static class FaceSimilarity
{
    /// <summary>Returns a unit-length copy of <paramref name="embedding"/> (all zeros stays all zeros).</summary>
    public static float[] Normalize(ReadOnlySpan<float> embedding)
    {
        var copy = embedding.ToArray();
        NormalizeInPlace(copy);
        return copy;
    }

    /// <summary>Scales <paramref name="embedding"/> to unit length in place.</summary>
    public static void NormalizeInPlace(Span<float> embedding)
    {
        var norm = TensorPrimitives.Norm(embedding);
        if (norm > 0)
        {
            TensorPrimitives.Divide(embedding, norm, embedding);
        }
    }

    /// <summary>Euclidean distance of the unit vectors of <paramref name="a"/> and <paramref name="b"/> (= √(2 − 2·cos)).</summary>
    public static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var cos = TensorPrimitives.CosineSimilarity(a, b);
        return Math.Sqrt(Math.Max(0, 2 - (2 * (double)cos)));
    }

    /// <summary>Maps a distance to CompreFace's similarity, rounded to 5 decimals half-up as the Java server does.</summary>
    public static double FromDistance(double distance, SimilarityCoefficients coefficients) =>
        Math.Round((Math.Tanh((coefficients.C0 - distance) * coefficients.C1) + 1) / 2, 5, MidpointRounding.AwayFromZero);

    /// <summary>Similarity of two raw or normalised embeddings.</summary>
    public static double Compute(ReadOnlySpan<float> a, ReadOnlySpan<float> b, SimilarityCoefficients coefficients) =>
        FromDistance(Distance(a, b), coefficients);
}
