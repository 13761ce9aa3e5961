using CompreFace.Grains.Admin;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CompreFace.Admin.Tests;

/// <summary>
/// CompreFace's published demo keys (P7): a node warns at every start while one still opens a service, and stops
/// warning once they are rotated. Runs on its own node because it rotates the demo keys.
/// </summary>
public sealed class DemoKeyWarningTests
{
    [Fact]
    public async Task DemoKeyWarning_WhileTheSeededKeysAreLive_WarnsUntilTheyAreRotated()
    {
        using var factory = new AdminFactory();
        var store = factory.Services.GetRequiredService<IAdminStore>();

        var log = new RecordingLogger();
        var warning = new DemoKeyWarning(store, log);
        Assert.Equal(CompreFace.Grains.Interfaces.DemoServices.SeededApiKeys, await warning.LiveKeysAsync(CancellationToken.None));
        await warning.StartAsync(CancellationToken.None);
        var entry = Assert.Single(log.Entries);
        Assert.Equal((LogLevel.Warning, 3051), (entry.Level, entry.EventId));
        Assert.Contains("(Recognition)", entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("00000000-0000-0000-0000-00000000000", entry.Message, StringComparison.Ordinal);   // never a key in a log

        // Rotated (what the UI's "renew key" does): no published key opens anything, and the next start is quiet.
        foreach (var key in CompreFace.Grains.Interfaces.DemoServices.SeededApiKeys)
        {
            var service = (await store.FindServiceByKeyAsync(key))!;
            Assert.True(await store.SetServiceKeyAsync(service.ServiceId, Guid.NewGuid()));
        }

        log.Entries.Clear();
        Assert.Empty(await warning.LiveKeysAsync(CancellationToken.None));
        await warning.StartAsync(CancellationToken.None);
        Assert.Empty(log.Entries);
    }

    private sealed class RecordingLogger : ILogger<DemoKeyWarning>
    {
        public List<(LogLevel Level, int EventId, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, eventId.Id, formatter(state, exception)));
    }
}
