using Microsoft.Extensions.Options;
using System.Net;
using System.Net.Sockets;

namespace CompreFace.Grains.Webhooks;

/// <summary>
/// Which receivers a hook may reach: public addresses, and private, loopback, link-local and other special ranges
/// (also as IPv4-mapped or NAT64 IPv6 addresses) only when <see cref="WebhookOptions.AllowedNetworks"/> lists them.
/// Checked when a hook is saved (address literals and <c>localhost</c>) and again on every connection, after name
/// resolution, so a name that later resolves inside the network is refused too.
/// </summary>
public sealed class WebhookAddressPolicy
{
    private static readonly IPNetwork[] Denied =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("ff00::/8"),

        // NAT64's local-use prefix: may embed any IPv4 address, at a position the prefix length decides.
        IPNetwork.Parse("64:ff9b:1::/48"),
    ];

    // NAT64's well-known prefix (RFC 6052): the last 32 bits are an IPv4 address, which a NAT64 gateway (e.g. of an
    // IPv6-only cloud subnet) connects to, private ones included.
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    private readonly IPNetwork[] _allowed;

    public WebhookAddressPolicy(IOptions<WebhookOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _allowed = [.. options.Value.AllowedNetworks.Select(Parse)];
    }

    /// <summary>Whether a receiver at this address may be contacted.</summary>
    public bool IsAllowed(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        else if (Nat64.Contains(address))
        {
            address = new IPAddress(address.GetAddressBytes().AsSpan(12));
        }

        return _allowed.Any(n => n.Contains(address)) || !Denied.Any(n => n.Contains(address));
    }

    /// <summary>Why <paramref name="url"/> cannot be a receiver, or null when it can (names are checked again at delivery).</summary>
    public string? Validate(string? url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return "The webhook URL must be an absolute http or https URL";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "The webhook URL must not contain a user name or password";
        }

        var host = uri.IdnHost.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal]
            : string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? new[] { IPAddress.Loopback, IPAddress.IPv6Loopback }
            : [];
        return addresses.Length > 0 && !addresses.Any(IsAllowed)
            ? $"The webhook URL points to a private or local address ({host}); allow its network in Webhooks:AllowedNetworks"
            : null;
    }

    /// <summary>Connects to the first allowed address of the host; throws <see cref="HttpRequestException"/> when none is.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Where(IsAllowed).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException($"Refused: {host} resolves only to private or local addresses (Webhooks:AllowedNetworks)");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static IPNetwork Parse(string network) =>
        network.Contains('/', StringComparison.Ordinal) ? IPNetwork.Parse(network) : new IPNetwork(IPAddress.Parse(network), IPAddress.Parse(network).AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
}
