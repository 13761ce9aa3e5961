using System.ComponentModel.DataAnnotations;
using System.Threading.Channels;
using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Interfaces.Admin;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace CompreFace.Grains.Admin;

/// <summary>The audit log (configuration section <c>Audit</c>; docs/decisions/0025-audit-log.md).</summary>
public sealed class AuditOptions
{
    public const string SectionName = "Audit";

    /// <summary>How many days an event is kept; older events are deleted by every node's purge.</summary>
    [Range(1, 36500)]
    public int RetentionDays { get; set; } = 365;

    /// <summary>How often each node deletes events older than <see cref="RetentionDays"/>, in seconds.</summary>
    [Range(10, 86400)]
    public int PurgeIntervalSeconds { get; set; } = 3600;
}

/// <summary>
/// Records audit events with group commit: callers wait until their event is committed, and every event queued while
/// one transaction runs goes into the next one. A lone request pays one small insert transaction; many concurrent
/// requests share one transaction (and, on SQLite, one turn of the write lock) instead of queuing for one each.
/// </summary>
internal sealed partial class AuditWriter(IAuditStore store, TimeProvider time, ILogger<AuditWriter> logger) : BackgroundService
{
    /// <summary>The most events one transaction takes.</summary>
    internal const int MaxBatch = 256;

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Completes when <paramref name="entry"/> is committed; throws the store's error when it is not.</summary>
    public Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var pending = new Pending(entry, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The audit log is stopped; the action is refused rather than left unaudited.");
        }

        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Events already queued are still written: the loop ends when the queue is drained.
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        var entries = new List<AuditEntry>(MaxBatch);

        // Not cancelled by stoppingToken: a caller is waiting for each queued event, so the queue is drained, not dropped.
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
                entries.Add(pending.Entry);
            }

            try
            {
                await store.AppendAsync(entries, time.GetUtcNow(), CancellationToken.None);
                foreach (var pending in batch)
                {
                    pending.Done.TrySetResult();
                }
            }
            catch (Exception e)
            {
                LogWriteFailed(logger, batch.Count, e);
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(e);
                }
            }

            batch.Clear();
            entries.Clear();
        }
    }

    [LoggerMessage(EventId = 3400, Level = LogLevel.Error, Message = "Audit log: writing {Count} events failed; their requests answer with the error")]
    private static partial void LogWriteFailed(ILogger logger, int count, Exception exception);

    private sealed record Pending(AuditEntry Entry, TaskCompletionSource Done);
}

/// <summary>
/// Deletes audit events older than <see cref="AuditOptions.RetentionDays"/> every
/// <see cref="AuditOptions.PurgeIntervalSeconds"/>. Each node runs it; the delete is idempotent.
/// </summary>
internal sealed partial class AuditRetention(IAuditStore store, IOptions<AuditOptions> options, ILogger<AuditRetention> logger) : IPurge
{
    public TimeSpan Interval => TimeSpan.FromSeconds(options.Value.PurgeIntervalSeconds);

    public Task<int> DeleteAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        store.PurgeAsync(now.AddDays(-options.Value.RetentionDays), cancellationToken);

    public void OnPurged(int count) => LogPurged(logger, count, options.Value.RetentionDays);

    [LoggerMessage(EventId = 3401, Level = LogLevel.Information, Message = "Audit log: purged {Count} events older than {RetentionDays} days")]
    private static partial void LogPurged(ILogger logger, int count, int retentionDays);
}

/// <summary>
/// The audit log's grain: a reentrant stateless worker, so every node records through a local activation and
/// concurrent requests wait together on <see cref="AuditWriter"/>'s group commit rather than one after another.
/// </summary>
[StatelessWorker, Reentrant]
internal sealed class AuditLogGrain(AuditWriter writer, IAuditStore store) : Grain, IAuditLogGrain
{
    Task IAuditLogGrain.RecordAsync(AuditEntry entry, CancellationToken cancellationToken) => writer.RecordAsync(entry, cancellationToken);

    Task<Page<AuditEvent>> IAuditLogGrain.ListAsync(AuditQuery query, CancellationToken cancellationToken) => store.QueryAsync(query, cancellationToken);
}
