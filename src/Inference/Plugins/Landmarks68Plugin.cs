namespace CompreFace.Inference.Plugins;

/// <summary>
/// <c>landmarks68</c>: face-api's 68 iBUG points (README.md#models), the model the UltraFace detector already uses for
/// its five points. Written under the response's <c>landmarks</c> key, as CompreFace's <c>landmarks2d106</c> writes its 106 points
/// (docs/decisions/0008-face-plugins.md). Its value is the 68 points in original pixels, each written as <c>[x, y]</c> in
/// whole pixels (<see cref="PointF"/>).
/// </summary>
internal sealed class Landmarks68Plugin(OnnxRuntimeHost runtime) : FacePlugin(true, [("landmarks68", "faceapi.Landmarks68Detector@landmark68_faceapi")]), IDisposable
{
    private readonly FaceApiLandmarks68 _model = new(runtime);

    public override void Run(DecodedImage image, IReadOnlyList<DetectedFace> faces, PluginResults results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(image);
        var points = _model.Predict(image, faces, cancellationToken);

        // The value is what the client receives, so its points are in original pixels (the image may be a downscaled decode).
        var sx = (float)image.OriginalWidth / image.Width;
        var sy = (float)image.OriginalHeight / image.Height;
        for (var i = 0; i < points.Length; i++)
        {
            PointF[] original = [.. points[i].Select(p => new PointF(Math.Clamp(p.X * sx, 0, image.OriginalWidth), Math.Clamp(p.Y * sy, 0, image.OriginalHeight)))];
            results.Faces[i].Set("landmarks68", original);
        }
    }

    public void Dispose() => _model.Dispose();
}
