using CompreFace.Grains.Interfaces.Jobs;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace CompreFace.Grains.Jobs;

/// <inheritdoc cref="IJobGrain" />
/// <remarks>
/// Keeps the row in memory and writes every change through before answering, so a report acknowledged to a worker is
/// durable. Not reentrant: a cancel and a report of the same job never interleave.
/// </remarks>
internal sealed partial class JobGrain(IJobStore store, TimeProvider time, ILogger<JobGrain> logger) : Grain, IJobGrain
{
    /// <summary>A running job whose worker has not reported for this long is taken to have lost its worker (cancel ends it at once).</summary>
    internal static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(2);

    private JobInfo? _job;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        _job = await store.GetAsync(this.GetPrimaryKey(), cancellationToken);

    public async Task<JobInfo> CreateAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (_job is not null)
        {
            return _job;
        }

        var now = time.GetUtcNow();
        var job = new JobInfo(
            this.GetPrimaryKey(), spec.Kind, spec.ServiceId, spec.AppId, JobState.Queued, 0, 0, spec.Total, now, null, null, now, null, spec.CreatedBy, false, spec.Detail);
        if (!await store.CreateAsync(job, cancellationToken))
        {
            // Created by another activation of this id during a failover window: take the stored row.
            job = await store.GetAsync(job.JobId, cancellationToken) ?? job;
        }

        _job = job;
        LogCreated(logger, job.JobId, job.Kind, job.ServiceId);
        return job;
    }

    public Task<JobInfo?> GetAsync(CancellationToken cancellationToken = default) => Task.FromResult(_job);

    public async Task<JobInfo> StartAsync(CancellationToken cancellationToken = default)
    {
        var job = _job ?? throw new InvalidOperationException($"Job {this.GetPrimaryKey()} does not exist.");
        if (job.IsFinished)
        {
            return job;
        }

        var now = time.GetUtcNow();
        if (job.CancelRequested)
        {
            return await SaveAsync(job with { State = JobState.Cancelled, FinishedAt = now, UpdatedAt = now }, cancellationToken);
        }

        return await SaveAsync(job with { State = JobState.Running, StartedAt = job.StartedAt ?? now, UpdatedAt = now }, cancellationToken);
    }

    public async Task<bool> ReportAsync(JobProgress progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var job = _job ?? throw new InvalidOperationException($"Job {this.GetPrimaryKey()} does not exist.");
        if (job.IsFinished)
        {
            // Cancelled (or ended) while the worker was busy: it stops at this report.
            return true;
        }

        await SaveAsync(job with { Done = progress.Done, Failed = progress.Failed, Total = progress.Total ?? job.Total, Bytes = progress.Bytes ?? job.Bytes, UpdatedAt = time.GetUtcNow() }, cancellationToken);
        return job.CancelRequested;
    }

    public Task AddItemsAsync(IReadOnlyList<JobItem> items, CancellationToken cancellationToken = default) =>
        store.AddItemsAsync(this.GetPrimaryKey(), items, cancellationToken);

    public Task<IReadOnlyList<JobItem>> ListItemsAsync(int offset, int limit, CancellationToken cancellationToken = default) =>
        store.ListItemsAsync(this.GetPrimaryKey(), offset, limit, cancellationToken);

    public async Task<JobInfo> FinishAsync(JobState state, string? failure, CancellationToken cancellationToken = default)
    {
        var job = _job ?? throw new InvalidOperationException($"Job {this.GetPrimaryKey()} does not exist.");
        if (state is not (JobState.Completed or JobState.Failed or JobState.Cancelled))
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "A job finishes as completed, failed or cancelled.");
        }

        if (job.IsFinished)
        {
            return job;
        }

        var now = time.GetUtcNow();
        LogFinished(logger, job.JobId, job.Kind, state, job.Done, job.Failed, failure);
        return await SaveAsync(job with { State = state, Error = failure, FinishedAt = now, UpdatedAt = now }, cancellationToken);
    }

    public async Task<JobInfo?> CancelAsync(CancellationToken cancellationToken = default)
    {
        if (_job is not { } job || job.IsFinished)
        {
            return _job;
        }

        var now = time.GetUtcNow();
        return job.State == JobState.Queued || IsAbandoned(job, now)
            ? await SaveAsync(job with { State = JobState.Cancelled, CancelRequested = true, FinishedAt = now, UpdatedAt = now }, cancellationToken)
            : await SaveAsync(job with { CancelRequested = true }, cancellationToken);
    }

    public async Task<JobInfo?> FailIfAbandonedAsync(string failure, CancellationToken cancellationToken = default) =>
        _job is { } job && (IsAbandoned(job, time.GetUtcNow()) || (job.State == JobState.Queued && time.GetUtcNow() - job.UpdatedAt > StaleAfter))
            ? await FinishAsync(JobState.Failed, failure, cancellationToken)
            : _job;

    /// <summary>Running, but its worker has not reported for longer than <see cref="StaleAfter"/>.</summary>
    private static bool IsAbandoned(JobInfo job, DateTimeOffset now) => job.State == JobState.Running && now - job.UpdatedAt > StaleAfter;

    private async Task<JobInfo> SaveAsync(JobInfo job, CancellationToken cancellationToken)
    {
        await store.UpdateAsync(job, cancellationToken);
        _job = job;
        return job;
    }

    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "Job {JobId} ({Kind}) created for service {ServiceId}")]
    private static partial void LogCreated(ILogger logger, Guid jobId, string kind, Guid? serviceId);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "Job {JobId} ({Kind}) {State}: {Done} done, {Failed} failed; {Error}")]
    private static partial void LogFinished(ILogger logger, Guid jobId, string kind, JobState state, long done, long failed, string? error);
}

/// <inheritdoc cref="IJobDirectoryGrain" />
[StatelessWorker]
internal sealed class JobDirectoryGrain(IJobStore store) : Grain, IJobDirectoryGrain
{
    public Task<IReadOnlyList<JobInfo>> ListAsync(JobQuery query, CancellationToken cancellationToken = default) =>
        store.ListAsync(query, cancellationToken);
}
