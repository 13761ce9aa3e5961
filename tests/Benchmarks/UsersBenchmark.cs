using System.Diagnostics;
using System.Globalization;
using CompreFace.Grains.Interfaces.Admin;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.Benchmarks;

/// <summary>
/// What one call of the public <c>GET /admin/config</c> or <c>GET /admin/user/demo/model</c> (and every sign-up) costs the
/// store as accounts grow: the whole user list (<see cref="IAdminStore.ListUsersAsync"/>, what they read before) against
/// the census query (<see cref="IAdminStore.GetUserCensusAsync"/>), in one run, on SQLite and, when a server is given,
/// on PostgreSQL. Both run in the user registry's one activation, so their time is how long every other sign-up waits.
/// </summary>
internal static class UsersBenchmark
{
    public static async Task RunAsync(BenchSettings settings, string? server)
    {
        Console.WriteLine($"# Users benchmark {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {settings.Iterations} calls each");
        Console.WriteLine("| store | users | whole list, median / p95 (ms) | census, median / p95 (ms) |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (var users in settings.Sizes)
        {
            var directory = Directory.CreateTempSubdirectory("cf-users-bench-");
            try
            {
                await MeasureAsync("SQLite", users, settings, new() { ["Storage:DataDirectory"] = directory.FullName });
            }
            finally
            {
                directory.Delete(recursive: true);
            }

            if (server is not null)
            {
                await using var database = await PostgresServer.CreateDatabaseAsync($"cf_bench_users_{users}", server);
                await MeasureAsync("PostgreSQL", users, settings, new() { ["ConnectionStrings:Postgres"] = database.ConnectionString });
            }
        }
    }

    private static async Task MeasureAsync(string name, int users, BenchSettings settings, Dictionary<string, string?> storage)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(storage).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddStorage(configuration);
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IFaceStore>().EnsureSchemaAsync();
        var store = provider.GetRequiredService<IAdminStore>();

        // The owner took the demo user over, as a node's first sign-up does; then confirmed users with a stored hash's
        // length (the list reads every column).
        var hash = Convert.ToBase64String(new byte[61]);
        await store.TakeOverDemoUserAsync(new UserRecord(Guid.NewGuid(), "owner@example.com", hash, "Owner", "Last", Role.User, false, false));
        for (var start = 1; start < users; start += 64)
        {
            await Task.WhenAll(Enumerable.Range(start, Math.Min(64, users - start)).Select(i => store.AddUserAsync(new UserRecord(
                Guid.NewGuid(), string.Create(CultureInfo.InvariantCulture, $"user{i}@example.com"), hash, "First", "Last", Role.User, false, false))));
        }

        var list = await TimeAsync(settings, () => store.ListUsersAsync());
        var census = await TimeAsync(settings, () => store.GetUserCensusAsync());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {users:N0} | {list.Median:F2} / {list.P95:F2} | {census.Median:F2} / {census.P95:F2} |"));
    }

    private static async Task<Stats> TimeAsync<T>(BenchSettings settings, Func<Task<T>> call)
    {
        for (var i = 0; i < settings.Warmup; i++)
        {
            await call();
        }

        var samples = new double[settings.Iterations];
        for (var i = 0; i < samples.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await call();
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        return Stats.Of(samples);
    }
}
