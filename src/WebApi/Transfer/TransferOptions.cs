using System.ComponentModel.DataAnnotations;

namespace CompreFace.WebApi.Transfer;

/// <summary>
/// Limits of collection archives (section <c>Transfer</c>): the export/import archive (docs/export-format.md) and the
/// bulk-enrolment upload. Both are streamed, so these bound disk, time and the work one request can ask for, not memory.
/// </summary>
public sealed class TransferOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Transfer";

    /// <summary>Largest import archive in bytes (<c>Transfer:MaxImportSize</c>); a 1M-face archive without images is about 3 GB.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxImportSize { get; set; } = 64L * 1024 * 1024 * 1024;

    /// <summary>Most entries in one import archive (<c>Transfer:MaxImportEntries</c>): one per image plus one per chunk of 1000 examples.</summary>
    [Range(1, int.MaxValue)]
    public int MaxImportEntries { get; set; } = 20_000_000;

    /// <summary>Most problems listed by name in an import's answer (<c>Transfer:MaxReportedProblems</c>); the counts cover all.</summary>
    [Range(0, 1_000_000)]
    public int MaxReportedProblems { get; set; } = 1000;

    /// <summary>Largest bulk-enrolment upload in bytes (<c>Transfer:MaxEnrolSize</c>); it is spooled to a temporary file while read.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxEnrolSize { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Most files in one bulk-enrolment archive (<c>Transfer:MaxEnrolFiles</c>).</summary>
    [Range(1, 10_000_000)]
    public int MaxEnrolFiles { get; set; } = 100_000;

    /// <summary>
    /// Archive uploads (imports and bulk enrolments together) one node reads at once (<c>Transfer:MaxConcurrentUploads</c>);
    /// one more is refused with 429 until one ends. Size the temporary folder for this many times <see cref="MaxEnrolSize"/>.
    /// </summary>
    [Range(1, 64)]
    public int MaxConcurrentUploads { get; set; } = 2;

    /// <summary>Images re-embedded at once when an import comes from another model (<c>Transfer:ReembedParallelism</c>; 0: twice the cores).</summary>
    [Range(0, 1024)]
    public int ReembedParallelism { get; set; }

    /// <summary>
    /// How often a running export or import reports its progress to its job (<c>Transfer:ProgressInterval</c>); each
    /// report also tells it whether its cancel was requested, so this is how soon a cancel stops it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(1);
}
