using System.Net;
using System.Text;
using CompreFace.Grains.Webhooks;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CompreFace.Admin.Tests;

/// <summary>The pure parts of webhook delivery: back-off schedule, signatures, the outbound address policy.</summary>
public sealed class WebhookUnitTests
{
    private static readonly WebhookOptions Defaults = new();
    private static readonly int[] ExpectedDelaysSeconds = [5, 10, 20, 40, 80, 160, 320, 640, 1280, 1800, 1800, 1800];

    [Fact]
    public void Backoff_ConsecutiveFailures_DoubleFromTheBaseUpToTheCap()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        var options = new WebhookOptions { RetryBaseDelay = TimeSpan.FromSeconds(5), RetryMaxDelay = TimeSpan.FromMinutes(30), MaxAttempts = 100 };

        var delays = new List<TimeSpan>();
        for (var attempts = 1; attempts <= 12; attempts++)
        {
            var next = WebhookBackoff.NextAttempt(attempts, clock.GetUtcNow(), options);
            delays.Add(next!.Value - clock.GetUtcNow());
            clock.Advance(delays[^1]);
        }

        Assert.Equal(ExpectedDelaysSeconds.Select(s => TimeSpan.FromSeconds(s)), delays);
    }

    [Fact]
    public void Backoff_MaxAttemptsReached_GivesUp()
    {
        var clock = new FakeTimeProvider();
        var options = new WebhookOptions { MaxAttempts = 3 };

        Assert.NotNull(WebhookBackoff.NextAttempt(2, clock.GetUtcNow(), options));
        Assert.Null(WebhookBackoff.NextAttempt(3, clock.GetUtcNow(), options));
    }

    [Fact]
    public void Signature_OldTimestamp_IsRefusedSoACapturedDeliveryCannotBeReplayed()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        var secret = WebhookSignature.NewSecret();
        var body = Encoding.UTF8.GetBytes("""{"id":"e","type":"face.added"}""");
        var sent = clock.GetUtcNow().ToUnixTimeSeconds();
        var signature = WebhookSignature.Sign(secret, "e", sent, body);
        var timestamp = sent.ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(WebhookSignature.Verify(secret, "e", timestamp, signature, body, clock.GetUtcNow(), TimeSpan.FromMinutes(5)));

        // Another id with the same body and time does not verify (the id is signed).
        Assert.False(WebhookSignature.Verify(secret, "f", timestamp, signature, body, clock.GetUtcNow(), TimeSpan.FromMinutes(5)));

        clock.Advance(TimeSpan.FromMinutes(6));
        Assert.False(WebhookSignature.Verify(secret, "e", timestamp, signature, body, clock.GetUtcNow(), TimeSpan.FromMinutes(5)));
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.20.0.1", false)]
    [InlineData("192.168.1.10", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("64:ff9b::a00:1", false)]
    [InlineData("64:ff9b::a9fe:a9fe", false)]
    [InlineData("64:ff9b::7f00:1", false)]
    [InlineData("64:ff9b:1::a00:1", false)]
    [InlineData("64:ff9b::5db8:d822", true)]
    [InlineData("93.184.216.34", true)]
    [InlineData("2606:4700::1111", true)]
    public void AddressPolicy_ByDefault_DeniesPrivateAndLocalRanges(string address, bool allowed)
    {
        var policy = new WebhookAddressPolicy(Options.Create(Defaults));

        Assert.Equal(allowed, policy.IsAllowed(IPAddress.Parse(address)));
    }

    [Fact]
    public void AddressPolicy_AllowList_OpensOnlyTheListedNetworks()
    {
        var options = new WebhookOptions();
        options.AllowedNetworks.Add("10.20.0.0/16");
        options.AllowedNetworks.Add("127.0.0.1");
        var policy = new WebhookAddressPolicy(Options.Create(options));

        Assert.True(policy.IsAllowed(IPAddress.Parse("10.20.3.4")));
        Assert.True(policy.IsAllowed(IPAddress.Parse("127.0.0.1")));
        Assert.False(policy.IsAllowed(IPAddress.Parse("10.21.0.1")));
        Assert.False(policy.IsAllowed(IPAddress.Parse("127.0.0.2")));

        // Through NAT64 (64:ff9b::/96 embeds the IPv4 address) the same networks, and only they, are open.
        Assert.True(policy.IsAllowed(IPAddress.Parse("64:ff9b::a14:304")));
        Assert.False(policy.IsAllowed(IPAddress.Parse("64:ff9b::a15:1")));
        Assert.Null(policy.Validate("http://127.0.0.1:8080/hook"));
        Assert.Null(policy.Validate("http://localhost:8080/hook"));
        Assert.NotNull(new WebhookAddressPolicy(Options.Create(Defaults)).Validate("http://localhost:8080/hook"));
        Assert.NotNull(policy.Validate("ftp://example.com/hook"));
        Assert.NotNull(policy.Validate("http://user:pass@example.com/hook"));
        Assert.NotNull(policy.Validate("http://192.168.0.1/hook"));
    }
}
