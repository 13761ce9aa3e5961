using System.ComponentModel.DataAnnotations;

namespace CompreFace.Inference;

/// <summary>Which ONNX Runtime execution provider the sessions ask for.</summary>
public enum ExecutionProviderKind
{
    /// <summary>The default CPU provider.</summary>
    Cpu,

    /// <summary>CUDA; needs the GPU build (<c>-p:OnnxGpu=true</c>) and a GPU, otherwise the sessions fall back to CPU with one warning.</summary>
    Cuda,
}

/// <summary>Where the model files live and whether their checksums are verified (section <c>Models</c>).</summary>
public sealed class ModelOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Models";

    /// <summary>Directory holding the <c>.onnx</c> files named in <see cref="ModelCatalog"/>; relative paths resolve against the working directory.</summary>
    [Required]
    public string Path { get; set; } = "./models";

    /// <summary>Verify every configured model's sha256 once at startup (about 30 ms for the default pair).</summary>
    public bool VerifyChecksums { get; set; } = true;
}

/// <summary>How the face models run (section <c>Inference</c>).</summary>
public sealed class InferenceOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Inference";

    /// <summary>Requested execution provider; the one actually used is <see cref="IInferenceRuntimeInfo.ExecutionProvider"/>.</summary>
    public ExecutionProviderKind ExecutionProvider { get; set; } = ExecutionProviderKind.Cpu;

    /// <summary>
    /// ONNX Runtime intra-op threads per session; 0 = one per core, capped at 4. Default 1: requests already run in
    /// parallel (one inference worker activation per core), and with spinning off (it would steal the cores from the
    /// other requests) every parallel operator pays a thread wake-up. Measured on 2 cores, one 1.4 MP face over HTTP:
    /// 61 ms median with 2 threads, 43 ms with 1 (docs/performance.md). Raise it for a GPU-less node serving few, large
    /// requests.
    /// </summary>
    [Range(0, 64)]
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>
    /// Detector model: <c>yunet-dynamic</c> (default: YuNet with its input fitted to the image, each side the next multiple of 32, so a
    /// 9:16 photo runs on 384×640 instead of a 640×640 letterbox; same weights and results as the fixed model, docs/performance.md, P12),
    /// <c>yunet</c> (the same network with a fixed 640×640 input), or
    /// <c>ultraface</c> (UltraFace RFB-320 boxes + face-api 68-point landmarks; both npm-obtainable, less accurate on small faces,
    /// docs/decisions/0005-alternative-models.md).
    /// </summary>
    [Required]
    [RegularExpression("^(yunet|yunet-dynamic|ultraface)$")]
    public string Detector { get; set; } = "yunet-dynamic";

    /// <summary>
    /// Embedding model: <c>mobilefacenet</c> (512-d) or <c>dlib</c> (dlib ResNet 128-d: public-domain weights, narrower same/different
    /// gap, docs/decisions/0005-alternative-models.md). Embeddings of different models are not comparable: changing it means re-enrolling.
    /// </summary>
    [Required]
    [RegularExpression("^(mobilefacenet|dlib)$")]
    public string Embedder { get; set; } = "mobilefacenet";

    /// <summary>CompreFace's <c>max_detect_size</c>: images are scaled down so their longer side is at most this before detection.</summary>
    [Range(160, 2048)]
    public int MaxDetectSize { get; set; } = 640;
}

/// <summary>
/// Limits applied to uploads before and during decoding: the one options type of section <c>Images</c>. The HTTP tier
/// reads its upload limits from here too (the node copies them into <c>ApiOptions</c>), so each default lives once.
/// </summary>
public sealed class ImageLimitsOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Images";

    /// <summary>Largest accepted multipart file (CompreFace's <c>MAX_FILE_SIZE</c>, 5 MiB); base64 images are bounded by <see cref="MaxRequestSize"/> only, as in CompreFace.</summary>
    [Range(1, int.MaxValue)]
    public int MaxFileSize { get; set; } = 5 * 1024 * 1024;

    /// <summary>Largest accepted request (CompreFace's <c>MAX_REQUEST_SIZE</c>, 10 MiB): enforced by the HTTP layer, and the decoder's bound on any image.</summary>
    [Range(1, int.MaxValue)]
    public int MaxRequestSize { get; set; } = 10 * 1024 * 1024;

    /// <summary>
    /// Largest pixel count a header may claim (width × height, checked before any pixel buffer exists).
    /// 50 MP admits the 36 MP camera photos in the test data and refuses decompression bombs.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long MaxPixels { get; set; } = 50_000_000;

    /// <summary>
    /// Big pictures are decoded (JPEG and WebP: scaled in the codec) so their longer side stays at or above this; keep it at or
    /// above <c>Inference:MaxDetectSize</c> (640), so the detector sees its input at full quality. Faces that would be
    /// enlarged to fill their aligned crop from this decode are cropped from a second, larger decode instead
    /// (<see cref="IImageDecoder.DecodeDetail"/>). Was 1280 until the second decode existed (docs/performance.md, P12).
    /// </summary>
    [Range(160, 16384)]
    public int WorkingLongSide { get; set; } = 640;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxFileSize > MaxRequestSize)
        {
            yield return new ValidationResult(
                $"{nameof(MaxFileSize)} ({MaxFileSize}) must not exceed {nameof(MaxRequestSize)} ({MaxRequestSize}).",
                [nameof(MaxFileSize), nameof(MaxRequestSize)]);
        }
    }
}
