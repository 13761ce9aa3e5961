using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompreFace.Grains.Persistence;

/// <summary>Registers the face store.</summary>
public static class FaceStoreServiceCollectionExtensions
{
    /// <summary>Name of the connection string (<c>ConnectionStrings:Postgres</c>) that selects PostgreSQL.</summary>
    public const string PostgresConnectionStringName = "Postgres";

    /// <summary>
    /// Registers <see cref="IFaceStore"/> as a singleton: PostgreSQL when <c>ConnectionStrings:Postgres</c> is set (with
    /// one <see cref="NpgsqlDataSource"/> singleton, unless one is registered already), otherwise the embedded SQLite
    /// store under <c>Storage:DataDirectory</c>. Binds and validates <see cref="StorageOptions"/> at start, and applies
    /// the schema in <see cref="IHostedLifecycleService.StartingAsync"/>, i.e. before any hosted service (the silo
    /// included) starts.
    /// </summary>
    public static IServiceCollection AddFaceStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<StorageOptions>()
            .Bind(configuration.GetSection(StorageOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());

        var postgres = configuration.GetConnectionString(PostgresConnectionStringName);
        if (!string.IsNullOrWhiteSpace(postgres))
        {
            services.TryAddSingleton(sp => new NpgsqlDataSourceBuilder(postgres)
                .UseLoggerFactory(sp.GetService<ILoggerFactory>())
                .Build());
            services.TryAddSingleton<IFaceStore, PostgresFaceStore>();
        }
        else
        {
            services.TryAddSingleton<IFaceStore, SqliteFaceStore>();
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, FaceStoreSchemaInitializer>());
        return services;
    }
}

/// <summary>Applies the face store schema once, before the host starts its services.</summary>
internal sealed class FaceStoreSchemaInitializer(IFaceStore store, IOptions<StorageOptions> options, ILogger<FaceStoreSchemaInitializer> logger)
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
