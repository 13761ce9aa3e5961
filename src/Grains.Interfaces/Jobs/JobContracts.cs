namespace CompreFace.Grains.Interfaces.Jobs;

/// <summary>The kinds of long-running jobs (docs/decisions/0034-jobs-and-re-embedding.md). Stored as these strings.</summary>
public static class JobKinds
{
    /// <summary>Re-computing a collection's embeddings with the configured embedder from its stored images.</summary>
    public const string Reembed = "reembed";

    /// <summary>Exporting a recognition service's collection to an archive.</summary>
    public const string Export = "export";

    /// <summary>Importing an archive into a recognition service's collection.</summary>
    public const string Import = "import";

    /// <summary>Enrolling an archive of <c>subject/photo.jpg</c> files.</summary>
    public const string BulkEnrol = "bulk-enrol";
}

/// <summary>Where a job stands. Stored as its number; the admin API writes it in lower case.</summary>
[GenerateSerializer]
public enum JobState
{
    /// <summary>Created, no worker has started it yet.</summary>
    Queued = 0,

    /// <summary>A worker is on it (or was, until its node stopped: such jobs are resumed or failed by their kind's runner).</summary>
    Running = 1,

    /// <summary>Finished; <see cref="JobInfo.Failed"/> may still count items that could not be processed.</summary>
    Completed = 2,

    /// <summary>Stopped by an error; <see cref="JobInfo.Error"/> says which.</summary>
    Failed = 3,

    /// <summary>Stopped by a cancel request.</summary>
    Cancelled = 4,
}

/// <summary>What the creator of a job gives.</summary>
/// <param name="Kind">One of <see cref="JobKinds"/>.</param>
/// <param name="ServiceId">The face service (= its collection) the job works on, if any.</param>
/// <param name="AppId">The application of that service, so its owner and administrators see the job.</param>
/// <param name="Total">How many items the job has, when known at creation.</param>
/// <param name="CreatedBy">Who asked for it: a user's email, <c>api</c> (an unauthenticated face API call) or <c>system</c>.</param>
/// <param name="Detail">A short kind-specific summary shown in the list (e.g. <c>dlib → mobilefacenet</c>, a file name).</param>
[GenerateSerializer, Immutable, Alias("CompreFace.Jobs.JobSpec")]
public sealed record JobSpec(
    string Kind, Guid? ServiceId, Guid? AppId, long? Total, string? CreatedBy, string? Detail = null);

/// <summary>A job as stored and listed.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Jobs.JobInfo")]
public sealed record JobInfo(
    Guid JobId, string Kind, Guid? ServiceId, Guid? AppId, JobState State, long Done, long Failed, long? Total,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, DateTimeOffset UpdatedAt,
    string? Error, string? CreatedBy, bool CancelRequested, string? Detail, long? Bytes = null)
{
    /// <summary>Whether the job has ended (completed, failed or cancelled).</summary>
    public bool IsFinished => State is JobState.Completed or JobState.Failed or JobState.Cancelled;
}

/// <summary>One reported item of a job: an item that failed or needs attention (a file without a face, a face without an image).</summary>
/// <param name="Item">What it is about: a file name, an image id.</param>
/// <param name="Outcome">A short machine-readable reason, e.g. <c>no_image</c>, <c>no_face</c>, <c>several_faces</c>, <c>bad_image</c>.</param>
/// <param name="Message">A human-readable explanation, if any.</param>
[GenerateSerializer, Immutable, Alias("CompreFace.Jobs.JobItem")]
public sealed record JobItem(string Item, string Outcome, string? Message = null);

/// <summary>
/// A worker's progress report: counters so far (absolute, not increments) and, when it changed, the total; an export or
/// import also reports the archive's bytes written or read so far.
/// </summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Jobs.JobProgress")]
public sealed record JobProgress(long Done, long Failed, long? Total = null, long? Bytes = null);

/// <summary>A filter of the jobs list, newest first. <see cref="AppIds"/>, when set, limits the list to those applications.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Jobs.JobQuery")]
public sealed record JobQuery(
    IReadOnlyList<Guid>? AppIds = null, string? Kind = null, Guid? ServiceId = null, bool UnfinishedOnly = false,
    int Limit = 100);

/// <summary>
/// One long-running job (key: its id): the single writer of its row in <c>cf_job</c>. Workers create it, report
/// progress and finish it; the admin API reads it and asks it to cancel. Cancellation is cooperative: a cancel request
/// is recorded and answered to the worker's next <see cref="ReportAsync"/> (<see cref="JobRun"/> turns it into a
/// cancelled <see cref="CancellationToken"/>).
/// </summary>
[Alias("CompreFace.Jobs.IJobGrain")]
public interface IJobGrain : IGrainWithGuidKey
{
    /// <summary>Creates the job (queued). Creating it again returns the existing job unchanged.</summary>
    [Alias("CreateAsync")]
    Task<JobInfo> CreateAsync(JobSpec spec, CancellationToken cancellationToken = default);

    /// <summary>The job, or null when there is none with this id.</summary>
    [Alias("GetAsync"), RetrySafe]
    Task<JobInfo?> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks the job running (from queued, or again after its node stopped); returns it. A job whose cancel was
    /// requested, or that has finished, is not started: the answer says so (<see cref="JobInfo.State"/>,
    /// <see cref="JobInfo.CancelRequested"/>).
    /// </summary>
    [Alias("StartAsync")]
    Task<JobInfo> StartAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores the worker's counters (and heartbeat); returns whether a cancel was requested.</summary>
    [Alias("ReportAsync")]
    Task<bool> ReportAsync(JobProgress progress, CancellationToken cancellationToken = default);

    /// <summary>Appends reported items (failures and the like) to the job's report.</summary>
    [Alias("AddItemsAsync")]
    Task AddItemsAsync(IReadOnlyList<JobItem> items, CancellationToken cancellationToken = default);

    /// <summary>The job's reported items in the order they were added, from <paramref name="offset"/>.</summary>
    [Alias("ListItemsAsync"), RetrySafe]
    Task<IReadOnlyList<JobItem>> ListItemsAsync(int offset, int limit, CancellationToken cancellationToken = default);

    /// <summary>Ends the job as <paramref name="state"/> (completed, failed or cancelled) with an optional <paramref name="failure"/> message.</summary>
    [Alias("FinishAsync")]
    Task<JobInfo> FinishAsync(JobState state, string? failure, CancellationToken cancellationToken = default);

    /// <summary>
    /// Asks the job to stop: a queued job is cancelled at once, a running one when its worker next reports (or at once
    /// when its worker stopped reporting long ago). Null when there is no job; a finished job is returned unchanged.
    /// </summary>
    [Alias("CancelAsync")]
    Task<JobInfo?> CancelAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends the job as failed with <paramref name="failure"/> when it is running but its worker has not reported for
    /// longer than the job grain's staleness limit (its node stopped), or still queued that long (its node stopped
    /// before starting it); otherwise leaves it as it is. Returns the job, null when there is none.
    /// </summary>
    [Alias("FailIfAbandonedAsync")]
    Task<JobInfo?> FailIfAbandonedAsync(string failure, CancellationToken cancellationToken = default);
}

/// <summary>The jobs list (a stateless worker reading the store).</summary>
[Alias("CompreFace.Jobs.IJobDirectoryGrain")]
public interface IJobDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Jobs matching <paramref name="query"/>, newest first.</summary>
    [Alias("ListAsync"), RetrySafe]
    Task<IReadOnlyList<JobInfo>> ListAsync(JobQuery query, CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="IReembeddingGrain.StartAsync"/> did.</summary>
/// <param name="AlreadyRunning">A re-embedding was unfinished: nothing was started.</param>
/// <param name="Jobs">The jobs started, one per collection holding faces of another model.</param>
[GenerateSerializer, Immutable, Alias("CompreFace.Jobs.ReembedStart")]
public sealed record ReembedStart(bool AlreadyRunning, IReadOnlyList<Guid> Jobs);

/// <summary>Starts re-embeddings (one activation in the cluster, so two starts cannot both begin one).</summary>
[Alias("CompreFace.Jobs.IReembeddingGrain")]
public interface IReembeddingGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// One re-embedding job per collection that holds faces of another model than <paramref name="target"/> (the
    /// inference tier's), unless one is unfinished.
    /// </summary>
    [Alias("StartAsync")]
    Task<ReembedStart> StartAsync(string target, string? createdBy, CancellationToken cancellationToken = default);
}
