using CompreFace.Grains.Admin;
using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompreFace.Store.Tests;

public sealed class FaceStoreRegistrationTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"cf-store-di-{Guid.NewGuid():N}");

    [Fact]
    public async Task AddStorage_NoPostgresConnectionString_UsesSqliteAndAppliesSchemaBeforeStart()
    {
        await using var services = Build(new() { ["Storage:DataDirectory"] = _directory, ["Storage:SaveImages"] = "false" });

        var store = services.GetRequiredService<IFaceStore>();
        Assert.IsType<SqliteFaceStore>(store);
        Assert.Null(services.GetService<NpgsqlDataSource>());
        Assert.False(services.GetRequiredService<IOptions<StorageOptions>>().Value.SaveImages);

        var initializer = Assert.Single(services.GetServices<IHostedService>().OfType<IHostedLifecycleService>());
        await initializer.StartingAsync(CancellationToken.None);

        Assert.True(File.Exists(Path.Combine(_directory, "compreface.db")));
        Assert.Empty(await store.GetSubjectsAsync(Guid.NewGuid()));
    }

    [Fact]
    public async Task AddStorage_PostgresConnectionString_UsesPostgresWithOneDataSource()
    {
        await using var services = Build(new() { ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Username=nobody" });

        Assert.IsType<PostgresFaceStore>(services.GetRequiredService<IFaceStore>());
        Assert.Same(services.GetRequiredService<NpgsqlDataSource>(), services.GetRequiredService<NpgsqlDataSource>());
        Assert.True(services.GetRequiredService<IOptions<StorageOptions>>().Value.SaveImages);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AddStorage_WithAdminInEitherOrder_RegistersOneDataSourceAndEachStoreOnce(bool adminFirst)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Username=nobody" })
            .Build();
        var services = new ServiceCollection();
        if (adminFirst)
        {
            services.AddCompreFaceAdmin(configuration);
        }

        services.AddStorage(configuration);
        services.AddCompreFaceAdmin(configuration);

        Assert.Single(services, d => d.ServiceType == typeof(NpgsqlDataSource));
        Assert.Single(services, d => d.ServiceType == typeof(IFaceStore) && d.ImplementationType == typeof(PostgresFaceStore));
        Assert.Single(services, d => d.ServiceType == typeof(SqlDialect) && d.ImplementationType == typeof(PostgresDialect));
        Assert.Single(services, d => d.ServiceType == typeof(IAdminStore) && d.ImplementationType == typeof(AdoAdminStore));
        Assert.Single(services, d => d.ServiceType == typeof(IConfigureOptions<StorageOptions>));
        Assert.Single(services, d => d.ServiceType == typeof(IAuditStore));
        Assert.Single(services, d => d.ServiceType == typeof(CompreFace.Grains.Admin.AuditWriter));
    }

    [Fact]
    public async Task AddStorage_Sqlite_BothStoresShareOneConnectionFactory()
    {
        await using var services = Build(new() { ["Storage:DataDirectory"] = _directory });

        Assert.IsType<SqliteDialect>(services.GetRequiredService<SqlDialect>());
        Assert.IsType<AdoAdminStore>(services.GetRequiredService<IAdminStore>());
        Assert.Single(services.GetServices<SqliteConnectionFactory>());
        Assert.Equal(Path.Combine(_directory, "compreface.db"), services.GetRequiredService<SqliteConnectionFactory>().FilePath);
    }

    [Fact]
    public async Task AddStorage_EmptyDataDirectory_FailsValidation()
    {
        await using var services = Build(new() { ["Storage:DataDirectory"] = " " });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StorageOptions>>().Value);
        Assert.Contains("Storage:DataDirectory", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddStorage(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}
