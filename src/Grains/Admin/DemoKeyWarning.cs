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
    /// <summary>The keys CompreFace seeds for its demo recognition, detection and verification services.</summary>
    public static IReadOnlyList<Guid> WellKnownKeys { get; } =
    [
        new(DemoServices.RecognitionApiKey),
        new("00000000-0000-0000-0000-000000000003"),
        new("00000000-0000-0000-0000-000000000004"),
    ];

    /// <summary>The demo keys that still open a service.</summary>
    public async Task<IReadOnlyList<Guid>> LiveKeysAsync(CancellationToken cancellationToken)
    {
        var live = new List<Guid>();
        foreach (var key in WellKnownKeys)
        {
            if (await store.FindServiceByKeyAsync(key, cancellationToken) is not null)
            {
                live.Add(key);
            }
        }

        return live;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var live = await LiveKeysAsync(cancellationToken);
        if (live.Count > 0)
        {
            LogDemoKeysLive(logger, live.Count, string.Join(", ", live));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 3051, Level = LogLevel.Warning,
        Message = "{Count} of CompreFace's published demo API keys still open a service ({Keys}): anyone who can reach this node can use them. Rotate them in the UI (the demo application's services) or delete the demo application (SECURITY.md)")]
    private static partial void LogDemoKeysLive(ILogger logger, int count, string keys);
}
