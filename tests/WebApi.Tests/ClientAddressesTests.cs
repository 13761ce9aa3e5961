using System.Net;
using CompreFace.WebApi.Http;

namespace CompreFace.WebApi.Tests;

/// <summary>What a per-address limit counts as one client.</summary>
public sealed class ClientAddressesTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")] // an IPv4 client on a dual-stack socket
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")] // the same subscriber's /64
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    public void Key_Ipv4ByAddressIpv6ByItsSlash64(string address, string expected) =>
        Assert.Equal(expected, ClientAddresses.Key(IPAddress.Parse(address)));

    [Fact]
    public void Key_NoAddress_IsOneUnknownClient() => Assert.Equal(ClientAddresses.Unknown, ClientAddresses.Key((IPAddress?)null));
}
