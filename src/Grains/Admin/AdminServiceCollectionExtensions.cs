using CompreFace.Grains.Interfaces.Admin;
using CompreFace.Grains.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CompreFace.Grains.Admin;

/// <summary>Registers the admin model: its store, options and password hasher.</summary>
public static class AdminServiceCollectionExtensions
{
    /// <summary>PBKDF2 iterations of new password hashes (OWASP Password Storage Cheat Sheet, PBKDF2-HMAC-SHA512).</summary>
    public const int PasswordIterations = 210_000;

    /// <summary>
    /// Registers the admin grains' services and options (<see cref="AdminOptions"/>), and the storage
    /// (<see cref="StorageServiceCollectionExtensions.AddStorage"/>) that holds <see cref="IAdminStore"/>.
    /// </summary>
    public static IServiceCollection AddCompreFaceAdmin(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptionsWithValidateOnStart<AdminOptions>()
            .Bind(configuration.GetSection(AdminOptions.SectionName))
            .ValidateDataAnnotations();
        services.TryAddSingleton(TimeProvider.System);
        // PBKDF2-HMAC-SHA512 (Identity's v3 format) at OWASP's current figure for that hash (210,000; Identity's
        // default is 100,000). Hashes made with fewer iterations verify as "rehash needed" and are upgraded at login.
        services.Configure<PasswordHasherOptions>(o => o.IterationCount = PasswordIterations);
        services.TryAddSingleton<IPasswordHasher<AdminUser>, PasswordHasher<AdminUser>>();
        services.AddPeriodicPurge<ExpiredTokenPurger>();
        // The jobs list's exports and imports have no resumer: one whose node stopped is failed by a sweep (decision 0034).
        services.AddPeriodicPurge<Jobs.AbandonedTransferJobs>();
        services.AddOptionsWithValidateOnStart<Jobs.JobOptions>()
            .Bind(configuration.GetSection(Jobs.JobOptions.SectionName))
            .ValidateDataAnnotations();
        services.AddPeriodicPurge<Jobs.JobRetention>();
        // Before the warning, so that a removed seed is not warned about.
        services.AddHostedService<DemoSeed>();
        services.AddHostedService<DemoKeyWarning>();
        services.TryAddSingleton<OwnerSetup>();
        services.TryAddSingleton<IOwnerSetupPolicy>(sp => sp.GetRequiredService<OwnerSetup>());
        services.AddHostedService(sp => sp.GetRequiredService<OwnerSetup>());

        // The audit log: group-committed writes and the retention purge (docs/decisions/0025-audit-log.md).
        services.AddOptionsWithValidateOnStart<AuditOptions>()
            .Bind(configuration.GetSection(AuditOptions.SectionName))
            .ValidateDataAnnotations();
        if (!services.Any(d => d.ServiceType == typeof(AuditWriter)))
        {
            // Once: the writer is the queue's only reader.
            services.AddSingleton<AuditWriter>();
            services.AddHostedService(sp => sp.GetRequiredService<AuditWriter>());
            services.AddPeriodicPurge<AuditRetention>();
        }

        return services.AddStorage(configuration);
    }
}

/// <summary>The type argument of <see cref="PasswordHasher{TUser}"/> (which ignores the user).</summary>
public sealed class AdminUser;
