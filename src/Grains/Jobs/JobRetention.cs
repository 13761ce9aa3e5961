using System.ComponentModel.DataAnnotations;
using CompreFace.Grains.Admin;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CompreFace.Grains.Jobs;

/// <summary>The jobs list (configuration section <c>Jobs</c>; docs/decisions/0034-jobs-and-re-embedding.md).</summary>
public sealed class JobOptions
{
    public const string SectionName = "Jobs";

    /// <summary>
    /// How long a finished job (completed, failed, cancelled) stays in the list with its report; older ones are deleted
    /// by every node's purge. Unfinished jobs are never purged.
    /// </summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often each node deletes the finished jobs older than <see cref="Retention"/>.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Deletes the jobs that finished more than <see cref="JobOptions.Retention"/> ago, with their item reports and bulk
/// enrolment rows, every <see cref="JobOptions.PurgeInterval"/>: without it every job, failed item and uploaded file's
/// outcome of every service (deleted ones included) stays forever. Unfinished jobs are never purged (their resumers and
/// the abandoned-transfer sweep end them first). Run by <see cref="PeriodicPurge{TPurge}"/> on every node; the delete is
/// idempotent. An active job grain may still answer a purged job until it deactivates; a finished job never writes again.
/// </summary>
internal sealed partial class JobRetention(IJobStore store, IOptions<JobOptions> options, ILogger<JobRetention> logger) : IPurge
{
    public TimeSpan Interval => options.Value.PurgeInterval;

    public Task<int> DeleteAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        store.PurgeFinishedAsync(now - options.Value.Retention, cancellationToken);

    public void OnPurged(int count) => LogPurged(logger, count, options.Value.Retention);

    [LoggerMessage(EventId = 3751, Level = LogLevel.Information, Message = "Jobs: purged {Count} finished jobs older than {Retention}")]
    private static partial void LogPurged(ILogger logger, int count, TimeSpan retention);
}
