using System.Buffers;
using Microsoft.ML.OnnxRuntime;

namespace CompreFace.Inference;

/// <summary>
/// face-api.js FaceLandmark68Net (converted, README.md#models): 68 iBUG points from a 112×112 RGB crop. Used to give
/// landmark-less detectors (UltraFace) the five points alignment needs.
/// </summary>
internal sealed class FaceApiLandmarks68 : IDisposable
{
    /// <summary>Network input side.</summary>
    public const int Size = 112;

    private const int Plane = 3 * Size * Size;

    private readonly ModelSession _session;

    private readonly bool _batched;

    public FaceApiLandmarks68(OnnxRuntimeHost runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var model = ModelCatalog.Landmark68;
        _session = runtime.CreateSession(model, session =>
        {
            session.RequireShape("input", isInput: true, rank: 4);
            session.RequireShape("landmarks", isInput: false, rank: 2);
        });
        _batched = _session.InputMetadata["input"].Dimensions[0] <= 0;
    }

    /// <summary>
    /// The 68 points of each face box, in pixels of <paramref name="image"/>. The crop is face-api's: the box itself (clipped to the
    /// picture), padded with black to a centred square of side max(w, h), resized to 112. All boxes go through one batched run.
    /// </summary>
    public PointF[][] Predict(DecodedImage image, IReadOnlyList<DetectedFace> boxes, CancellationToken cancellationToken = default)
    {
        var result = new PointF[boxes.Count][];
        if (boxes.Count == 0)
        {
            return result;
        }

        var batch = _batched ? boxes.Count : 1;
        var buffer = ArrayPool<float>.Shared.Rent(batch * Plane);
        var squares = new (float X0, float Y0, float Side)[batch];
        try
        {
            for (var start = 0; start < boxes.Count; start += batch)
            {
                var count = Math.Min(batch, boxes.Count - start);
                for (var i = 0; i < count; i++)
                {
                    var box = boxes[start + i];
                    var side = Math.Max(box.XMax - box.XMin, box.YMax - box.YMin);
                    var x0 = ((box.XMin + box.XMax) / 2) - (side / 2);
                    var y0 = ((box.YMin + box.YMax) / 2) - (side / 2);
                    squares[i] = (x0, y0, side);
                    var clip = ((int)MathF.Round(box.XMin), (int)MathF.Round(box.YMin), (int)MathF.Round(box.XMax), (int)MathF.Round(box.YMax));
                    ImageOps.ResampleToChw(image.Bgr, image.Width, image.Height, x0, y0, side, side, Size, Size, buffer.AsSpan(i * Plane, Plane), PixelNormalization.FaceApi255, clip);
                }

                using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, count * Plane), [count, 3, Size, Size]);
                using var outputs = _session.Run(["input"], [input], ["landmarks"], cancellationToken);
                var data = outputs[0].GetTensorDataAsSpan<float>();
                for (var i = 0; i < count; i++)
                {
                    var (x0, y0, side) = squares[i];
                    var points = new PointF[68];
                    var l = data.Slice(i * 136, 136);
                    for (var p = 0; p < 68; p++)
                    {
                        points[p] = new PointF(x0 + (l[2 * p] * side), y0 + (l[(2 * p) + 1] * side));
                    }

                    result[start + i] = points;
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }

        return result;
    }

    /// <summary>
    /// ArcFace-ordered five points from iBUG-68: centres of 36–41 (image-left eye) and 42–47, nose tip 30, mouth corners 48 and 54.
    /// </summary>
    public static PointF[] ToFivePoints(ReadOnlySpan<PointF> p68) =>
    [
        Centre(p68.Slice(36, 6)), Centre(p68.Slice(42, 6)), p68[30], p68[48], p68[54],
    ];

    public void Dispose() => _session.Dispose();

    private static PointF Centre(ReadOnlySpan<PointF> points)
    {
        float x = 0, y = 0;
        foreach (var p in points)
        {
            x += p.X;
            y += p.Y;
        }

        return new PointF(x / points.Length, y / points.Length);
    }
}
