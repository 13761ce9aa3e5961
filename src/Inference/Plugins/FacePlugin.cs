namespace CompreFace.Inference.Plugins;

/// <summary>
/// What every plugin declares alike, given as data to its constructor: the slugs it answers with each one's version
/// (reported in <c>plugins_versions</c> and <c>/core/status</c>), and whether it runs under <c>detect_faces=false</c>.
/// A plugin then adds only its <see cref="Run"/>.
/// </summary>
internal abstract class FacePlugin(bool runsWithoutDetection, IReadOnlyList<(string Slug, string Version)> versions) : IFacePlugin
{
    /// <inheritdoc />
    public IReadOnlyList<string> Slugs { get; } = [.. versions.Select(static v => v.Slug)];

    /// <inheritdoc />
    public bool RunsWithoutDetection => runsWithoutDetection;

    /// <inheritdoc />
    public string VersionOf(string slug) => versions.First(v => v.Slug == slug).Version;

    /// <inheritdoc />
    public abstract void Run(DecodedImage image, IReadOnlyList<DetectedFace> faces, PluginResults results, CancellationToken cancellationToken);
}
