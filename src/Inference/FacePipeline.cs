using System.Diagnostics;
using CompreFace.Inference.Plugins;

namespace CompreFace.Inference;

/// <summary>
/// Decode → detect → map to original pixels → order by area → limit → embed; the one entry point grains call.
/// Thread-safe singleton: ONNX Runtime sessions are shared, every buffer is per call.
/// </summary>
public sealed class FacePipeline
{
    private readonly IImageDecoder _decoder;

    public FacePipeline(IImageDecoder decoder, IFaceDetector detector, IFaceEmbedder embedder, FacePluginSet? plugins = null)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(embedder);
        _decoder = decoder;
        Detector = detector;
        Embedder = embedder;
        Plugins = plugins;
    }

    /// <summary>The face plugins that loaded (age, gender, pose, …); null when none are composed.</summary>
    public FacePluginSet? Plugins { get; }

    /// <summary>The detector (for <c>plugins_versions.detector</c> and its default threshold).</summary>
    public IFaceDetector Detector { get; }

    /// <summary>The embedder (for <c>calculator_version</c> and the similarity coefficients).</summary>
    public IFaceEmbedder Embedder { get; }

    /// <summary>
    /// Analyses one encoded picture. Zero faces is a normal result here (the API layer turns it into code 28).
    /// Boxes and landmarks are in original pixels (after EXIF orientation), clamped to the picture, as floats.
    /// </summary>
    /// <exception cref="ImageRejectedException">Too large, too many pixels, or undecodable.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The threshold lies outside [0, 1] or the limit is negative.</exception>
    public FaceAnalysis Analyze(ReadOnlyMemory<byte> encoded, FaceAnalysisOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var threshold = options.DetProbThreshold ?? Detector.DefaultThreshold;
        if (!(threshold is >= 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(options), threshold, "DetProbThreshold must lie in [0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(options.Limit, nameof(options));
        cancellationToken.ThrowIfCancellationRequested();

        var t0 = Stopwatch.GetTimestamp();
        using var image = _decoder.Decode(encoded);
        var t1 = Stopwatch.GetTimestamp();

        var detected = options.DetectFaces
            ? Detector.Detect(image, threshold, cancellationToken)
            : [WholeImage(image.Width, image.Height)];
        var t2 = Stopwatch.GetTimestamp();

        // Order by area in original pixels, then limit; keep the decoded-space face for alignment.
        var sx = (float)image.OriginalWidth / image.Width;
        var sy = (float)image.OriginalHeight / image.Height;
        var mapped = new List<(DetectedFace Original, DetectedFace Decoded)>(detected.Count);
        foreach (var face in detected)
        {
            mapped.Add((ToOriginal(face, sx, sy, image.OriginalWidth, image.OriginalHeight), face));
        }

        // Quality gate (beyond CompreFace): drop small or poor faces before the limit, so they are never embedded or enrolled.
        if (options.MinFaceSize > 0)
        {
            mapped.RemoveAll(m => Math.Min(m.Original.XMax - m.Original.XMin, m.Original.YMax - m.Original.YMin) < options.MinFaceSize);
        }

        if (options.MinQuality > 0)
        {
            mapped.RemoveAll(m => QualityPlugin.Estimate(image, m.Decoded).Score < options.MinQuality);
        }

        mapped.Sort(static (a, b) => b.Original.Area.CompareTo(a.Original.Area));
        if (options.Limit > 0 && mapped.Count > options.Limit)
        {
            mapped.RemoveRange(options.Limit, mapped.Count - options.Limit);
        }

        // Crops come from the working decode unless it would have to enlarge a face; then from one larger decode of the same upload.
        var needsCrops = mapped.Count > 0 && (options.ComputeEmbeddings || (options.Plugins is { Count: > 0 } && Plugins is not null));
        var tDetail = Stopwatch.GetTimestamp();
        using var detail = needsCrops ? DecodeDetail(encoded, image, mapped.Select(m => m.Decoded)) : null;
        var detailMs = Stopwatch.GetElapsedTime(tDetail).TotalMilliseconds;
        var work = detail ?? image;
        var workFaces = detail is null
            ? mapped.Select(m => m.Decoded).ToArray()
            : [.. mapped.Select(m => Rescale(m.Decoded, (float)detail.Width / image.Width, (float)detail.Height / image.Height))];

        float[][]? embeddings = null;
        float[][]? also = null;
        if (options.ComputeEmbeddings && mapped.Count > 0)
        {
            embeddings = (options.Embedder ?? Embedder).Embed(work, workFaces, cancellationToken);
            also = options.AlsoEmbedder?.Embed(work, workFaces, cancellationToken);
        }

        var t3 = Stopwatch.GetTimestamp();
        var plugins = options.Plugins is { Count: > 0 } && Plugins is not null && mapped.Count > 0
            ? Plugins.Run(work, workFaces, options.Plugins, options.DetectFaces, cancellationToken)
            : null;
        var faces = new AnalyzedFace[mapped.Count];
        for (var i = 0; i < faces.Length; i++)
        {
            faces[i] = new AnalyzedFace(mapped[i].Original, embeddings?[i]) { Plugins = plugins?.Faces[i], AlsoEmbedding = also?[i] };
        }

        return new FaceAnalysis(
            faces,
            image.OriginalWidth,
            image.OriginalHeight,
            new StageTimings(
                Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds + detailMs,
                Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds,
                Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds - detailMs))
        {
            PluginTimesMs = plugins?.Milliseconds,
            PluginVersions = plugins?.Versions,
        };
    }

    /// <summary>
    /// How much of the original resolution the crops of <paramref name="faces"/> need: the ArcFace alignment's scale (crop pixels
    /// per decoded pixel) times the working decode's own scale. Above the working scale a face would be enlarged into its crop, so
    /// the upload is decoded again at that scale (JPEG: the next k/8 at or above it, at most full size); otherwise null.
    /// </summary>
    private DecodedImage? DecodeDetail(ReadOnlyMemory<byte> encoded, DecodedImage image, IEnumerable<DetectedFace> faces)
    {
        var working = (float)image.Width / image.OriginalWidth;
        if (working >= 1f)
        {
            return null;
        }

        var needed = 0f;
        foreach (var face in faces)
        {
            needed = Math.Max(needed, working * CropScale(face.Landmarks));
        }

        // A little slack: a face a hair too small for its crop is not worth a second decode.
        return needed > working * 1.05f ? _decoder.DecodeDetail(encoded, Math.Min(1f, needed)) : null;
    }

    /// <summary>Crop pixels per image pixel of the ArcFace alignment of <paramref name="landmarks"/> (above 1: the face is enlarged).</summary>
    internal static float CropScale(IReadOnlyList<PointF> landmarks)
    {
        try
        {
            var (a, b, _, _) = FaceAligner.EstimateSimilarity(landmarks, FaceAligner.Template);
            return (float)Math.Sqrt((a * a) + (b * b));
        }
        catch (ArgumentException)
        {
            return 0f;
        }
    }

    private static DetectedFace Rescale(DetectedFace face, float fx, float fy) =>
        new(face.XMin * fx, face.YMin * fy, face.XMax * fx, face.YMax * fy, face.Probability, [.. face.Landmarks.Select(p => new PointF(p.X * fx, p.Y * fy))]);

    /// <summary>
    /// <c>detect_faces=false</c>: the picture is taken to be a face crop already. Its landmarks are the ArcFace template
    /// stretched to the picture, so alignment amounts to resizing the whole picture to 112×112 (what CompreFace does).
    /// </summary>
    internal static DetectedFace WholeImage(int width, int height)
    {
        var landmarks = new PointF[5];
        for (var i = 0; i < 5; i++)
        {
            var p = FaceAligner.Template[i];
            landmarks[i] = new PointF(p.X * width / FaceAligner.Size, p.Y * height / FaceAligner.Size);
        }

        return new DetectedFace(0, 0, width, height, 1f, landmarks);
    }

    private static DetectedFace ToOriginal(DetectedFace face, float sx, float sy, int width, int height)
    {
        var landmarks = new PointF[face.Landmarks.Length];
        for (var i = 0; i < landmarks.Length; i++)
        {
            landmarks[i] = new PointF(Math.Clamp(face.Landmarks[i].X * sx, 0, width), Math.Clamp(face.Landmarks[i].Y * sy, 0, height));
        }

        return new DetectedFace(
            Math.Clamp(face.XMin * sx, 0, width),
            Math.Clamp(face.YMin * sy, 0, height),
            Math.Clamp(face.XMax * sx, 0, width),
            Math.Clamp(face.YMax * sy, 0, height),
            face.Probability,
            landmarks);
    }
}
