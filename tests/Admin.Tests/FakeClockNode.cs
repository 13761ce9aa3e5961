using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace CompreFace.Admin.Tests;

/// <summary>
/// The real node on a <see cref="FakeTimeProvider"/> (its jobs' waits, timers and grain-call timeouts follow the test's
/// clock), with an optional outgoing grain-call filter (an <see cref="AnalysisGate"/>, say), on SQLite or on the given
/// PostgreSQL database.
/// </summary>
public class FakeClockNode(FakeTimeProvider clock, string? postgres, Orleans.IOutgoingGrainCallFilter? filter = null) : AdminFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(clock);
            if (filter is not null)
            {
                services.AddSingleton(filter);
            }
        });
    }

    protected override void ConfigureStore(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (postgres is not null)
        {
            builder.UseSetting("ConnectionStrings:Postgres", postgres);
        }
    }
}
