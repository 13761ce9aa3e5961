using System.Diagnostics.Metrics;
using System.Text.Json;
using CompreFace.Grains.Telemetry;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CompreFace.Silo.Observability;

/// <summary>Composition of a node's metrics, traces and health probes.</summary>
internal static class ObservabilityExtensions
{
    /// <summary>Liveness: the process serves HTTP. No dependency is checked, so a store outage never restarts nodes.</summary>
    public const string LivePath = "/health/live";

    /// <summary>Readiness: the silo is Active and the store answers; a load balancer stops sending requests otherwise.</summary>
    public const string ReadyPath = "/health/ready";

    private const string ReadyTag = "ready";

    // Orleans' meter (grain calls, messaging, activations) and activity sources; the runtime's own meter (GC, thread
    // pool) is built into .NET 9+, so no extra instrumentation package is needed for it.
    private static readonly string[] Meters = [CompreFaceMetrics.Name, "Microsoft.Orleans", "System.Runtime"];
    private static readonly string[] Sources = [CompreFaceMetrics.Name, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    /// <summary>
    /// Registers <see cref="ObservabilityOptions"/> (validated at start), OpenTelemetry metrics (ASP.NET Core,
    /// Orleans, the runtime and the <c>CompreFace</c> meter) with the Prometheus exporter and, when
    /// <c>Observability:OtlpEndpoint</c> is set, OTLP export of metrics and traces; and the health checks of
    /// <see cref="ReadyPath"/>.
    /// </summary>
    public static WebApplicationBuilder AddCompreFaceObservability(this WebApplicationBuilder builder)
    {
        // The OpenTelemetry builder is configured before the container exists, so the options are read here too.
        var options = builder.AddValidatedOptions<ObservabilityOptions>(ObservabilityOptions.SectionName);

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName, serviceInstanceId: Environment.MachineName))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation().AddMeter(Meters);
                if (options.PrometheusEnabled)
                {
                    // No response cache: one Prometheus scrapes each node every few seconds, and a cached page would hide
                    // the request just made from whoever reads it at once (the tests, an operator with curl).
                    metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                }

                if (options.OtlpEndpoint is { } endpoint)
                {
                    metrics.AddOtlpExporter(o => Configure(o, endpoint, options.OtlpProtocol));
                }
            });

        // The SDK subscribes to meters by name, process-wide. A process that hosts more than one node (the test suites
        // do) would otherwise merge another node's CompreFace instruments into this node's streams, and lose them when
        // that node's meter is disposed: keep only the meter made by this node's own IMeterFactory.
        builder.Services.ConfigureOpenTelemetryMeterProvider((services, metrics) =>
        {
            var own = services.GetRequiredService<IMeterFactory>();
            metrics.AddView(instrument => instrument.Meter.Name == CompreFaceMetrics.Name && !ReferenceEquals(instrument.Meter.Scope, own)
                ? MetricStreamConfiguration.Drop
                : null);
        });

        // Spans cost a little on every grain call, so they are recorded only when there is somewhere to send them.
        if (options.OtlpEndpoint is { } traceEndpoint)
        {
            telemetry.WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampleRatio)))
                .AddAspNetCoreInstrumentation(o =>
                {
                    o.Filter = context => !IsProbeOrScrape(context.Request.Path, options);

                    // url.path would carry subject names (/api/v1/recognition/subjects/{subject}) to the collector: the
                    // route template instead (query values are already redacted by the instrumentation).
                    o.EnrichWithHttpResponse = static (activity, response) =>
                        activity.SetTag("url.path", CompreFace.WebApi.Http.TelemetryPaths.Of(response.HttpContext));
                })
                .AddSource(Sources)

                // Before the exporter: spans leave the node without API keys, emails or client addresses in grain ids.
                .AddProcessor(new GrainKeyRedaction())
                .AddOtlpExporter(o => Configure(o, traceEndpoint, options.OtlpProtocol)));
        }

        var checks = builder.Services.AddHealthChecks()
            .AddCheck<SiloActiveHealthCheck>("silo", tags: [ReadyTag])
            .AddCheck<FaceStoreHealthCheck>("store", tags: [ReadyTag]);
        if (!builder.HostsInference())
        {
            checks.AddCheck<InferenceAvailableHealthCheck>("inference", tags: [ReadyTag]);
        }
        return builder;
    }

    /// <summary>Maps <see cref="LivePath"/>, <see cref="ReadyPath"/> and, when enabled, the Prometheus scrape endpoint.</summary>
    public static WebApplication MapCompreFaceObservability(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ObservabilityOptions>>().Value;
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
        if (options.PrometheusEnabled)
        {
            app.MapPrometheusScrapingEndpoint(options.PrometheusPath);
        }

        return app;
    }

    private static bool IsProbeOrScrape(PathString path, ObservabilityOptions options) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments(options.PrometheusPath, StringComparison.OrdinalIgnoreCase);

    private static void Configure(OtlpExporterOptions exporter, Uri endpoint, OtlpTransport transport)
    {
        exporter.Endpoint = endpoint;
        exporter.Protocol = transport == OtlpTransport.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
    }

    /// <summary><c>{"status":"Healthy","checks":{"silo":"Healthy","store":"Unhealthy"}}</c>: statuses only, never exception text.</summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new Dictionary<string, object>
        {
            ["status"] = report.Status.ToString(),
            ["checks"] = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString()),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }
}
