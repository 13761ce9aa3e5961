using System.ComponentModel.DataAnnotations;

namespace CompreFace.Silo.Observability;

/// <summary>Metrics, traces and probes of a node (configuration section <c>Observability</c>).</summary>
public sealed class ObservabilityOptions : IValidatableObject
{
    public const string SectionName = "Observability";

    /// <summary>The <c>service.name</c> resource attribute every exported metric and span carries.</summary>
    [Required]
    public string ServiceName { get; set; } = "compreface";

    /// <summary>Serve the Prometheus text format at <see cref="PrometheusPath"/> (default on).</summary>
    public bool PrometheusEnabled { get; set; } = true;

    /// <summary>Path of the Prometheus scrape endpoint.</summary>
    [Required]
    public string PrometheusPath { get; set; } = "/metrics";

    /// <summary>
    /// OTLP collector (e.g. <c>http://otel-collector:4317</c>). Unset (default): nothing is pushed and no spans are
    /// recorded; set: metrics and traces are exported there.
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>OTLP transport: <c>Grpc</c> (port 4317, default) or <c>HttpProtobuf</c> (port 4318).</summary>
    public OtlpTransport OtlpProtocol { get; set; } = OtlpTransport.Grpc;

    /// <summary>Share of root traces kept (parent-based: a request whose caller sampled it is always kept).</summary>
    [Range(0.0, 1.0)]
    public double TraceSampleRatio { get; set; } = 1.0;

    /// <summary>How long the readiness probe waits for the store before it reports the node unready.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ReadinessTimeout { get; set; } = TimeSpan.FromSeconds(3);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!PrometheusPath.StartsWith('/') || PrometheusPath.StartsWith("/api/", StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult(
                "Observability:PrometheusPath must be an absolute path outside /api/ (e.g. /metrics).", [nameof(PrometheusPath)]);
        }

        if (OtlpEndpoint is { } endpoint && (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult(
                "Observability:OtlpEndpoint must be an absolute http(s) URI (e.g. http://otel-collector:4317).", [nameof(OtlpEndpoint)]);
        }
    }
}

/// <summary>The OTLP exporter's transport.</summary>
public enum OtlpTransport
{
    /// <summary>OTLP over gRPC.</summary>
    Grpc,

    /// <summary>OTLP over HTTP with protobuf bodies.</summary>
    HttpProtobuf,
}
