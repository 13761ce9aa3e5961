using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CompreFace.Admin.Tests;

/// <summary>
/// The real node (<c>src/Silo/Program.cs</c>) with the real models on free ports, its admin and face data in the
/// embedded SQLite store under a fresh temporary directory (the WebApi.Tests approach).
/// </summary>
public class AdminFactory : WebApplicationFactory<Program>
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "cf-admin-tests-" + Guid.NewGuid().ToString("N"));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Testing");
        builder.UseSetting("Models:Path", SharedData.Models);
        builder.UseSetting("Cluster:SiloPort", LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Cluster:ClusterId", "admin-tests-" + Guid.NewGuid().ToString("N"));
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Orleans", "Error");
        builder.UseSetting("Storage:DataDirectory", _dataDirectory);
        if (Registration is { } registration)
        {
            builder.UseSetting("Admin:Registration", registration);
        }

        // Webhook receivers of the tests listen on loopback, which the default policy refuses; retries are fast.
        builder.UseSetting("Webhooks:AllowedNetworks:0", "127.0.0.1");
        builder.UseSetting("Webhooks:PollInterval", "00:00:00.100");
        builder.UseSetting("Webhooks:RetryBaseDelay", "00:00:00.250");
        builder.UseSetting("Webhooks:RetryMaxDelay", "00:00:02");
        // A held delivery ends when its test ends it, not after a timeout a loaded machine could reach first.
        builder.UseSetting("Webhooks:Timeout", "00:02:00");
        ConfigureStore(builder);

        // The in-process test server gives requests no client address; a real client of these tests sits on the node's
        // own host, which is what lets the first sign-up become the owner (OwnerSetup).
        var client = ClientAddress;
        builder.ConfigureServices(services => services.AddTransient<IStartupFilter>(_ => new ClientAddressFilter(client)));
        if (!ProductPasswordHashing)
        {
            builder.ConfigureTestServices(TestPasswordHashing.Use);
        }
    }

    /// <summary>Stops the node once, as SIGTERM does (<see cref="LifetimeStoppedHost"/>).</summary>
    protected override IHost CreateHost(IHostBuilder builder) => new LifetimeStoppedHost(base.CreateHost(builder));

    /// <summary>True keeps the product's PBKDF2 iteration count; the default is <see cref="TestPasswordHashing"/>'s.</summary>
    protected virtual bool ProductPasswordHashing => false;

    /// <summary>
    /// <c>Admin:Registration</c> of this node: <c>Open</c>, because most tests sign up several users of their own; null
    /// leaves the product's default (<c>InviteOnly</c>), as the registration tests do.
    /// </summary>
    protected virtual string? Registration => "Open";

    /// <summary>The address requests come from (loopback unless a test plays a remote client).</summary>
    protected virtual IPAddress ClientAddress => IPAddress.Loopback;

    /// <summary>The store of this node; the default is the embedded SQLite file.</summary>
    protected virtual void ConfigureStore(IWebHostBuilder builder)
    {
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp directory left behind is harmless.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

}

/// <summary>The same node on a fresh PostgreSQL database of <c>COMPREFACE_TEST_POSTGRES</c>'s server, dropped afterwards.</summary>
public class PostgresAdminFactory : AdminFactory
{
    private readonly ScratchDatabase _database = PostgresServer.CreateDatabase("cf_admin");

    protected override void ConfigureStore(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseSetting("ConnectionStrings:Postgres", _database.ConnectionString);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _database.Dispose();
        }
    }
}

/// <summary>Which store a test runs on.</summary>
public enum Store
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A store row: SQLite always; PostgreSQL when <c>COMPREFACE_TEST_POSTGRES</c> is set or in CI (where a missing server
/// fails loudly); skipped locally otherwise, with the reason.
/// </summary>
public sealed class StoresAttribute : Xunit.Sdk.DataAttribute
{
    public StoresAttribute(Store store)
    {
        StoreKind = store;
        if (store == Store.Postgres && PostgresServer.SkipReason is { } reason)
        {
            Skip = $"PostgreSQL row skipped: {reason}";
        }
    }

    public Store StoreKind { get; }

    public override IEnumerable<object[]> GetData(System.Reflection.MethodInfo testMethod) => [[StoreKind]];
}

/// <summary>
/// The shared SQLite node of the admin tests. Its first sign-up (the global owner, who took over the demo user) is
/// made once here; tests register their own further users and create their own applications.
/// </summary>
public sealed class AdminNode : IAsyncLifetime, IDisposable
{
    public const string OwnerEmail = "owner@example.com";
    public const string OwnerPassword = "owner-password-1";

    /// <summary>A global USER who is in no application unless a test puts them there (invited, re-roled, removed).</summary>
    public const string BystanderEmail = "bystander@example.com";

    private readonly SemaphoreSlim _principalsLock = new(1, 1);
    private IReadOnlyDictionary<Principal, AdminClient>? _principals;
    private Guid? _bystanderId;

    public AdminFactory Factory { get; } = new();

    /// <summary>One logged-in client per principal of the authorization matrix, created once.</summary>
    public async Task<IReadOnlyDictionary<Principal, AdminClient>> PrincipalsAsync()
    {
        await _principalsLock.WaitAsync();
        try
        {
            return _principals ??= await CreatePrincipalsAsync();
        }
        finally
        {
            _principalsLock.Release();
        }
    }

    public async Task InitializeAsync()
    {
        using var client = AdminClient.Create(Factory);
        await client.RegisterAsync(OwnerEmail, OwnerPassword, "Olga", "Owner");
        await client.RegisterAsync(BystanderEmail, "bystander-password", "Bob", "Bystander");
    }

    public Task DisposeAsync()
    {
        foreach (var client in _principals?.Values ?? [])
        {
            client.Dispose();
        }

        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _principalsLock.Dispose();
        Factory.Dispose();
    }

    /// <summary>A client logged in as the global owner.</summary>
    public async Task<AdminClient> OwnerAsync()
    {
        var client = AdminClient.Create(Factory);
        await client.LoginAsync(OwnerEmail, OwnerPassword);
        return client;
    }

    private async Task<IReadOnlyDictionary<Principal, AdminClient>> CreatePrincipalsAsync()
    {
        var store = (CompreFace.Grains.Storage.IAdminStore)Factory.Services.GetService(typeof(CompreFace.Grains.Storage.IAdminStore))!;
        var principals = new Dictionary<Principal, AdminClient> { [Principal.GlobalOwner] = await OwnerAsync() };
        foreach (var principal in Enum.GetValues<Principal>().Where(p => p != Principal.GlobalOwner))
        {
            var client = await NewUserAsync();
            if (principal == Principal.GlobalAdministrator)
            {
                Assert.True(await store.SetGlobalRoleAsync(await client.UserIdAsync(), CompreFace.Grains.Interfaces.Admin.Role.Administrator));
            }

            principals[principal] = client;
        }

        return principals;
    }

    /// <summary>
    /// The bystander's user id, read once: every login hashes the password (0.2 s of CPU on a slow core), and the
    /// authorization matrix asks for the id in each of its 384 cases.
    /// </summary>
    public async Task<Guid> BystanderIdAsync()
    {
        await _principalsLock.WaitAsync();
        try
        {
            if (_bystanderId is null)
            {
                using var client = AdminClient.Create(Factory);
                await client.LoginAsync(BystanderEmail, "bystander-password");
                _bystanderId = await client.UserIdAsync();
            }

            return _bystanderId.Value;
        }
        finally
        {
            _principalsLock.Release();
        }
    }

    /// <summary>A newly registered global USER, logged in.</summary>
    public async Task<AdminClient> NewUserAsync()
    {
        var client = AdminClient.Create(Factory);
        var email = "user-" + Guid.NewGuid().ToString("N") + "@example.com";
        await client.RegisterAsync(email, "password-123", "Uma", "User");
        await client.LoginAsync(email, "password-123");
        return client;
    }
}

/// <summary>Who calls, in the authorization matrix: a global role, or a global USER with a role in the target's application.</summary>
public enum Principal
{
    GlobalOwner,
    GlobalAdministrator,
    AppOwner,
    AppAdministrator,
    AppUser,
    NoRole,
}

/// <summary>All HTTP tests share one SQLite node.</summary>
[CollectionDefinition(Name)]
public sealed class AdminTestGroup : ICollectionFixture<AdminNode>
{
    public const string Name = "Admin";
}

/// <summary>
/// Gives in-process requests the client address a test plays: <see cref="Header"/> when a client sends it (a test that
/// plays several addresses, <see cref="AdminClient.Create"/>), else the factory's (a later header hook may still
/// override it).
/// </summary>
internal sealed class ClientAddressFilter(IPAddress address) : IStartupFilter
{
    public const string Header = "X-Test-Client-Address";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((HttpContext context, RequestDelegate nextMiddleware) =>
        {
            context.Connection.RemoteIpAddress = context.Request.Headers.TryGetValue(Header, out var value) && IPAddress.TryParse(value, out var played)
                ? played
                : context.Connection.RemoteIpAddress ?? address;
            return nextMiddleware(context);
        });
        next(app);
    };
}
