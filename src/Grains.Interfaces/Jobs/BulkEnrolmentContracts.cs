namespace CompreFace.Grains.Interfaces.Jobs;

/// <summary>Where one file of a bulk enrolment stands. Stored as its number.</summary>
[GenerateSerializer]
public enum EnrolmentFileState
{
    /// <summary>Uploaded, not processed yet.</summary>
    Pending = 0,

    /// <summary>Its one face is now an example of its subject.</summary>
    Enrolled = 1,

    /// <summary>The same photo of the same subject was enrolled before (a re-upload): nothing added.</summary>
    AlreadyEnrolled = 2,

    /// <summary>Not enrolled; <see cref="EnrolmentOutcome.Outcome"/> says why (no face, several faces, bad image…).</summary>
    Failed = 3,

    /// <summary>
    /// Never processed: the job ended (failed, its upload lost, or cancelled) with the file still pending. Its photo is
    /// dropped; it counts neither as done nor as failed, so a job that stopped short shows it.
    /// </summary>
    NotProcessed = 4,
}

/// <summary>One file of an uploaded archive.</summary>
/// <param name="Seq">Its position in the archive (from 1).</param>
/// <param name="Name">Its path in the archive.</param>
/// <param name="Subject">The subject it enrols (its folder).</param>
/// <param name="ImageId">The example id it makes: derived from service, subject and content, so a re-upload maps to it.</param>
/// <param name="Content">The photo; null when it was refused at upload (then <paramref name="State"/> is failed).</param>
/// <param name="State">Pending, or failed at upload.</param>
/// <param name="Outcome">Why it failed at upload.</param>
[GenerateSerializer, Immutable, Alias("CompreFace.Jobs.EnrolmentFile")]
public sealed record EnrolmentFile(
    int Seq,
    string Name,
    string Subject,
    Guid ImageId,
    byte[]? Content,
    EnrolmentFileState State = EnrolmentFileState.Pending,
    string? Outcome = null);

/// <summary>What became of one file (a line of the report).</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Jobs.EnrolmentOutcome")]
public sealed record EnrolmentOutcome(
    int Seq, EnrolmentFileState State, string? Outcome, string Name = "", string Subject = "", Guid ImageId = default);

/// <summary>
/// The worker of one bulk-enrolment job (key: the job id; the job itself is an <see cref="IJobGrain"/> in the jobs list).
/// Takes the uploaded files, then enrols them across the inference workers in the background, recording each file's
/// outcome as it goes, so that after a node restart it resumes with the files left (docs/decisions/0035-collection-archives.md).
/// </summary>
[Alias("CompreFace.Jobs.IBulkEnrolmentGrain")]
public interface IBulkEnrolmentGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Stores a batch of the upload's files (idempotent per file position) and starts the job if it is not running: the
    /// first files are enrolled while the rest of the archive is still being read.
    /// </summary>
    [Alias("AddFilesAsync"), RetrySafe]
    Task AddFilesAsync(IReadOnlyList<EnrolmentFile> files, CancellationToken cancellationToken = default);

    /// <summary>
    /// The upload has ended: every file was added. Stores the job's total (so that a run resumed after a restart knows the
    /// archive is whole) and lets the job finish once no file is pending.
    /// </summary>
    [Alias("SealAsync"), RetrySafe]
    Task SealAsync(CancellationToken cancellationToken = default);

    /// <summary>Starts (or resumes) the job's processing in the background unless it is running here already or finished; returns at once.</summary>
    [Alias("StartAsync"), RetrySafe]
    Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>The report: every file in archive order from <paramref name="afterSeq"/>, with its outcome.</summary>
    [Alias("ReportAsync"), RetrySafe]
    Task<IReadOnlyList<EnrolmentOutcome>> ReportAsync(int afterSeq, int limit, CancellationToken cancellationToken = default);

    /// <summary>How many files have each outcome so far.</summary>
    [Alias("CountAsync"), RetrySafe]
    Task<IReadOnlyDictionary<EnrolmentFileState, long>> CountAsync(CancellationToken cancellationToken = default);
}
