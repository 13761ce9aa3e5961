using Microsoft.Extensions.Hosting;

namespace CompreFace.Grains.Admin;

/// <summary>
/// The loop shared by the node's retention purges: one <see cref="PurgeAsync"/> per <see cref="Interval"/> on the
/// injected clock (so tests drive it with a fake one), a failed purge logged and retried at the next tick because the
/// database may be briefly away, and a quiet stop.
/// </summary>
internal abstract class PeriodicPurge(TimeProvider time) : BackgroundService
{
    /// <summary>The clock the loop ticks on; purges take their cut-off from it too.</summary>
    protected TimeProvider Time { get; } = time;

    /// <summary>Time between two purges.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>One purge; returns how many rows went.</summary>
    public abstract Task<int> PurgeAsync(CancellationToken cancellationToken);

    /// <summary>Logs a purge that failed; the next tick tries again.</summary>
    protected abstract void OnPurgeFailed(Exception exception);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await PurgeAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    OnPurgeFailed(e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
