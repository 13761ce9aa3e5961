using CompreFace.Grains.Interfaces;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompreFace.Grains.Storage;

/// <summary>Registers the node's storage: the face store and the admin store in one database.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>Name of the connection string (<c>ConnectionStrings:Postgres</c>) that selects PostgreSQL.</summary>
    public const string PostgresConnectionStringName = "Postgres";

    /// <summary>
    /// Registers <see cref="IFaceStore"/>, <see cref="IAdminStore"/> and <see cref="IAuditStore"/> as singletons in one database: PostgreSQL when
    /// <c>ConnectionStrings:Postgres</c> is set (through the one <see cref="NpgsqlDataSource"/> registered here),
    /// otherwise the embedded SQLite file under <c>Storage:DataDirectory</c> (through the one
    /// <see cref="SqliteConnectionFactory"/>). Binds and validates <see cref="StorageOptions"/> at start, and applies
    /// the schema in <see cref="IHostedLifecycleService.StartingAsync"/>, i.e. before any hosted service (the silo
    /// included) starts. Calling it again changes nothing.
    /// </summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(StorageRegistered)))
        {
            return services;
        }

        services.AddSingleton<StorageRegistered>();
        services.AddOptionsWithValidateOnStart<StorageOptions>()
            .Bind(configuration.GetSection(StorageOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());

        var postgres = configuration.GetConnectionString(PostgresConnectionStringName);
        if (!string.IsNullOrWhiteSpace(postgres))
        {
            services.TryAddSingleton(sp => new NpgsqlDataSourceBuilder(postgres)
                .UseLoggerFactory(sp.GetService<ILoggerFactory>())
                .Build());
            services.TryAddSingleton<IFaceStore, PostgresFaceStore>();
            services.TryAddSingleton<SqlDialect, PostgresDialect>();
        }
        else
        {
            services.TryAddSingleton<SqliteConnectionFactory>();
            services.TryAddSingleton<IFaceStore, SqliteFaceStore>();
            services.TryAddSingleton<SqlDialect, SqliteDialect>();
        }

        // The stores in portable SQL run on either database through its dialect.
        services.TryAddSingleton<IAdminStore, AdoAdminStore>();
        services.TryAddSingleton<IWebhookStore, AdoWebhookStore>();
        services.TryAddSingleton<IJobStore, AdoJobStore>();
        services.TryAddSingleton<IReembedStore, AdoReembedStore>();
        services.TryAddSingleton<IEnrolmentStore, AdoEnrolmentStore>();

        // The audit log lives in the admin store's database and dialect (docs/decisions/0025-audit-log.md).
        services.TryAddSingleton(sp => (IAuditStore)sp.GetRequiredService<IAdminStore>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StorageSchemaInitializer>());
        return services;
    }

    /// <summary>Marks <see cref="AddStorage"/> as done.</summary>
    private sealed class StorageRegistered;
}

/// <summary>Applies the storage schema once, before the host starts its services.</summary>
internal sealed class StorageSchemaInitializer(IFaceStore store, IOptions<StorageOptions> options, ILogger<StorageSchemaInitializer> logger)
    : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        Log.StoreSelected(logger, store is PostgresFaceStore ? "PostgreSQL" : "SQLite", options.Value.SaveImages);
        await store.EnsureSchemaAsync(cancellationToken);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
