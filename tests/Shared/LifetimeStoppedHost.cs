using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CompreFace.Testing;

/// <summary>
/// The host of an in-process test node, stopped the way a real node stops on SIGTERM: the application lifetime is told
/// to stop, and the node's own <c>app.Run()</c> stops the host once. <c>WebApplicationFactory</c> stops the host itself
/// while that <c>Run</c>, woken by the same stop, stops it again; Orleans' second, concurrent <c>Silo.StopAsync</c> then
/// waited about a second for the first, on about half of all test node disposals.
/// </summary>
/// <remarks>Use from a factory: <c>protected override IHost CreateHost(IHostBuilder builder) => new LifetimeStoppedHost(base.CreateHost(builder));</c></remarks>
public sealed class LifetimeStoppedHost(IHost host) : IHost, IAsyncDisposable
{
    /// <summary>Bounds a stop that never completes (a node whose <c>Run</c> was never reached), so a test fails instead of hanging.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromMinutes(1);

    public IServiceProvider Services => host.Services;

    public Task StartAsync(CancellationToken cancellationToken = default) => host.StartAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStopped.Register(() => stopped.TrySetResult());
        lifetime.StopApplication();
        await stopped.Task.WaitAsync(StopTimeout, cancellationToken);
    }

    public void Dispose() => host.Dispose();

    public ValueTask DisposeAsync()
    {
        if (host is IAsyncDisposable asyncDisposable)
        {
            return asyncDisposable.DisposeAsync();
        }

        host.Dispose();
        return ValueTask.CompletedTask;
    }
}
