namespace CompreFace.Inference.Plugins;

/// <summary>
/// <c>landmarks68</c>: face-api's 68 iBUG points (README.md#models), the model the UltraFace detector already uses for
/// its five points. Written under the response's <c>landmarks</c> key, as CompreFace's <c>landmarks2d106</c> writes its 106 points
/// (docs/decisions/0008-face-plugins.md).
/// </summary>
internal sealed class Landmarks68Plugin(OnnxRuntimeHost runtime) : IFacePlugin, IDisposable
{
    private readonly FaceApiLandmarks68 _model = new(runtime);

    public IReadOnlyList<string> Slugs { get; } = ["landmarks68"];

    public bool RunsWithoutDetection => true;

    public string VersionOf(string slug) => "faceapi.Landmarks68Detector@landmark68_faceapi";

    public void Run(DecodedImage image, IReadOnlyList<DetectedFace> faces, PluginResults results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(results);
        var points = _model.Predict(image, faces, cancellationToken);
        for (var i = 0; i < points.Length; i++)
        {
            results.Faces[i].Landmarks68 = points[i];
        }
    }

    public void Dispose() => _model.Dispose();
}
