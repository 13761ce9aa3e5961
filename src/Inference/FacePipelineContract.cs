namespace CompreFace.Inference;

/// <summary>Why an upload was refused before or during decoding.</summary>
public enum ImageRejection
{
    /// <summary>The bytes are not a picture in an accepted format, or are corrupt beyond decoding.</summary>
    Undecodable,

    /// <summary>The header claims more pixels than <see cref="ImageLimitsOptions.MaxPixels"/>; nothing was allocated.</summary>
    TooManyPixels,

    /// <summary>The encoded file is larger than <see cref="ImageLimitsOptions.MaxRequestSize"/>, the request that carried it.</summary>
    FileTooLarge,
}

/// <summary>Raised when an upload cannot be turned into pixels.</summary>
public sealed class ImageRejectedException : Exception
{
    public ImageRejectedException()
    {
    }

    public ImageRejectedException(string message)
        : base(message)
    {
    }

    public ImageRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ImageRejectedException(ImageRejection reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>What was wrong with the upload.</summary>
    public ImageRejection Reason { get; }
}

/// <summary>What one analysis should compute.</summary>
/// <param name="Limit">Maximum number of faces, largest box first; 0 = no limit.</param>
/// <param name="DetProbThreshold">Faces with probability at or below it are dropped; null = the detector's default.</param>
/// <param name="ComputeEmbeddings">Whether to run the embedder on the kept faces.</param>
/// <param name="DetectFaces">False treats the whole image as one face with probability 1 (recognize's <c>detect_faces=false</c>).</param>
public sealed record FaceAnalysisOptions(int Limit = 0, float? DetProbThreshold = null, bool ComputeEmbeddings = false, bool DetectFaces = true)
{
    /// <summary>Face plugin slugs to run (<see cref="Plugins.FacePluginSet"/>); unknown or unavailable ones are ignored.</summary>
    public IReadOnlyCollection<string>? Plugins { get; init; }

    /// <summary>Faces whose shorter box side (original pixels) is below this are dropped before the limit and embedding; 0 = keep all.</summary>
    public int MinFaceSize { get; init; }

    /// <summary>Faces whose <c>quality</c> score is below this are dropped before the limit and embedding; 0 = keep all.</summary>
    public double MinQuality { get; init; }

    /// <summary>The embedder to run instead of the pipeline's configured one; null: the configured one.</summary>
    public IFaceEmbedder? Embedder { get; init; }

    /// <summary>A second embedder run on the same crops (<see cref="AnalyzedFace.AlsoEmbedding"/>); null: none.</summary>
    public IFaceEmbedder? AlsoEmbedder { get; init; }
}

/// <summary>One face of an analysed image, in original image pixels.</summary>
/// <param name="Face">Box, probability and five landmarks, mapped back to the original picture.</param>
/// <param name="Embedding">Raw (un-normalised) embedding when requested, else null.</param>
public sealed record AnalyzedFace(DetectedFace Face, float[]? Embedding)
{
    /// <summary>What the requested plugins computed for this face (points in original pixels); null when none ran.</summary>
    public Plugins.FacePluginOutput? Plugins { get; init; }

    /// <summary>The raw embedding of <see cref="FaceAnalysisOptions.AlsoEmbedder"/>, when asked for.</summary>
    public float[]? AlsoEmbedding { get; init; }
}

/// <summary>The result of decoding, detecting and (optionally) embedding one image.</summary>
/// <param name="Faces">Faces ordered by box area, largest first, after the limit.</param>
/// <param name="Width">Original width after EXIF orientation.</param>
/// <param name="Height">Original height after EXIF orientation.</param>
/// <param name="Timings">Where the time went.</param>
public sealed record FaceAnalysis(IReadOnlyList<AnalyzedFace> Faces, int Width, int Height, StageTimings Timings)
{
    /// <summary>Wall time per plugin slug over all faces, in milliseconds; null when no plugin ran.</summary>
    public IReadOnlyDictionary<string, double>? PluginTimesMs { get; init; }

    /// <summary>Version per plugin slug that ran; null when none ran.</summary>
    public IReadOnlyDictionary<string, string>? PluginVersions { get; init; }
}

/// <summary>Per-stage wall time of one analysis, in milliseconds.</summary>
public sealed record StageTimings(double DecodeMs, double DetectMs, double AlignEmbedMs);
