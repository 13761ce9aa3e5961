using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace CompreFace.WebApi.Http;

/// <summary>
/// Trust in a TLS-terminating reverse proxy (section <c>ForwardedHeaders</c>). <c>X-Forwarded-Proto</c> and
/// <c>X-Forwarded-For</c> are applied only when the connection comes from a known proxy: loopback always (nginx on the
/// same host, CompreFace's own layout), plus <see cref="KnownProxies"/> and <see cref="KnownNetworks"/>. Then
/// <c>Request.IsHttps</c> is true behind an HTTPS proxy and the admin cookies get <c>Secure</c>.
/// <c>X-Forwarded-Host</c> is never applied (nothing here builds absolute URLs from the host).
/// </summary>
public sealed class ProxyOptions : IValidatableObject
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary>Whether forwarded headers are applied at all (default true; loopback proxies only unless configured).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Addresses of trusted proxies, e.g. <c>10.0.0.5</c> (in addition to loopback).</summary>
    public IList<string> KnownProxies { get; } = [];

    /// <summary>Networks of trusted proxies in CIDR form, e.g. <c>10.0.0.0/8</c> for a container network.</summary>
    public IList<string> KnownNetworks { get; } = [];

    /// <summary>How many proxy hops to unwind (1: one proxy in front).</summary>
    [Range(1, 10)]
    public int ForwardLimit { get; set; } = 1;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in KnownProxies.Where(p => !IPAddress.TryParse(p, out _)))
        {
            yield return new ValidationResult($"'{proxy}' is not an IP address.", [nameof(KnownProxies)]);
        }

        foreach (var network in KnownNetworks.Where(n => !System.Net.IPNetwork.TryParse(n, out _)))
        {
            yield return new ValidationResult($"'{network}' is not a network in CIDR form (address/prefix).", [nameof(KnownNetworks)]);
        }
    }
}

/// <summary>Maps <see cref="ProxyOptions"/> onto ASP.NET Core's <see cref="ForwardedHeadersOptions"/>.</summary>
internal sealed class ConfigureForwardedHeaders(IOptions<ProxyOptions> proxy) : IConfigureOptions<ForwardedHeadersOptions>
{
    public void Configure(ForwardedHeadersOptions options)
    {
        var settings = proxy.Value;
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        options.ForwardLimit = settings.ForwardLimit;

        // The defaults (127.0.0.0/8 and ::1) stay: the configured ones are added to them.
        foreach (var address in settings.KnownProxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(address));
        }

        foreach (var network in settings.KnownNetworks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        }
    }
}
