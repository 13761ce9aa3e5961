using System.Net;
using System.Net.Http.Json;

namespace CompreFace.Admin.Tests;

/// <summary>
/// Per-address rate limits (<c>RateLimits:*</c>, decision 0024) on the shared node with its defaults: each test plays
/// its own public addresses (<see cref="AdminClient.RandomPublicAddress"/>), so the windows never run out during it
/// and no test counts another's requests. No waiting: refusals and their <c>Retry-After</c> are checked, not refills.
/// </summary>
[Collection(AdminTestGroup.Name)]
public sealed class RateLimitTests(AdminNode node)
{
    [Fact]
    public async Task Login_SixthRapidAttemptFromOneAddress_Is429WhileTheOwnerSignsInFromAnother()
    {
        using var attacker = AdminClient.Create(node.Factory, clientAddress: AdminClient.RandomPublicAddress());
        for (var i = 0; i < 5; i++)
        {
            using var failed = await attacker.TryLoginAsync(AdminNode.OwnerEmail, "guess-" + i);
            Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
        }

        using var sixth = await attacker.TryLoginAsync(AdminNode.OwnerEmail, AdminNode.OwnerPassword);

        await AssertTooManyAsync(sixth, maxRetryAfter: 60);
        using var owner = AdminClient.Create(node.Factory, clientAddress: AdminClient.RandomPublicAddress());
        await owner.LoginAsync(AdminNode.OwnerEmail, AdminNode.OwnerPassword);
    }

    [Fact]
    public async Task Login_RefreshesAreNotCountedAsLogins()
    {
        using var client = AdminClient.Create(node.Factory, clientAddress: AdminClient.RandomPublicAddress());
        for (var i = 0; i < 5; i++)
        {
            await client.LoginAsync(AdminNode.OwnerEmail, AdminNode.OwnerPassword);
        }

        // The login window is spent; the UI's refreshes (every 5 minutes) still work.
        for (var i = 0; i < 3; i++)
        {
            using var refreshed = await client.RefreshAsync();
            Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        }

        using var sixthLogin = await client.TryLoginAsync(AdminNode.OwnerEmail, AdminNode.OwnerPassword);
        Assert.Equal(HttpStatusCode.TooManyRequests, sixthLogin.StatusCode);
    }

    [Fact]
    public async Task Login_FormGrantTypeCannotHideAPasswordAttemptBehindARefreshQuery()
    {
        using var client = AdminClient.Create(node.Factory, clientAddress: AdminClient.RandomPublicAddress());
        for (var i = 0; i < 6; i++)
        {
            using var form = new FormUrlEncodedContent([new("grant_type", "password"), new("username", AdminNode.OwnerEmail), new("password", "guess-" + i)]);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/oauth/token?grant_type=refresh_token") { Content = form };
            request.Headers.Authorization = new("Basic", AdminClient.UiBasic);
            using var response = await client.Http.SendAsync(request);

            // The query's grant type is the one served: a refresh without a token, never a password check.
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("Refresh token is missing", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SignUp_SixthFromOneAddress_Is429AndNotStored()
    {
        using var client = AdminClient.Create(node.Factory, clientAddress: AdminClient.RandomPublicAddress());
        for (var i = 0; i < 5; i++)
        {
            await client.RegisterAsync("flood-" + Guid.NewGuid().ToString("N") + "@example.com", "password-123", "Flo", "Od");
        }

        var email = "flood-" + Guid.NewGuid().ToString("N") + "@example.com";
        using var sixth = await client.Http.PostAsJsonAsync("/admin/user/register", new { email, password = "password-123", firstName = "Flo", lastName = "Od" });

        await AssertTooManyAsync(sixth, maxRetryAfter: 3600);
        using var other = AdminClient.Create(node.Factory, clientAddress: AdminClient.RandomPublicAddress());
        using var login = await other.TryLoginAsync(email, "password-123");
        Assert.Contains("Bad credentials", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PasswordReset_ForgotAndResetShareOneBudgetPerAddress()
    {
        using var client = AdminClient.Create(node.Factory, clientAddress: AdminClient.RandomPublicAddress());
        for (var i = 0; i < 3; i++)
        {
            var (status, _) = await client.SendAsync(HttpMethod.Post, "/admin/user/forgot-password", new { email = "nobody@example.com" });
            Assert.NotEqual(HttpStatusCode.TooManyRequests, status);
        }

        for (var i = 0; i < 2; i++)
        {
            var (status, _) = await client.SendAsync(HttpMethod.Put, "/admin/user/reset-password?token=" + Guid.NewGuid(), new { password = "password-123" });
            Assert.NotEqual(HttpStatusCode.TooManyRequests, status);
        }

        using var content = JsonContent.Create(new { password = "password-123" });
        using var sixth = await client.Http.PutAsync("/admin/user/reset-password?token=" + Guid.NewGuid(), content);

        await AssertTooManyAsync(sixth, maxRetryAfter: 900);
    }

    [Fact]
    public async Task Login_FromTheNodesOwnHost_IsNotRateLimited()
    {
        // Loopback (after trusted-proxy headers) is the operator or a local tool: exempt, as for the first owner.
        using var client = AdminClient.Create(node.Factory, clientAddress: "127.0.0.1");
        for (var i = 0; i < 7; i++)
        {
            await client.LoginAsync(AdminNode.OwnerEmail, AdminNode.OwnerPassword);
        }
    }

    /// <summary>
    /// A password change checks the old password: without a limit, a stolen session cookie (or a script running in the
    /// user's page) could guess it at hash speed, with no login lockout, and keep the account after the session ends.
    /// It shares the forgot/reset-password window; a grant type in the query exempts nothing here.
    /// </summary>
    [Fact]
    public async Task ChangePassword_SixthFromOneAddress_Is429()
    {
        using var user = AdminClient.Create(node.Factory, clientAddress: AdminClient.RandomPublicAddress());
        var email = "changer-" + Guid.NewGuid().ToString("N") + "@example.com";
        await user.RegisterAsync(email, "password-123", "Cha", "Nger");
        await user.LoginAsync(email, "password-123");
        for (var i = 0; i < 5; i++)
        {
            var (status, body) = await user.SendAsync(
                HttpMethod.Put, "/admin/user/me/password?grant_type=refresh_token", new { oldPassword = "guess-" + i + "-password", newPassword = "new-password-1" });
            Assert.Equal((HttpStatusCode.BadRequest, 18), (status, body.GetProperty("code").GetInt32()));
        }

        using var content = JsonContent.Create(new { oldPassword = "password-123", newPassword = "new-password-1" });
        using var sixth = await user.Http.PutAsync("/admin/user/me/password", content);
        await AssertTooManyAsync(sixth, maxRetryAfter: 900);
    }

    private static async Task AssertTooManyAsync(HttpResponseMessage response, int maxRetryAfter)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var retryAfter = Assert.Single(response.Headers.GetValues("Retry-After"));
        Assert.InRange(int.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture), 1, maxRetryAfter);
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(0, body.GetProperty("code").GetInt32());
        Assert.Equal($"Too many requests, retry after {retryAfter} seconds", body.GetProperty("message").GetString());
        Assert.Equal(2, body.EnumerateObject().Count());
    }
}
