using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CompreFace.Grains.Admin;

/// <summary>
/// One retention purge as data: what it deletes at a given time, how often, and how it reports a purge.
/// <see cref="PeriodicPurge{TPurge}"/> runs it.
/// </summary>
internal interface IPurge
{
    /// <summary>Time between two purges.</summary>
    TimeSpan Interval { get; }

    /// <summary>Deletes what is due at <paramref name="now"/> (the loop's clock); returns how many rows went.</summary>
    Task<int> DeleteAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Logs a purge that deleted <paramref name="count"/> rows (at least one).</summary>
    void OnPurged(int count);
}

/// <summary>
/// The loop shared by the node's retention purges: one <see cref="PurgeAsync"/> of <typeparamref name="TPurge"/> per
/// <see cref="IPurge.Interval"/> on the injected clock (so tests drive it with a fake one), a failed purge logged and
/// retried at the next tick because the database may be briefly away, and a quiet stop. Logs under
/// <typeparamref name="TPurge"/>'s category.
/// </summary>
internal sealed partial class PeriodicPurge<TPurge>(TPurge purge, TimeProvider time, ILogger<TPurge> logger) : BackgroundService
    where TPurge : IPurge
{
    /// <summary>One purge at the clock's now; returns how many rows went.</summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var purged = await purge.DeleteAsync(time.GetUtcNow(), cancellationToken);
        if (purged > 0)
        {
            purge.OnPurged(purged);
        }

        return purged;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(purge.Interval, time);
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
                    LogPurgeFailed(logger, typeof(TPurge).Name, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = 9120, Level = LogLevel.Warning, Message = "{Purge}: the purge failed; it runs again at the next interval")]
    private static partial void LogPurgeFailed(ILogger logger, string purge, Exception exception);
}

/// <summary>Registration of a retention purge.</summary>
internal static class PeriodicPurgeServiceCollectionExtensions
{
    /// <summary>Registers <typeparamref name="TPurge"/> and its <see cref="PeriodicPurge{TPurge}"/> as a hosted service, once.</summary>
    public static IServiceCollection AddPeriodicPurge<TPurge>(this IServiceCollection services)
        where TPurge : class, IPurge
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TPurge>();
        services.TryAddSingleton<PeriodicPurge<TPurge>>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PeriodicPurge<TPurge>>(sp => sp.GetRequiredService<PeriodicPurge<TPurge>>()));
        return services;
    }
}
