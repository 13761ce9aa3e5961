using CompreFace.Grains.Interfaces;
using CompreFace.Grains;
using CompreFace.Silo.Cluster;
using CompreFace.Silo.Observability;
using CompreFace.WebApi;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace CompreFace.Silo;

/// <summary>Node composition: Orleans silo and listening addresses.</summary>
internal static class HostingExtensions
{
    /// <summary>Listens on <paramref name="urls"/> unless ASPNETCORE_URLS, --urls or the <c>urls</c> setting is given.</summary>
    public static WebApplicationBuilder UseDefaultUrls(this WebApplicationBuilder builder, string urls)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]) && string.IsNullOrWhiteSpace(builder.Configuration["http_ports"]))
        {
            builder.WebHost.UseUrls(urls);
        }

        return builder;
    }

    /// <summary>Hosts an Orleans silo in this process: localhost clustering by default, PostgreSQL with <c>Cluster:Mode=Postgres</c>.</summary>
    public static WebApplicationBuilder AddCompreFaceSilo(this WebApplicationBuilder builder)
    {
        // Read here too because the silo builder needs the values before the container exists.
        var node = builder.AddValidatedOptions<NodeOptions>(NodeOptions.SectionName);

        builder.UseOrleans(silo =>
        {
            silo.UseClusterMode(node.Mode, node.SiloPort, node.GatewayPort ?? 0, node.ClusterId, node.ServiceId,
                builder.Configuration.GetConnectionString("Postgres"), node.AdvertisedAddress, node.FailureDetection);
            if (node.Mode != ClusterMode.Localhost && !node.Tls.Disabled)
            {
                silo.UseClusterTls(node.Tls);
            }
            silo.Configure<GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.FromHours(2));

            // Split roles: a grain class left out of this silo's manifest is placed on the nodes that host it
            // (an inference worker prefers the local silo, so Full nodes keep their inference local).
            if (node.Role != NodeRole.Full)
            {
                silo.Configure<GrainTypeOptions>(o => NodeGrains.Restrict(o.Classes, node.HostsInference, node.HostsApi));
            }

            // Grain calls carry the caller's trace context, so a trace reads HTTP → grain → inference across silos.
            silo.AddActivityPropagation();
        });
        return builder;
    }

    /// <summary>Whether this node runs the face models (every role but <see cref="NodeRole.Front"/>).</summary>
    public static bool HostsInference(this WebApplicationBuilder builder) =>
        builder.ReadOptions<NodeOptions>(NodeOptions.SectionName).HostsInference;

    /// <summary>
    /// The HTTP side of the node: the CompreFace API (not on inference-only nodes), then probes and metrics.
    /// </summary>
    public static WebApplication UseCompreFaceNode(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<NodeOptions>>().Value.HostsApi)
        {
            app.UseCompreFaceApi();
        }

        app.MapCompreFaceObservability();
        return app;
    }
}
