using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Hosting;

namespace CompreFace.WebApi.Statistics;

/// <summary>Request statistics of the face services (section <c>Statistics</c>; docs/compreface-behaviour.md#statistics).</summary>
public sealed class StatisticsOptions
{
    public const string SectionName = "Statistics";

    /// <summary>
    /// How often each node adds its in-memory counts to the store, in seconds. CompreFace flushes hourly; shorter loses
    /// less on a crash and costs one small transaction per interval per node.
    /// </summary>
    [Range(1, 3600)]
    public int FlushIntervalSeconds { get; set; } = 60;

    /// <summary>How many months back <c>GET …/statistics</c> reports (CompreFace's <c>MODEL_STATISTIC_MONTHS</c>, 6).</summary>
    [Range(1, 120)]
    public int Months { get; set; } = 6;
}

/// <summary>
/// The face API's request counter: counts per service and UTC hour in memory (one interlocked add per counted request,
/// no I/O), and adds the totals to the store through <see cref="IRequestStatisticsGrain"/> when flushed, every
/// <see cref="StatisticsOptions.FlushIntervalSeconds"/> and at shutdown (<see cref="RequestStatisticsFlusher"/>).
/// A failed flush keeps its counts for the next one; a crash loses at most one interval of this node's counts.
/// </summary>
public sealed partial class RequestStatistics(IGrainFactory grains, TimeProvider time, ILogger<RequestStatistics> logger) : IFaceServiceRequestCounter, IDisposable
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<(Guid Service, DateTime Hour), StrongBox<long>> _counts = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);

    /// <inheritdoc />
    public void Increment(FaceServiceInfo service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var box = _counts.GetOrAdd((service.ServiceId, HourOf(time.GetUtcNow())), static _ => new StrongBox<long>());
        Interlocked.Increment(ref box.Value);
    }

    /// <summary>Adds everything counted so far to the store; one flush at a time.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken);
        try
        {
            var drained = Drain();
            if (drained.Count == 0)
            {
                return;
            }

            try
            {
                await grains.GetGrain<IRequestStatisticsGrain>(0).AddAsync(drained, cancellationToken);
            }
            catch (Exception e)
            {
                // Put them back: the next flush tries again.
                foreach (var count in drained)
                {
                    Interlocked.Add(ref _counts.GetOrAdd((count.ServiceId, count.Hour), static _ => new StrongBox<long>()).Value, count.Count);
                }

                LogFlushFailed(logger, drained.Count, e);
                throw;
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _flushing.Dispose();

    private List<RequestCount> Drain()
    {
        var currentHour = HourOf(time.GetUtcNow());
        var drained = new List<RequestCount>();
        foreach (var (key, box) in _counts)
        {
            var count = Interlocked.Exchange(ref box.Value, 0);
            if (count > 0)
            {
                drained.Add(new RequestCount(key.Service, key.Hour, count));
            }
            else if (key.Hour < currentHour - Hour)
            {
                // Entries of past hours are dropped once empty. Two hours back, so that a request that took its box at
                // the end of that hour has long since added to it; entries stay bounded by services × 3.
                _counts.TryRemove(new KeyValuePair<(Guid, DateTime), StrongBox<long>>(key, box));
            }
        }

        return drained;
    }

    private static DateTime HourOf(DateTimeOffset now) =>
        new(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerHour), DateTimeKind.Utc);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Request statistics: flushing {Rows} hourly counts failed; they are kept for the next flush")]
    private static partial void LogFlushFailed(ILogger logger, int rows, Exception exception);
}

/// <summary>Flushes <see cref="RequestStatistics"/> periodically, and once more when the node stops (before the silo does).</summary>
internal sealed partial class RequestStatisticsFlusher(
    RequestStatistics statistics,
    IOptions<StatisticsOptions> options,
    TimeProvider time,
    ILogger<RequestStatisticsFlusher> logger) : BackgroundService
{
    private static readonly TimeSpan FinalFlushTimeout = TimeSpan.FromSeconds(10);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(FinalFlushTimeout);
        await FlushQuietlyAsync(timeout.Token);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.FlushIntervalSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushQuietlyAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping; StopAsync flushes once more.
        }
    }

    private async Task FlushQuietlyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await statistics.FlushAsync(cancellationToken);
        }
        catch (Exception e)
        {
            // A failure is logged by RequestStatistics and its counts are kept; this background loop must not die.
            LogFlushSkipped(logger, e);
        }
    }

    [LoggerMessage(EventId = 2202, Level = LogLevel.Debug, Message = "Request statistics flush skipped; retried next interval")]
    private static partial void LogFlushSkipped(ILogger logger, Exception exception);
}
