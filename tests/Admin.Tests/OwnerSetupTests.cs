using System.Net;
using Microsoft.AspNetCore.Hosting;

namespace CompreFace.Admin.Tests;

/// <summary>
/// The first sign-up becomes the server's owner (P7): from another host it needs the setup token; from the node's
/// own host (every other test's client) it does not. Nothing is stored for a refused sign-up.
/// </summary>
public sealed class OwnerSetupTests
{
    private const string Token = "setup-token-for-the-tests-0123456789";

    [Fact]
    public async Task FirstSignUp_FromAnotherHostWithoutTheSetupToken_Is403AndTheServerStaysOwnerless()
    {
        using var factory = new RemoteFactory();
        using var client = AdminClient.Create(factory);
        var (status, body) = await client.SendAsync(HttpMethod.Post, "/admin/user/register",
            new { email = "intruder@example.com", password = "intruder-password", firstName = "I", lastName = "N" });
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(1, body.GetProperty("code").GetInt32());

        (status, _) = await client.SendAsync(HttpMethod.Post, "/admin/user/register",
            new { email = "intruder@example.com", password = "intruder-password", firstName = "I", lastName = "N", setupToken = "wrong-token-0123456789" });
        Assert.Equal(HttpStatusCode.Forbidden, status);

        // Still ownerless: CompreFace's demo model key is still offered, which it is only while no one has signed up.
        (status, _) = await client.SendAsync(HttpMethod.Get, "/admin/user/demo/model");
        Assert.Equal(HttpStatusCode.OK, status);
        using var login = await client.TryLoginAsync("intruder@example.com", "intruder-password");
        Assert.NotEqual(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task FirstSignUp_FromAnotherHostWithTheSetupToken_BecomesOwnerAndLaterSignUpsNeedNoToken()
    {
        using var factory = new RemoteFactory();
        using var owner = AdminClient.Create(factory);
        var (status, _) = await owner.SendAsync(HttpMethod.Post, "/admin/user/register",
            new { email = "owner@example.com", password = "owner-password", firstName = "O", lastName = "W", setupToken = Token });
        Assert.Equal(HttpStatusCode.Created, status);
        await owner.LoginAsync("owner@example.com", "owner-password");
        var (_, users) = await owner.SendAsync(HttpMethod.Get, "/admin/user/roles");
        Assert.Equal("OWNER", users.EnumerateArray().Single(u => u.GetProperty("email").GetString() == "owner@example.com").GetProperty("role").GetString());

        using var next = AdminClient.Create(factory);
        await next.RegisterAsync("second@example.com", "second-password", "S", "E");
    }

    /// <summary>A node whose clients come from a public address, with a preset setup token.</summary>
    private sealed class RemoteFactory : AdminFactory
    {
        protected override IPAddress ClientAddress => IPAddress.Parse("203.0.113.7");

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Admin:SetupToken", Token);
        }
    }
}
