using System.Net;
using System.Net.Http.Headers;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.Admin.Tests;

/// <summary>
/// Sessions die with the credential (docs/decisions/0023-accounts-and-sessions.md): a password change, a reset, a
/// global role change or "sign out everywhere" bumps the user's security stamp, and every access and refresh token
/// issued before it is refused.
/// </summary>
[Collection(AdminTestGroup.Name)]
public sealed class SessionStampTests(AdminNode node)
{
    [Fact]
    public async Task ChangePassword_OtherSessionsAnswer401AndCannotRefresh_TheChangingBrowserContinues()
    {
        var email = "stamp-" + Guid.NewGuid().ToString("N") + "@example.com";
        using var changer = AdminClient.Create(node.Factory);
        await changer.RegisterAsync(email, "first-password", "Sam", "Stamp");
        await changer.LoginAsync(email, "first-password");
        using var stolen = AdminClient.Create(node.Factory);
        await stolen.LoginAsync(email, "first-password");
        Assert.Equal(HttpStatusCode.OK, (await stolen.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);

        var (status, _) = await changer.SendAsync(HttpMethod.Put, "/admin/user/me/password", new { oldPassword = "first-password", newPassword = "second-password" });
        Assert.Equal(HttpStatusCode.OK, status);

        Assert.Equal(HttpStatusCode.Unauthorized, (await stolen.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);
        using (var refreshed = await stolen.RefreshAsync())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refreshed.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await changer.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);
    }

    [Fact]
    public async Task GlobalRoleChange_TheUsersSessionsEnd()
    {
        using var owner = await node.OwnerAsync();
        using var user = await node.NewUserAsync();
        var userId = await user.UserIdAsync();

        var (status, _) = await owner.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { userId, role = "ADMINISTRATOR" });
        Assert.Equal(HttpStatusCode.OK, status);

        Assert.Equal(HttpStatusCode.Unauthorized, (await user.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);
        using (var refreshed = await user.RefreshAsync())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refreshed.StatusCode);
        }

        await user.LoginAgainAsync();
        Assert.Equal(HttpStatusCode.OK, (await user.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);
        Assert.Equal(HttpStatusCode.OK, (await owner.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);
    }

    [Fact]
    public async Task ResetPassword_EverySessionOfTheUserEnds()
    {
        using var user = await node.NewUserAsync();
        var userId = await user.UserIdAsync();
        var store = node.Factory.Services.GetRequiredService<IAdminStore>();
        var token = "reset-" + Guid.NewGuid();
        await store.SetResetTokenAsync(CompreFace.Grains.Interfaces.Admin.SessionTokenHash.Compute(token), userId, DateTimeOffset.UtcNow.AddMinutes(15));

        var (status, _) = await user.SendAsync(HttpMethod.Put, $"/admin/user/reset-password?token={token}", new { password = "reset-password-1" });
        Assert.Equal(HttpStatusCode.OK, status);

        Assert.Equal(HttpStatusCode.Unauthorized, (await user.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);
        using var refreshed = await user.RefreshAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, refreshed.StatusCode);
    }

    [Fact]
    public async Task SignOutEverywhere_EndsEverySessionOfTheCaller_OthersKeepTheirs()
    {
        using var user = await node.NewUserAsync();
        using var sameUserElsewhere = AdminClient.Create(node.Factory);
        var email = await user.EmailAsync();
        using var bystander = await node.NewUserAsync();

        using (var login = await sameUserElsewhere.TryLoginAsync(email, "password-123"))
        {
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        }

        var (status, _) = await user.SendAsync(HttpMethod.Post, "/admin/user/me/sessions/end");
        Assert.Equal(HttpStatusCode.OK, status);

        Assert.Equal(HttpStatusCode.Unauthorized, (await user.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await sameUserElsewhere.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);
        using (var refreshed = await sameUserElsewhere.RefreshAsync())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refreshed.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await bystander.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);
    }

    [Fact]
    public async Task Logout_EndsTheRefreshTokenOfTheSessionToo()
    {
        using var client = AdminClient.Create(node.Factory, handleCookies: false);
        using var login = await client.TryLoginAsync(AdminNode.OwnerEmail, AdminNode.OwnerPassword);
        var cookies = login.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).ToList();
        var session = cookies.Single(c => c.StartsWith("CFSESSION=", StringComparison.Ordinal));
        var refresh = cookies.Single(c => c.StartsWith("REFRESH_TOKEN=", StringComparison.Ordinal));

        // The UI's logout sends only the session cookie (the refresh cookie's path is the token endpoint).
        using (var logout = new HttpRequestMessage(HttpMethod.Delete, "/admin/oauth/token"))
        {
            logout.Headers.Add("Cookie", session);
            using var response = await client.Http.SendAsync(logout);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/oauth/token?grant_type=refresh_token");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", AdminClient.UiBasic);
        request.Headers.Add("Cookie", refresh);
        using var refreshed = await client.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, refreshed.StatusCode);
    }
}
