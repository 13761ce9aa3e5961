using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CompreFace.Grains.Admin;

/// <summary>
/// <c>Admin:SeedDemo=false</c> (the compose and Kubernetes recipes): at start, CompreFace's demo seed (the demo user,
/// application and the three services with the published keys) is removed while nobody has signed up, so no service
/// ever answers to a published key and the first sign-up becomes a fresh owner. Once someone has taken the demo user
/// over, the demo application is theirs and stays (its keys are rotated in the UI, <see cref="DemoKeyWarning"/>).
/// The schema's seed step stays as it is: databases of the embedded default keep CompreFace's demo.
/// </summary>
internal sealed partial class DemoSeed(IAdminStore store, IFaceStore faces, IOptions<AdminOptions> options, ILogger<DemoSeed> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.SeedDemo || !await store.RemoveUntouchedDemoSeedAsync(cancellationToken))
        {
            return;
        }

        // Anything enrolled through the published recognition key before the first sign-up goes too.
        foreach (var id in DemoServices.SeededServiceIds)
        {
            await faces.DeleteCollectionAsync(id, cancellationToken);
        }

        LogDemoSeedRemoved(logger);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information,
        Message = "Admin:SeedDemo is off: CompreFace's demo user, application and services (the published keys) were removed; the first sign-up becomes the owner")]
    private static partial void LogDemoSeedRemoved(ILogger logger);
}
