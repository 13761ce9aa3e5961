using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;

namespace CompreFace.WebUi.Tests;

/// <summary>
/// The real node (<c>src/Silo/Program.cs</c>, real models, the embedded SQLite store in a fresh temporary directory) on a
/// real Kestrel port of 127.0.0.1, so that a real browser reaches it, plus one headless Debian Chromium whose fake camera
/// plays <see cref="TestPictures.WebcamVideo"/>.
/// </summary>
public sealed class WebUiNode : IAsyncLifetime, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cf-webui-tests-" + Guid.NewGuid().ToString("N"));
    private readonly NodeFactory _factory;
    private IPlaywright? _playwright;

    public WebUiNode()
    {
        _factory = new NodeFactory(Path.Combine(_directory, "data"), Analyses);
    }

    /// <summary>The node's address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Holds chosen analyses on their way to the inference workers, for a test that needs a job to stay running.</summary>
    public AnalysisGate Analyses { get; } = new();

    /// <summary>Pictures made for this run (a two-person composite, the fake camera's video).</summary>
    public TestPictures Pictures { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (BrowserFactAttribute.SkipReason is not null)
        {
            // xunit builds collection fixtures even when every test is skipped: start nothing that needs the browser.
            return;
        }

        Directory.CreateDirectory(_directory);
        Pictures = TestPictures.Create(_directory);

        _factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        var addresses = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseAddress = new Uri(addresses.First());

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserFactAttribute.ChromiumPath,
            Headless = true,
            Args =
            [
                // Root in a container: Chromium's sandbox needs user namespaces it does not get here.
                "--no-sandbox",

                // Containers often give /dev/shm only 64 MB, where Chromium's renderers crash; use /tmp instead.
                "--disable-dev-shm-usage",
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                "--use-file-for-fake-video-capture=" + Pictures.WebcamVideo,
            ],
        });
    }

    /// <summary>A fresh browser context (own cookies) with a page at the given viewport.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Permissions = ["camera"],
        });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        PageChecks.TrackScriptErrors(page);
        return page;
    }

    /// <summary>
    /// Adds the node's counted requests to the store now; once it returns, the counts are visible to the admin API
    /// (a background flush running at the same moment finishes first: flushes take turns).
    /// </summary>
    public Task FlushStatisticsAsync() =>
        _factory.Services.GetRequiredService<CompreFace.WebApi.Statistics.RequestStatistics>().FlushAsync(CancellationToken.None);

    /// <summary>The node's grains (the tests that play a job's worker report its progress through its job grain).</summary>
    public Orleans.IGrainFactory Grains => _factory.Services.GetRequiredService<IGrainFactory>();

    public void Dispose() => _factory.Dispose();

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        if (_playwright is null)
        {
            return;
        }

        _playwright?.Dispose();
        await _factory.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed class NodeFactory(string dataDirectory, AnalysisGate analyses) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("Models:Path", SharedData.Models);
            builder.UseSetting("Cluster:SiloPort", LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Cluster:ClusterId", "webui-tests-" + Guid.NewGuid().ToString("N"));
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            builder.UseSetting("Logging:LogLevel:Orleans", "Error");
            builder.UseSetting("Storage:DataDirectory", dataDirectory);

            // The page tests sign several users up through the API, which the product's default (InviteOnly) refuses.
            builder.UseSetting("Admin:Registration", "Open");

            // Request counts reach the store (and the usage page) within a second instead of a minute.
            builder.UseSetting("Statistics:FlushIntervalSeconds", "1");

            // Only the pass at start resumes unfinished re-embeddings: the job a test reports itself stays its own.
            builder.UseSetting("Reembedding:ResumeInterval", "01:00:00");

            // The webhook page's test adds a loopback receiver, which the default outbound policy refuses.
            builder.UseSetting("Webhooks:AllowedNetworks:0", "127.0.0.1");
            builder.ConfigureTestServices(services =>
            {
                TestPasswordHashing.Use(services);
                services.AddSingleton<Orleans.IOutgoingGrainCallFilter>(analyses);
            });
        }

        /// <summary>Stops the node once, as SIGTERM does (<see cref="LifetimeStoppedHost"/>).</summary>
        protected override IHost CreateHost(IHostBuilder builder) => new LifetimeStoppedHost(base.CreateHost(builder));
    }
}

/// <summary>
/// A browser test: skipped, with the reason, when Debian's Chromium is not installed locally; under <c>CI=true</c> it runs
/// and fails instead, so a CI machine without the browser cannot pass by skipping.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrowserFactAttribute : FactAttribute
{
    /// <summary>Debian's Chromium, or the browser named by <c>COMPREFACE_CHROMIUM</c>.</summary>
    public static string ChromiumPath { get; } =
        Environment.GetEnvironmentVariable("COMPREFACE_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public BrowserFactAttribute()
    {
        Skip = SkipReason;
    }

    /// <summary>Why browser tests are skipped here, or null when they run (Chromium present, or <c>CI=true</c>).</summary>
    public static string? SkipReason =>
        File.Exists(ChromiumPath) || string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
            ? null
            : $"Browser test skipped: {ChromiumPath} is missing (apt-get install chromium; .ci/run installs it).";
}

/// <summary>The journey starts on a node where nobody has signed up yet, so its sign-up becomes the global owner.</summary>
[CollectionDefinition(Name)]
public sealed class JourneyGroup : ICollectionFixture<WebUiNode>
{
    public const string Name = "Journey";
}

/// <summary>The other page tests share a node whose owner they register through the API.</summary>
[CollectionDefinition(Name)]
public sealed class PagesGroup : ICollectionFixture<WebUiNode>
{
    public const string Name = "Pages";
}
