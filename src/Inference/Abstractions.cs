namespace CompreFace.Inference;

/// <summary>
/// A decoded picture in interleaved BGR24 (the channel order YuNet and MobileFaceNet were measured with),
/// possibly decoded at a reduced scale. <see cref="Scale"/> maps its pixels back to the original image:
/// <c>original = decoded * Scale</c>.
/// </summary>
public sealed class DecodedImage : IDisposable
{
    private bool _pooled;

    public DecodedImage(int width, int height, byte[] bgr, int originalWidth, int originalHeight)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        if (width <= 0 || height <= 0 || bgr.Length < width * height * 3)
        {
            throw new ArgumentException("Pixel buffer does not match the dimensions.", nameof(bgr));
        }

        Width = width;
        Height = height;
        Bgr = bgr;
        OriginalWidth = originalWidth;
        OriginalHeight = originalHeight;
    }

    /// <summary>Width of <see cref="Bgr"/> in pixels.</summary>
    public int Width { get; }

    /// <summary>Height of <see cref="Bgr"/> in pixels.</summary>
    public int Height { get; }

    /// <summary>Interleaved BGR24 pixels, row-major, stride <c>Width * 3</c>.</summary>
    public byte[] Bgr { get; }

    /// <summary>Width of the picture as encoded, after EXIF orientation.</summary>
    public int OriginalWidth { get; }

    /// <summary>Height of the picture as encoded, after EXIF orientation.</summary>
    public int OriginalHeight { get; }

    /// <summary>Factor from decoded pixels to original pixels (1 when decoded at full size).</summary>
    public float Scale => (float)OriginalWidth / Width;

    /// <summary>
    /// An image over a buffer rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/> (it may be longer than the
    /// pixels). A decoded photo is megabytes on the large-object heap; renting instead of allocating one per request
    /// avoided the gen-2 collections that made decoding 1.5–2× slower on a busy node.
    /// </summary>
    internal static DecodedImage Rented(int width, int height, byte[] bgr, int originalWidth, int originalHeight) =>
        new(width, height, bgr, originalWidth, originalHeight) { _pooled = true };

    /// <summary>Returns a rented buffer to the pool; the image must not be used afterwards. A no-op otherwise.</summary>
    public void Dispose()
    {
        if (_pooled)
        {
            _pooled = false;
            System.Buffers.ArrayPool<byte>.Shared.Return(Bgr);
        }
    }
}

/// <summary>A point in image pixels; in a plugin's value it is written as CompreFace writes a landmark, <c>[x, y]</c> in whole pixels.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(PixelPointJsonConverter))]
public readonly record struct PointF(float X, float Y);

/// <summary>Writes a <see cref="PointF"/> as <c>[x, y]</c>, each rounded to the nearest whole pixel (ties to even, as <see cref="Math.Round(double)"/>).</summary>
internal sealed class PixelPointJsonConverter : System.Text.Json.Serialization.JsonConverter<PointF>
{
    public override PointF Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        throw new NotSupportedException("Points are only written.");

    public override void Write(System.Text.Json.Utf8JsonWriter writer, PointF value, System.Text.Json.JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartArray();
        writer.WriteNumberValue((int)Math.Round(value.X));
        writer.WriteNumberValue((int)Math.Round(value.Y));
        writer.WriteEndArray();
    }
}

/// <summary>One face found by a detector, in the pixel space of the image it was given.</summary>
/// <param name="XMin">Left edge.</param>
/// <param name="YMin">Top edge.</param>
/// <param name="XMax">Right edge.</param>
/// <param name="YMax">Bottom edge.</param>
/// <param name="Probability">Detector confidence in [0,1].</param>
/// <param name="Landmarks">Five points in ArcFace template order: image-left eye, image-right eye, nose, image-left and image-right mouth corners.</param>
public sealed record DetectedFace(float XMin, float YMin, float XMax, float YMax, float Probability, PointF[] Landmarks)
{
    /// <summary>Box area, used to order faces largest first.</summary>
    public float Area => Math.Max(0, XMax - XMin) * Math.Max(0, YMax - YMin);
}

/// <summary>
/// An embedder's calibrated coefficients of CompreFace's similarity <c>(tanh((c0 - d) * c1) + 1) / 2</c>, d the Euclidean
/// distance of unit vectors. The formula itself is <c>CompreFace.Grains.Interfaces.Similarity</c>, shared with the HTTP tier.
/// </summary>
public readonly record struct SimilarityCoefficients(double C0, double C1);

/// <summary>Finds faces and their five landmarks.</summary>
public interface IFaceDetector
{
    /// <summary>Version string reported in <c>plugins_versions.detector</c>.</summary>
    string Version { get; }

    /// <summary>Threshold used when the request gives none.</summary>
    float DefaultThreshold { get; }

    /// <summary>
    /// Faces with probability strictly above <paramref name="threshold"/>, in the pixel space of <paramref name="image"/>,
    /// after non-maximum suppression; order unspecified.
    /// </summary>
    IReadOnlyList<DetectedFace> Detect(DecodedImage image, float threshold, CancellationToken cancellationToken = default);
}

/// <summary>Turns aligned faces into embedding vectors.</summary>
public interface IFaceEmbedder
{
    /// <summary>Version string reported as <c>calculator_version</c> and in <c>plugins_versions.calculator</c>.</summary>
    string Version { get; }

    /// <summary>Length of each embedding.</summary>
    int Dimension { get; }

    /// <summary>Calibrated similarity coefficients for this model (reported in <c>/core/status</c>).</summary>
    SimilarityCoefficients Coefficients { get; }

    /// <summary>
    /// Raw (not normalised) embeddings, one per face, computed in one batched run where the model allows it.
    /// Face coordinates are in the pixel space of <paramref name="image"/>.
    /// </summary>
    float[][] Embed(DecodedImage image, IReadOnlyList<DetectedFace> faces, CancellationToken cancellationToken = default);
}
