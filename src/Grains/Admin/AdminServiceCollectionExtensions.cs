using CompreFace.Grains.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace CompreFace.Grains.Admin;

/// <summary>Registers the admin model: its store, options and password hasher.</summary>
public static class AdminServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IAdminStore"/> in the face store's database (PostgreSQL when <c>ConnectionStrings:Postgres</c>
    /// is set, else the embedded SQLite file); its schema is applied with the face store's (call
    /// <see cref="FaceStoreServiceCollectionExtensions.AddFaceStore"/> too). Binds <see cref="AdminOptions"/>.
    /// </summary>
    public static IServiceCollection AddCompreFaceAdmin(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<AdminOptions>()
            .Bind(configuration.GetSection(AdminOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IPasswordHasher<AdminUser>, PasswordHasher<AdminUser>>();
        services.TryAddSingleton<ExpiredTokenPurger>();
        services.AddHostedService(sp => sp.GetRequiredService<ExpiredTokenPurger>());

        var postgres = configuration.GetConnectionString(FaceStoreServiceCollectionExtensions.PostgresConnectionStringName);
        if (!string.IsNullOrWhiteSpace(postgres))
        {
            services.TryAddSingleton(sp => new NpgsqlDataSourceBuilder(postgres).Build());
            services.TryAddSingleton<IAdminStore, PostgresAdminStore>();
        }
        else
        {
            services.TryAddSingleton<IAdminStore, SqliteAdminStore>();
        }

        return services;
    }
}

/// <summary>The type argument of <see cref="PasswordHasher{TUser}"/> (which ignores the user).</summary>
public sealed class AdminUser;
