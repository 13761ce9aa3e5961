using System.Net;
using System.Text.Json;

namespace CompreFace.Admin.Tests;

/// <summary>
/// CompreFace's exact admin codes and messages for passwords, names and service types, and which error wins when several
/// apply (issue P14 item 7; docs/compatibility.md). CompreFace validates a request body before its service looks at
/// anything else, so a validation error wins over a missing application, a missing token or mail being off.
/// </summary>
[Collection(AdminTestGroup.Name)]
public sealed class AdminMessageTests(AdminNode node)
{
    private static (HttpStatusCode Status, int Code, string? Message) Answer((HttpStatusCode Status, JsonElement Body) response) =>
        (response.Status, response.Body.GetProperty("code").GetInt32(), response.Body.GetProperty("message").GetString());

    [Fact]
    public async Task ResetPassword_NoTokenParameter_IsCode33NamingIt()
    {
        using var anonymous = AdminClient.Create(node.Factory);

        var answer = Answer(await anonymous.SendAsync(HttpMethod.Put, "/admin/user/reset-password", new { password = "new-password-1" }));

        Assert.Equal((HttpStatusCode.BadRequest, 33, "Required parameter token is missing"), answer);
    }

    [Fact]
    public async Task ResetPassword_EmptyTokenValue_IsCode30()
    {
        using var anonymous = AdminClient.Create(node.Factory);

        var answer = Answer(await anonymous.SendAsync(HttpMethod.Put, "/admin/user/reset-password?token=", new { password = "new-password-1" }));

        Assert.Equal((HttpStatusCode.BadRequest, 30, "The reset password token is invalid!"), answer);
    }

    [Theory]
    [InlineData("""{}""", "The password cannot be blank")]
    [InlineData("""{"password":"   "}""", "The password cannot be blank")]
    [InlineData("""{"password":"short-7"}""", "The password size must be between 8 and 255 characters")]
    public async Task ResetPassword_BadPasswordAndNoToken_PasswordMessageWinsAsCode26(string body, string message)
    {
        using var anonymous = AdminClient.Create(node.Factory);

        var answer = Answer(await anonymous.SendAsync(HttpMethod.Put, "/admin/user/reset-password", body));

        Assert.Equal((HttpStatusCode.BadRequest, 26, message), answer);
    }

    [Theory]
    [InlineData("""{"newPassword":"second-password"}""", 5, "Field oldPassword cannot be empty")]
    [InlineData("""{"oldPassword":"short","newPassword":"second-password"}""", 26, "User's password is incorrect")]
    [InlineData("""{"oldPassword":"first-password"}""", 5, "Field newPassword cannot be empty")]
    [InlineData("""{"oldPassword":"first-password","newPassword":""}""", 5, "Field newPassword cannot be empty")]
    [InlineData("""{"oldPassword":"first-password","newPassword":"short"}""", 26, "User's new password is incorrect")]
    [InlineData("""{"oldPassword":"wrong-password","newPassword":"short"}""", 26, "User's new password is incorrect")]
    public async Task ChangePassword_InvalidFields_GetCompreFacesCodeAndMessage(string body, int code, string message)
    {
        using var user = await node.NewUserAsync();

        var answer = Answer(await user.SendAsync(HttpMethod.Put, "/admin/user/me/password", body));

        Assert.Equal((HttpStatusCode.BadRequest, code, message), answer);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(256)]
    public async Task Register_PasswordOutside8To255_SaysCompreFacesResetMessage(int length)
    {
        using var anonymous = AdminClient.Create(node.Factory);
        var password = new string('p', length);

        var answer = Answer(await anonymous.SendAsync(
            HttpMethod.Post, "/admin/user/register", new { email = $"len-{Guid.NewGuid():N}@example.com", password, firstName = "L", lastName = "P" }));

        Assert.Equal((HttpStatusCode.BadRequest, 26, "The password size must be between 8 and 255 characters"), answer);
    }

    [Theory]
    [InlineData("""{"firstName":"","lastName":"L"}""", "Field firstName cannot be empty")]
    [InlineData("""{"firstName":"F","lastName":"  "}""", "Field lastName cannot be empty")]
    [InlineData("""{"firstName":"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF","lastName":"L"}""", "User's first name size must be between 1 and 50")]
    public async Task UpdateUser_BadName_GetsTheUpdateFormsMessage(string body, string message)
    {
        using var user = await node.NewUserAsync();

        var answer = Answer(await user.SendAsync(HttpMethod.Put, "/admin/user/update", body));

        Assert.Equal((HttpStatusCode.BadRequest, 26, message), answer);
    }

    [Theory]
    [InlineData("""{"email":" "}""", "User's email cannot be empty")]
    [InlineData("""{}""", "User's email cannot be empty")]
    [InlineData("""{"email":"a234567890123456789012345678901234567890123456789012@example.com"}""", "User's email size must be between 1 and 63")]
    public async Task ForgotPassword_BadEmailWithMailOff_ValidationWinsAsCode26(string body, string message)
    {
        using var anonymous = AdminClient.Create(node.Factory);

        var answer = Answer(await anonymous.SendAsync(HttpMethod.Post, "/admin/user/forgot-password", body));

        Assert.Equal((HttpStatusCode.BadRequest, 26, message), answer);
    }

    [Theory]
    [InlineData("""{"name":"x"}""")]
    [InlineData("""{"name":"x","type":" "}""")]
    public async Task CreateService_NoType_IsCode26ModelTypeCannotBeEmpty(string body)
    {
        using var owner = await node.OwnerAsync();
        var appId = await owner.CreateAppAsync();

        var answer = Answer(await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model", body));

        Assert.Equal((HttpStatusCode.BadRequest, 26, "Model Type cannot be empty"), answer);
    }

    [Fact]
    public async Task ServiceRequests_BadNameForAnUnknownApplication_NameErrorWins()
    {
        using var owner = await node.OwnerAsync();
        var unknownApp = Guid.NewGuid();
        var unknownService = Guid.NewGuid();

        var create = Answer(await owner.SendAsync(HttpMethod.Post, $"/admin/app/{unknownApp}/model", new { name = "", type = "RECOGNITION" }));
        var rename = Answer(await owner.SendAsync(HttpMethod.Put, $"/admin/app/{unknownApp}/model/{unknownService}", new { name = "a;b" }));
        var clone = Answer(await owner.SendAsync(HttpMethod.Post, $"/admin/app/{unknownApp}/model/{unknownService}", new { name = new string('m', 51) }));
        var renameApp = Answer(await owner.SendAsync(HttpMethod.Put, $"/admin/app/{unknownApp}", new { name = " " }));

        Assert.Equal((HttpStatusCode.BadRequest, 26, "Model name cannot be empty"), create);
        Assert.Equal((HttpStatusCode.BadRequest, 36, "The name cannot contain the following special characters: ';', '/', '\\'"), rename);
        Assert.Equal((HttpStatusCode.BadRequest, 26, "Model name size must be between 1 and 50"), clone);
        Assert.Equal((HttpStatusCode.BadRequest, 26, "Application name cannot be empty"), renameApp);
    }

    [Fact]
    public async Task CreateApplication_BadNameFromAUserWhoMayNotCreate_NameErrorWins()
    {
        using var user = await node.NewUserAsync();

        var answer = Answer(await user.SendAsync(HttpMethod.Post, "/admin/app", new { name = "a/b" }));

        Assert.Equal((HttpStatusCode.BadRequest, 36, "The name cannot contain the following special characters: ';', '/', '\\'"), answer);
    }

    [Fact]
    public async Task CreateApplication_TakenNameFromAUserWhoMayNotCreate_IsCode9NotCode17()
    {
        using var owner = await node.OwnerAsync();
        var name = "taken-" + Guid.NewGuid().ToString("N")[..8];
        await owner.CreateAppAsync(name);
        using var user = await node.NewUserAsync();

        var answer = Answer(await user.SendAsync(HttpMethod.Post, "/admin/app", new { name }));

        Assert.Equal((HttpStatusCode.BadRequest, 9, "Action not allowed for current user"), answer);
    }

    [Fact]
    public async Task Invite_UnknownUserWithAnUnknownRole_UserNotFoundWins()
    {
        using var owner = await node.OwnerAsync();
        var appId = await owner.CreateAppAsync();

        var answer = Answer(await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/invite", new { userEmail = "nobody-at-all@example.com", role = "KING" }));

        Assert.Equal((HttpStatusCode.NotFound, 16, "User nobody-at-all@example.com does not exist"), answer);
    }

    [Fact]
    public async Task Invite_ByAReadOnlyMember_IsCode9BeforeTheEmailIsLookedUp()
    {
        using var owner = await node.OwnerAsync();
        var appId = await owner.CreateAppAsync();
        using var member = await node.NewUserAsync();
        var (_, me) = await member.SendAsync(HttpMethod.Get, "/admin/user/me");
        var (status, _) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/invite", new { userEmail = me.GetProperty("email").GetString(), role = "USER" });
        Assert.Equal(HttpStatusCode.Created, status);

        var answer = Answer(await member.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/invite", new { userEmail = "nobody-at-all@example.com", role = "USER" }));

        Assert.Equal((HttpStatusCode.BadRequest, 9, "Action not allowed for current user"), answer);
    }

    [Fact]
    public async Task Invite_NoEmailOrRole_NamesTheMissingField()
    {
        using var owner = await node.OwnerAsync();
        var appId = await owner.CreateAppAsync();
        using var user = await node.NewUserAsync();
        var (_, me) = await user.SendAsync(HttpMethod.Get, "/admin/user/me");

        var noEmail = Answer(await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/invite", new { role = "USER" }));
        var noRole = Answer(await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/invite", new { userEmail = me.GetProperty("email").GetString() }));

        Assert.Equal((HttpStatusCode.BadRequest, 5, "Field userEmail cannot be empty"), noEmail);
        Assert.Equal((HttpStatusCode.BadRequest, 5, "Field role cannot be empty"), noRole);
    }
}
