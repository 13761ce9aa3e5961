using CompreFace.Grains.Admin;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace CompreFace.Grains.Webhooks;

/// <summary>Composition of webhook delivery on a silo (docs/decisions/0029-webhooks.md).</summary>
public static class WebhookServiceCollectionExtensions
{
    /// <summary>Binds <see cref="WebhookOptions"/>, the address policy, the outbox dispatcher and its retention purge; needs the storage.</summary>
    public static IServiceCollection AddCompreFaceWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptionsWithValidateOnStart<WebhookOptions>()
            .Bind(configuration.GetSection(WebhookOptions.SectionName))
            .ValidateDataAnnotations();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WebhookAddressPolicy>();
        services.TryAddSingleton<WebhookDispatcher>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WebhookDispatcher>(sp => sp.GetRequiredService<WebhookDispatcher>()));
        services.AddPeriodicPurge<WebhookRetention>();
        return services;
    }
}
