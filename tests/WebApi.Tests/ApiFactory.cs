using System.Collections.Concurrent;
using CompreFace.WebApi.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using CompreFace.Grains.Interfaces;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// The real node (<c>src/Silo/Program.cs</c>): an in-process Orleans silo on free ports with the real models, shared
/// by every test class through <see cref="ApiTestGroup"/> because loading the models is the expensive part. Face
/// collections live in the embedded default store (SQLite) under a fresh temporary data directory.
/// </summary>
public class ApiFactory : WebApplicationFactory<Program>
{
    public const string RecognitionKey = "00000000-0000-0000-0000-000000000002";
    public const string DetectionKey = "00000000-0000-0000-0000-000000000003";
    public const string VerificationKey = "00000000-0000-0000-0000-000000000004";

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "cf-webapi-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>Requests counted per service id (the <see cref="IFaceServiceRequestCounter"/> hook).</summary>
    public RecordingRequestCounter RequestCounter { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Testing");
        builder.UseSetting("Models:Path", SharedData.Models);
        builder.UseSetting("Cluster:SiloPort", LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Cluster:ClusterId", "webapi-tests-" + Guid.NewGuid().ToString("N"));
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Orleans", "Error");
        builder.UseSetting("Storage:DataDirectory", _dataDirectory);
        ConfigureStore(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<IFaceServiceRequestCounter>(RequestCounter));
    }

    /// <summary>Stops the node once, as SIGTERM does (<see cref="LifetimeStoppedHost"/>).</summary>
    protected override IHost CreateHost(IHostBuilder builder) => new LifetimeStoppedHost(base.CreateHost(builder));

    /// <summary>The store of this node; the default is the embedded SQLite file under the temporary data directory.</summary>
    protected virtual void ConfigureStore(IWebHostBuilder builder)
    {
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
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

/// <summary>
/// The same node on PostgreSQL: a fresh database <c>cf_api_&lt;guid&gt;</c> on the server of
/// <c>COMPREFACE_TEST_POSTGRES</c>, dropped afterwards.
/// </summary>
public sealed class PostgresApiFactory(string serverConnectionString) : ApiFactory
{
    private readonly ScratchDatabase _database = PostgresServer.CreateDatabase("cf_api", serverConnectionString);

    /// <summary>The connection string of this node's own database.</summary>
    public string ConnectionString => _database.ConnectionString;

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

/// <summary>
/// The PostgreSQL node, created on first use. Without <c>COMPREFACE_TEST_POSTGRES</c> the PostgreSQL rows are skipped
/// locally (<see cref="StoresAttribute"/>) and fail in CI (<c>CI=true</c>).
/// </summary>
public sealed class PostgresApiNode : IDisposable
{
    public const string EnvironmentVariable = "COMPREFACE_TEST_POSTGRES";

    private readonly Lazy<PostgresApiFactory> _factory = new(Create);

    public static string? ServerConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value ? value : null;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public ApiFactory Factory => _factory.Value;

    public void Dispose()
    {
        if (_factory.IsValueCreated)
        {
            _factory.Value.Dispose();
        }
    }

    private static PostgresApiFactory Create() =>
        new(ServerConnectionString ?? throw new InvalidOperationException(
            $"{EnvironmentVariable} is not set: the PostgreSQL API tests need a server (CI starts one in .ci/run)."));
}

/// <summary>Which store a store-parametrised test runs on.</summary>
public enum Store
{
    Sqlite,
    Postgres,
}

/// <summary>
/// Rows for a store-parametrised theory: SQLite always; PostgreSQL when <c>COMPREFACE_TEST_POSTGRES</c> is set, or in CI
/// (where a missing server then fails the test loudly); skipped locally otherwise, with the reason.
/// </summary>
public sealed class StoresAttribute : Xunit.Sdk.DataAttribute
{
    public StoresAttribute(Store store)
    {
        StoreKind = store;
        if (store == Store.Postgres && PostgresApiNode.ServerConnectionString is null && !PostgresApiNode.IsCi)
        {
            Skip = $"PostgreSQL row skipped: {PostgresApiNode.EnvironmentVariable} is not set (set it, or run .ci/run, to test the PostgreSQL store).";
        }
    }

    public Store StoreKind { get; }

    public override IEnumerable<object[]> GetData(System.Reflection.MethodInfo testMethod) => [[StoreKind]];
}

/// <summary>Counts the hook's calls per service id.</summary>
public sealed class RecordingRequestCounter : IFaceServiceRequestCounter
{
    private readonly ConcurrentDictionary<Guid, int> _counts = new();

    public void Increment(FaceServiceInfo service)
    {
        ArgumentNullException.ThrowIfNull(service);
        _counts.AddOrUpdate(service.ServiceId, 1, static (_, n) => n + 1);
    }

    public int Get(Guid serviceId) => _counts.GetValueOrDefault(serviceId);
}

/// <summary>One node per store for all HTTP tests.</summary>
[CollectionDefinition(Name)]
public sealed class ApiTestGroup : ICollectionFixture<ApiFactory>, ICollectionFixture<PostgresApiNode>
{
    public const string Name = "Api";
}

/// <summary>
/// The node on a models folder that lacks some plugin models (symbolic links to the shared files, minus <paramref name="missing"/>):
/// a folder filled by hand without some plugin models.
/// </summary>
public sealed class PartialModelsApiFactory(string[] missing, IReadOnlyDictionary<string, string>? settings = null) : ApiFactory
{
    private readonly string _models = CreateModels(missing);

    protected override void ConfigureStore(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseSetting("Models:Path", _models);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(_models))
        {
            Directory.Delete(_models, recursive: true);
        }
    }

    private static string CreateModels(string[] missing)
    {
        var directory = Directory.CreateTempSubdirectory("cf-partial-models").FullName;
        foreach (var file in Directory.EnumerateFiles(SharedData.Models, "*.onnx"))
        {
            if (!missing.Contains(Path.GetFileName(file)))
            {
                File.CreateSymbolicLink(Path.Combine(directory, Path.GetFileName(file)), file);
            }
        }

        return directory;
    }
}
