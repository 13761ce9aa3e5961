using CompreFace.Grains.Admin;
using CompreFace.Grains.Interfaces.Jobs;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.Logging;

namespace CompreFace.Grains.Jobs;

/// <summary>
/// Fails the exports and imports whose node stopped (docs/decisions/0034-jobs-and-re-embedding.md). A transfer runs
/// inside its HTTP request and is not resumed (re-embeddings and bulk enrolments are, by their own resumers), so a job
/// whose heartbeat is older than <see cref="JobGrain.StaleAfter"/> would otherwise stay running until someone cancels
/// it; one still queued that long had its node die between creating and starting it (the two calls follow each other). Run by <see cref="PeriodicPurge{TPurge}"/> on every node; the job grain decides (so a heartbeat arriving meanwhile
/// wins), and a job failed twice stays failed once.
/// </summary>
internal sealed partial class AbandonedTransferJobs(IJobStore store, IGrainFactory grains, ILogger<AbandonedTransferJobs> logger) : IPurge
{
    /// <summary>The error a failed job carries.</summary>
    internal const string Failure = "The node running this job stopped: its heartbeat stopped before the job ended";

    public TimeSpan Interval => JobGrain.StaleAfter / 2;

    public async Task<int> DeleteAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var failed = 0;
        foreach (var kind in new[] { JobKinds.Export, JobKinds.Import })
        {
            var unfinished = await store.ListAsync(new JobQuery(Kind: kind, UnfinishedOnly: true, Limit: 1000), cancellationToken);
            foreach (var job in unfinished.Where(j => now - j.UpdatedAt > JobGrain.StaleAfter))
            {
                var after = await grains.GetGrain<IJobGrain>(job.JobId).FailIfAbandonedAsync(Failure, cancellationToken);
                failed += after is { State: JobState.Failed, Error: Failure } ? 1 : 0;
            }
        }

        return failed;
    }

    public void OnPurged(int count) => LogFailed(logger, count, JobGrain.StaleAfter);

    [LoggerMessage(EventId = 3750, Level = LogLevel.Warning, Message = "Failed {Count} export or import job(s) whose node stopped (no heartbeat for {StaleAfter})")]
    private static partial void LogFailed(ILogger logger, int count, TimeSpan staleAfter);
}
