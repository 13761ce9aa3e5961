using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CompreFace.Grains.Admin;

/// <summary>
/// Warns at every start while one of CompreFace's published demo keys still opens a service. The embedded default
/// seeds them because CompreFace's SDKs, demos and docs use them; on a reachable node they let anyone use those
/// services, so the operator hears about it until the keys are rotated or the demo application is deleted (SECURITY.md).
/// </summary>
internal sealed partial class DemoKeyWarning(IAdminStore store, ILogger<DemoKeyWarning> logger) : IHostedService
{
    /// <summary>The demo keys that still open a service.</summary>
    public async Task<IReadOnlyList<Guid>> LiveKeysAsync(CancellationToken cancellationToken) =>
        [.. (await LiveServicesAsync(cancellationToken)).Select(s => s.ApiKey)];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Names, not keys: no log line carries an API key, not even a published one.
        var live = await LiveServicesAsync(cancellationToken);
        if (live.Count > 0)
        {
            LogDemoKeysLive(logger, live.Count, string.Join(", ", live.Select(s => $"{s.Name} ({s.Type})")));
        }
    }

    private async Task<List<ServiceRecord>> LiveServicesAsync(CancellationToken cancellationToken)
    {
        var live = new List<ServiceRecord>();
        foreach (var key in DemoServices.SeededApiKeys)
        {
            if (await store.FindServiceByKeyAsync(key, cancellationToken) is { } service)
            {
                live.Add(service);
            }
        }

        return live;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 3051, Level = LogLevel.Warning,
        Message = "{Count} services still answer to CompreFace's published demo API keys ({Services}): anyone who can reach this node can use them. Renew their keys in the UI (the demo application's services) or delete the demo application (SECURITY.md)")]
    private static partial void LogDemoKeysLive(ILogger logger, int count, string services);
}
