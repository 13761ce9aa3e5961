using System.Net;
using System.Net.Sockets;

namespace CompreFace.WebApi.Http;

/// <summary>
/// The client a per-address limit counts (login lockout, rate limits): the connection's address after the trusted-proxy
/// headers are applied (<see cref="ProxyOptions"/>). An IPv6 client is counted by its /64, the block one subscriber
/// usually holds, so rotating addresses inside it does not reset the count; IPv4 (mapped or not) by the address.
/// </summary>
public static class ClientAddresses
{
    /// <summary>The key of requests with no address (an in-process server).</summary>
    public const string Unknown = "unknown";

    /// <summary>The partition key of <paramref name="address"/>.</summary>
    public static string Key(IPAddress? address)
    {
        if (address is null)
        {
            return Unknown;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>The partition key of the request's client.</summary>
    public static string Key(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Key(context.Connection.RemoteIpAddress);
    }
}
