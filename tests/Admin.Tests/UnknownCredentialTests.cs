using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CompreFace.Admin.Tests;

/// <summary>
/// A burst of random API keys or session cookies leaves no activations behind (each used to keep one for the two-hour
/// collection age): the API-key grain deactivates on a miss, sessions are checked by a stateless worker, and the edge
/// remembers misses briefly. The counts are written to the test output (docs/performance.md quotes them).
/// </summary>
[Collection(AdminTestGroup.Name)]
public sealed class UnknownCredentialTests(AdminNode node, ITestOutputHelper output)
{
    private const int Burst = 1000;

    [Fact]
    public async Task RandomApiKeys_Burst_LeavesNoActivations()
    {
        using var client = node.Factory.CreateClient();
        var before = await ActivationsAsync("ApiKeyGrain");

        await Parallel.ForEachAsync(Enumerable.Range(0, Burst), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, cancellationToken) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/recognition/subjects");
            request.Headers.Add("x-api-key", Guid.NewGuid().ToString());
            using var response = await client.SendAsync(request, cancellationToken);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        });

        var after = await SettledActivationsAsync("ApiKeyGrain", before);
        output.WriteLine($"ApiKeyGrain activations: {before} before, {after} after {Burst} random keys");
        Assert.True(after <= before + 10, $"{after - before} activations were left by {Burst} random keys");
    }

    [Fact]
    public async Task RandomSessionCookies_Burst_LeavesNoActivations()
    {
        using var client = AdminClient.Create(node.Factory, handleCookies: false);
        var before = await ActivationsAsync("SessionGrain");

        await Parallel.ForEachAsync(Enumerable.Range(0, Burst), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, cancellationToken) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/user/me");
            request.Headers.Add("Cookie", "CFSESSION=" + Guid.NewGuid().ToString("N"));
            using var response = await client.Http.SendAsync(request, cancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        });

        var after = await SettledActivationsAsync("SessionGrain", before);
        output.WriteLine($"SessionGrain activations: {before} before, {after} after {Burst} random session cookies");
        Assert.True(after <= before + 10, $"{after - before} activations were left by {Burst} random cookies");
    }

    [Fact]
    public async Task RandomWellFormedEmails_LoginBurst_LeavesNoLoginActivationPerEmail()
    {
        // Each attempt costs the decoy password hash (as a registered email's would), so the burst is smaller.
        const int emails = 40;
        using var client = AdminClient.Create(node.Factory, clientAddress: "127.0.0.4");
        var before = await ActivationsAsync("LoginGrain");

        await Parallel.ForEachAsync(Enumerable.Range(0, emails), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (_, cancellationToken) =>
        {
            using var response = await client.TryLoginAsync("nobody-" + Guid.NewGuid().ToString("N") + "@example.com", "some-password");
            Assert.Contains("Bad credentials", await response.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);
        });

        var after = await SettledActivationsAsync("LoginGrain", before, slack: 2);
        output.WriteLine($"LoginGrain activations: {before} before, {after} after {emails} random well-formed emails");
        Assert.True(after <= before + 2, $"{after - before} login activations were left by {emails} random emails");
    }

    [Fact]
    public async Task UnknownEmail_FiveFailuresFromOneAddress_LockItForThatAddressOnly_AsForARegisteredEmail()
    {
        // Without an account the answers are the same as with one (SessionTests.Login_FiveFailuresFromOneAddress_…):
        // otherwise the lockout would tell which emails are registered. Loopback addresses: the rate limits exempt them.
        var email = "nobody-" + Guid.NewGuid().ToString("N") + "@example.com";
        using var stranger = AdminClient.Create(node.Factory, clientAddress: "127.0.0.5");
        for (var i = 0; i < 5; i++)
        {
            using var failed = await stranger.TryLoginAsync(email, "wrong-password");
            Assert.Contains("Bad credentials", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var locked = await stranger.TryLoginAsync(email, "wrong-password"))
        {
            Assert.Contains("User account is locked", await locked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var other = AdminClient.Create(node.Factory, clientAddress: "127.0.0.6");
        using var response = await other.TryLoginAsync(email, "wrong-password");
        Assert.Contains("Bad credentials", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("two@@example.com")]
    [InlineData("spaces in@example.com")]
    [InlineData("a-very-long-local-part-repeated-to-go-past-the-limit-of-254-characters-a-very-long-local-part-repeated-to-go-past-the-limit-of-254-characters-a-very-long-local-part-repeated-to-go-past-the-limit-of-254-characters-a-very-long-local-part-and-more-characters@example.com")]
    public async Task Login_UsernameThatIsNoEmail_IsBadCredentialsWithoutALoginActivation(string username)
    {
        using var client = AdminClient.Create(node.Factory);
        var before = await ActivationsAsync("LoginGrain");

        using var response = await client.TryLoginAsync(username, "some-password");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("{\"error\":\"invalid_request\",\"error_description\":\"Bad credentials\"}", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await ActivationsAsync("LoginGrain"));
    }

    /// <summary>
    /// The count once deactivations that the burst started have run: they follow each call at once, but asynchronously,
    /// so this reads until the count is down or a minute has passed (then the last count, which fails the test).
    /// </summary>
    private async Task<int> SettledActivationsAsync(string grainClass, int before, int slack = 10)
    {
        var clock = Stopwatch.StartNew();
        var count = await ActivationsAsync(grainClass);
        while (count > before + slack && clock.Elapsed < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(100);
            count = await ActivationsAsync(grainClass);
        }

        return count;
    }

    private async Task<int> ActivationsAsync(string grainClass)
    {
        var management = node.Factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        var statistics = await management.GetSimpleGrainStatistics();
        return statistics.Where(s => s.GrainType.Contains(grainClass, StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }
}
