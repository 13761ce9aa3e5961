namespace CompreFace.Grains.Interfaces.Jobs;

/// <summary>
/// A worker's handle on its job: starts it, reports progress, and turns a cancel request (answered by
/// <see cref="IJobGrain.ReportAsync"/>) into a cancelled <see cref="Token"/>, which the worker observes like any other
/// cancellation. <see cref="FinishAsync"/> records how the work ended. Usage:
/// <code>
/// await using var run = await JobRun.StartAsync(grains, jobId, stopping);
/// if (run is null) return;                       // cancelled or finished meanwhile
/// try { ... run.Token ...; await run.ReportAsync(done, failed, total); ... await run.FinishAsync(null); }
/// catch (Exception e) { await run.FinishAsync(e); }
/// </code>
/// </summary>
public sealed class JobRun : IAsyncDisposable
{
    private readonly IJobGrain _job;
    private readonly CancellationTokenSource _cancel;
    private readonly CancellationToken _stopping;

    private JobRun(IJobGrain job, Guid jobId, CancellationToken stopping)
    {
        _job = job;
        JobId = jobId;
        _stopping = stopping;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    }

    /// <summary>The job's id.</summary>
    public Guid JobId { get; }

    /// <summary>Cancelled when the job's cancel was requested, or when the node stops (then the job stays running, to be resumed).</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>Whether a cancel request (not a node stop) ended the work.</summary>
    public bool CancelRequested { get; private set; }

    /// <summary>
    /// Marks the job running and returns the handle, or null when the job does not exist, has finished, or was
    /// cancelled before it started (then it is now cancelled).
    /// </summary>
    public static async Task<JobRun?> StartAsync(IGrainFactory grains, Guid jobId, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var job = grains.GetGrain<IJobGrain>(jobId);
        var info = await job.StartAsync(stopping);
        return info.State == JobState.Running && !info.CancelRequested ? new JobRun(job, jobId, stopping) : null;
    }

    /// <summary>Stores the counters (and an archive's bytes so far); when a cancel was requested, cancels <see cref="Token"/>.</summary>
    public async Task ReportAsync(long done, long failed, long? total = null, long? bytes = null)
    {
        if (await _job.ReportAsync(new JobProgress(done, failed, total, bytes), CancellationToken.None))
        {
            CancelRequested = true;
            await _cancel.CancelAsync();
        }
    }

    /// <summary>Appends items to the job's report (failures by file or image).</summary>
    public Task AddItemsAsync(IReadOnlyList<JobItem> items) =>
        items.Count == 0 ? Task.CompletedTask : _job.AddItemsAsync(items, CancellationToken.None);

    /// <summary>
    /// Ends the job: completed when <paramref name="error"/> is null, cancelled when the error is the cancellation a
    /// cancel request caused, failed otherwise. A stop of the node leaves the job running (it is resumed or failed by
    /// its kind's runner when a node starts). <paramref name="note"/>, when given, is recorded as the job's message (what a
    /// cancelled job left behind); a failure records the error's message otherwise.
    /// </summary>
    public async Task FinishAsync(Exception? error, string? note = null)
    {
        if (!Ends(error))
        {
            return;
        }

        var state = error switch
        {
            null => JobState.Completed,
            OperationCanceledException when CancelRequested => JobState.Cancelled,
            _ => JobState.Failed,
        };
        await _job.FinishAsync(state, note ?? (state == JobState.Failed ? error!.Message : null), CancellationToken.None);
    }

    /// <summary>
    /// Whether the work ending with <paramref name="error"/> ends the job (completed, cancelled or failed), rather than
    /// leaving it running for a resumption because the node stops.
    /// </summary>
    public bool Ends(Exception? error) => !(error is OperationCanceledException && _stopping.IsCancellationRequested && !CancelRequested);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _cancel.Dispose();
        return ValueTask.CompletedTask;
    }
}
