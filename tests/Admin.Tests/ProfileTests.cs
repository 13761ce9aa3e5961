using System.Net;

namespace CompreFace.Admin.Tests;

[Collection(AdminTestGroup.Name)]
public sealed class ProfileTests(AdminNode node)
{
    [Fact]
    public async Task Update_SetsNames_AndValidatesThem()
    {
        using var user = await node.NewUserAsync();
        var (status, json) = await user.SendAsync(HttpMethod.Put, "/admin/user/update", new { firstName = " Ada ", lastName = "Lovelace" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Ada", json.GetProperty("firstName").GetString());
        (_, json) = await user.SendAsync(HttpMethod.Get, "/admin/user/me");
        Assert.Equal("Lovelace", json.GetProperty("lastName").GetString());

        (status, json) = await user.SendAsync(HttpMethod.Put, "/admin/user/update", new { firstName = "", lastName = "L" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(26, json.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task ChangePassword_WrongOldIsCode18_ShortNewIsCode26_ThenTheNewOneLogsIn()
    {
        using var user = AdminClient.Create(node.Factory);
        var email = "pw-" + Guid.NewGuid().ToString("N") + "@example.com";
        await user.RegisterAsync(email, "first-password", "P", "W");
        await user.LoginAsync(email, "first-password");

        var (status, json) = await user.SendAsync(HttpMethod.Put, "/admin/user/me/password", new { oldPassword = "wrong-password", newPassword = "second-password" });
        Assert.Equal(18, json.GetProperty("code").GetInt32());
        (status, json) = await user.SendAsync(HttpMethod.Put, "/admin/user/me/password", new { oldPassword = "first-password", newPassword = "short" });
        Assert.Equal(26, json.GetProperty("code").GetInt32());
        (status, _) = await user.SendAsync(HttpMethod.Put, "/admin/user/me/password", new { oldPassword = "first-password", newPassword = "second-password" });
        Assert.Equal(HttpStatusCode.OK, status);

        using var again = AdminClient.Create(node.Factory);
        using var old = await again.TryLoginAsync(email, "first-password");
        Assert.Equal(HttpStatusCode.BadRequest, old.StatusCode);
        await again.LoginAsync(email, "second-password");
    }
}
