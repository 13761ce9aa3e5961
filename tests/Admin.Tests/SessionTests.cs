using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.Admin.Tests;

[Collection(AdminTestGroup.Name)]
public sealed class SessionTests(AdminNode node)
{
    [Fact]
    public async Task Login_UiForm_SetsSessionCookiesWithSpecPathsAndAttributes()
    {
        using var client = AdminClient.Create(node.Factory, handleCookies: false);
        using var response = await client.TryLoginAsync(AdminNode.OwnerEmail, AdminNode.OwnerPassword);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        var session = Assert.Single(cookies, c => c.StartsWith("CFSESSION=", StringComparison.Ordinal)).ToLowerInvariant();
        var refresh = Assert.Single(cookies, c => c.StartsWith("REFRESH_TOKEN=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("max-age=2400", session, StringComparison.Ordinal);
        Assert.Contains("path=/admin", session, StringComparison.Ordinal);
        Assert.Contains("httponly", session, StringComparison.Ordinal);
        Assert.Contains("samesite=lax", session, StringComparison.Ordinal);
        Assert.DoesNotContain("secure", session, StringComparison.Ordinal); // plain HTTP
        Assert.Contains("max-age=1209600", refresh, StringComparison.Ordinal);
        Assert.Contains("path=/admin/oauth/token", refresh, StringComparison.Ordinal);
        Assert.Contains("httponly", refresh, StringComparison.Ordinal);

        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"token_type\":\"bearer\"", body, StringComparison.Ordinal);
        Assert.Contains("\"expires_in\":2400", body, StringComparison.Ordinal);
        Assert.Contains("\"scope\":\"all\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_WrongPassword_IsBadCredentials()
    {
        using var client = AdminClient.Create(node.Factory);
        using var response = await client.TryLoginAsync(AdminNode.OwnerEmail.ToUpperInvariant(), "not-the-password");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("{\"error\":\"invalid_request\",\"error_description\":\"Bad credentials\"}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Login_EmailIsCaseInsensitive()
    {
        using var client = AdminClient.Create(node.Factory);
        await client.LoginAsync(AdminNode.OwnerEmail.ToUpperInvariant(), AdminNode.OwnerPassword);
        Assert.NotEqual(Guid.Empty, await client.UserIdAsync());
    }

    [Fact]
    public async Task Login_WithoutClientCredentials_Is401()
    {
        using var client = AdminClient.Create(node.Factory);
        using var response = await client.Http.PostAsync(
            "/admin/oauth/token", new FormUrlEncodedContent([new("grant_type", "password"), new("username", AdminNode.OwnerEmail), new("password", AdminNode.OwnerPassword)]));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Login_HashWithFewerIterations_IsUpgradedToTheCurrentCount()
    {
        // A node of its own: the shared one hashes with the tests' lower count (TestPasswordHashing).
        using var factory = new ProductHashingFactory();
        using var client = AdminClient.Create(factory);
        var email = "legacy-" + Guid.NewGuid().ToString("N") + "@example.com";
        await client.RegisterAsync(email, "legacy-password", "Leg", "Acy");
        var store = (CompreFace.Grains.Storage.IAdminStore)factory.Services.GetService(typeof(CompreFace.Grains.Storage.IAdminStore))!;
        var user = (await store.FindUserByEmailAsync(email))!;
        Assert.Equal(CompreFace.Grains.Admin.AdminServiceCollectionExtensions.PasswordIterations, Iterations(user.PasswordHash));

        // A hash as Identity's default (100,000 iterations) made it before this change.
        var legacy = new Microsoft.AspNetCore.Identity.PasswordHasher<CompreFace.Grains.Admin.AdminUser>(
            Microsoft.Extensions.Options.Options.Create(new Microsoft.AspNetCore.Identity.PasswordHasherOptions { IterationCount = 100_000 }));
        Assert.True(await store.SetPasswordHashAsync(user.UserId, legacy.HashPassword(new(), "legacy-password")));

        await client.LoginAsync(email, "legacy-password");
        var upgraded = (await store.FindUserByEmailAsync(email))!.PasswordHash;
        Assert.Equal(CompreFace.Grains.Admin.AdminServiceCollectionExtensions.PasswordIterations, Iterations(upgraded));
        using var again = AdminClient.Create(factory);
        await again.LoginAsync(email, "legacy-password");
    }

    /// <summary>A node that hashes passwords as the product does.</summary>
    private sealed class ProductHashingFactory : AdminFactory
    {
        protected override bool ProductPasswordHashing => true;
    }

    /// <summary>The iteration count of an Identity v3 hash: format byte, PRF (4 bytes), then iterations (big-endian).</summary>
    private static int Iterations(string hash)
    {
        var bytes = Convert.FromBase64String(hash);
        Assert.Equal(0x01, bytes[0]);
        return System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(5, 4));
    }

    [Fact]
    public async Task Login_FiveFailures_LockTheEmailEvenForTheRightPassword()
    {
        using var client = AdminClient.Create(node.Factory);
        var email = "locked-" + Guid.NewGuid().ToString("N") + "@example.com";
        await client.RegisterAsync(email, "right-password", "Lock", "Out");
        for (var i = 0; i < 5; i++)
        {
            using var failed = await client.TryLoginAsync(email, "wrong-password");
            Assert.Contains("Bad credentials", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var locked = await client.TryLoginAsync(email, "right-password");

        Assert.Equal(HttpStatusCode.BadRequest, locked.StatusCode);
        Assert.Equal("{\"error\":\"invalid_request\",\"error_description\":\"User account is locked\"}", await locked.Content.ReadAsStringAsync());
        var (status, _) = await client.SendAsync(HttpMethod.Get, "/admin/user/me");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task Login_FiveFailuresFromOneAddress_DoNotLockTheEmailFromAnother()
    {
        // Lockout per (email, address): a stranger's failures must not keep the owner out (P7).
        var email = "owner-like-" + Guid.NewGuid().ToString("N") + "@example.com";
        using (var register = AdminClient.Create(node.Factory))
        {
            await register.RegisterAsync(email, "right-password", "Own", "Er");
        }

        // Two addresses of the node's own host, which the rate limits exempt, so the lockout alone answers.
        using var stranger = AdminClient.Create(node.Factory, clientAddress: "127.0.0.2");
        for (var i = 0; i < 5; i++)
        {
            using var failed = await stranger.TryLoginAsync(email, "wrong-password");
            Assert.Contains("Bad credentials", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var lockedForStranger = await stranger.TryLoginAsync(email, "right-password"))
        {
            Assert.Contains("User account is locked", await lockedForStranger.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var owner = AdminClient.Create(node.Factory, clientAddress: "127.0.0.3");
        using var response = await owner.TryLoginAsync(email, "right-password");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(Guid.Empty, await owner.UserIdAsync());
    }

    [Fact]
    public async Task AdminCall_WithoutCookie_Is401()
    {
        using var client = AdminClient.Create(node.Factory);
        var (status, body) = await client.SendAsync(HttpMethod.Get, "/admin/user/me");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("unauthorized", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task AdminCall_WithBearerHeaderOnly_Is401()
    {
        using var login = AdminClient.Create(node.Factory, handleCookies: false);
        using var response = await login.TryLoginAsync(AdminNode.OwnerEmail, AdminNode.OwnerPassword);
        var token = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString();

        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/user/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var me = await login.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }

    [Fact]
    public async Task Me_WithSessionCookie_ReturnsTheUser()
    {
        using var client = await node.OwnerAsync();
        var (status, body) = await client.SendAsync(HttpMethod.Get, "/admin/user/me");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(AdminNode.OwnerEmail, body.GetProperty("email").GetString());
        Assert.Equal("Olga", body.GetProperty("firstName").GetString());
        Assert.Equal("Owner", body.GetProperty("lastName").GetString());
        Assert.NotEqual(Guid.Parse("00000000-0000-0000-0000-000000000001"), body.GetProperty("userId").GetGuid());
    }

    [Fact]
    public async Task Refresh_FromCookie_IssuesNewPairAndTheOldRefreshTokenIsSpent()
    {
        using var client = AdminClient.Create(node.Factory, handleCookies: false);
        using var login = await client.TryLoginAsync(AdminNode.OwnerEmail, AdminNode.OwnerPassword);
        var refreshCookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("REFRESH_TOKEN=", StringComparison.Ordinal)).Split(';')[0];

        async Task<HttpResponseMessage> RefreshWithAsync(string cookie)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/oauth/token?grant_type=refresh_token&scope=all")
            {
                Content = new FormUrlEncodedContent([new("grant_type", "refresh_token"), new("refresh_token", "ignored-body-value")]),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", AdminClient.UiBasic);
            request.Headers.Add("Cookie", cookie);
            return await client.Http.SendAsync(request);
        }

        using var first = await RefreshWithAsync(refreshCookie);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var newSession = first.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("CFSESSION=", StringComparison.Ordinal)).Split(';')[0];

        using var replay = await RefreshWithAsync(refreshCookie);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);

        using var me = new HttpRequestMessage(HttpMethod.Get, "/admin/user/me");
        me.Headers.Add("Cookie", newSession);
        using var meResponse = await client.Http.SendAsync(me);
        Assert.Equal(HttpStatusCode.OK, meResponse.StatusCode);
    }

    [Fact]
    public async Task Refresh_WithCookieJar_KeepsTheSessionUsable()
    {
        using var client = await node.OwnerAsync();
        using var refreshed = await client.RefreshAsync();
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.NotEqual(Guid.Empty, await client.UserIdAsync());
    }

    [Fact]
    public async Task Logout_RevokesTheSessionAndClearsBothCookies()
    {
        using var client = AdminClient.Create(node.Factory, handleCookies: false);
        using var login = await client.TryLoginAsync(AdminNode.OwnerEmail, AdminNode.OwnerPassword);
        var session = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("CFSESSION=", StringComparison.Ordinal)).Split(';')[0];

        using var logout = new HttpRequestMessage(HttpMethod.Delete, "/admin/oauth/token");
        logout.Headers.Add("Cookie", session);
        using var response = await client.Http.SendAsync(logout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cleared = response.Headers.GetValues("Set-Cookie").Select(c => c.ToLowerInvariant()).ToList();
        Assert.Contains(cleared, c => c.StartsWith("cfsession=;", StringComparison.Ordinal) && c.Contains("max-age=0", StringComparison.Ordinal) && c.Contains("path=/admin", StringComparison.Ordinal));
        Assert.Contains(cleared, c => c.StartsWith("refresh_token=;", StringComparison.Ordinal) && c.Contains("max-age=0", StringComparison.Ordinal) && c.Contains("path=/admin/oauth/token", StringComparison.Ordinal));

        using var me = new HttpRequestMessage(HttpMethod.Get, "/admin/user/me");
        me.Headers.Add("Cookie", session);
        using var after = await client.Http.SendAsync(me);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Logout_WithoutCookie_Is400()
    {
        using var client = AdminClient.Create(node.Factory);
        var (status, _) = await client.SendAsync(HttpMethod.Delete, "/admin/oauth/token");
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task StatusAndConfig_AreOpen()
    {
        using var client = AdminClient.Create(node.Factory);
        var (status, body) = await client.SendAsync(HttpMethod.Get, "/admin/status");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("OK", body.GetProperty("status").GetString());

        (status, body) = await client.SendAsync(HttpMethod.Get, "/admin/config");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.GetProperty("mailServiceEnabled").GetBoolean());
    }

    [Fact]
    public async Task DemoModel_AfterTheFirstSignUp_Is404()
    {
        using var client = AdminClient.Create(node.Factory);
        var (status, body) = await client.SendAsync(HttpMethod.Get, "/admin/user/demo/model");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(404, body.GetProperty("code").GetInt32());
        Assert.Equal("The Demo model is not available any more!", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task ExpiredTokenPurge_DeletesExpiredRows_LiveSessionsKeepWorking()
    {
        using var owner = await node.OwnerAsync();
        var store = node.Factory.Services.GetRequiredService<CompreFace.Grains.Storage.IAdminStore>();
        var expired = CompreFace.Grains.Interfaces.Admin.SessionTokenHash.Compute("expired-" + Guid.NewGuid());
        await store.AddTokensAsync([new(expired, await owner.UserIdAsync(), CompreFace.Grains.Storage.TokenKind.Access, DateTimeOffset.UtcNow.AddMinutes(-1))]);

        var purger = node.Factory.Services.GetRequiredService<CompreFace.Grains.Admin.PeriodicPurge<CompreFace.Grains.Admin.ExpiredTokenPurger>>();
        Assert.True(await purger.PurgeAsync(CancellationToken.None) >= 1);

        Assert.Null(await store.FindTokenAsync(expired));
        var (status, _) = await owner.SendAsync(HttpMethod.Get, "/admin/user/me");
        Assert.Equal(HttpStatusCode.OK, status);
    }
}
