using System.Net;

namespace CompreFace.Admin.Tests;

/// <summary>Global roles, user deletion, autocomplete and the mail-off endpoints on the shared node (docs/compreface-behaviour.md#roles-and-permissions, docs/compreface-behaviour.md#users, docs/compreface-behaviour.md#admin-error-codes).</summary>
[Collection(AdminTestGroup.Name)]
public sealed class UserAdministrationTests(AdminNode node)
{
    [Fact]
    public async Task GlobalRole_AdministratorManagesUsers_ButNotTheOwnerOrOwnershipOrThemselves()
    {
        using var owner = await node.OwnerAsync();
        using var admin = await node.NewUserAsync();
        using var user = await node.NewUserAsync();
        var adminId = await admin.UserIdAsync();
        var userId = await user.UserIdAsync();
        var ownerId = await owner.UserIdAsync();

        // A global USER may not change roles at all.
        var (status, body) = await user.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { userId = adminId, role = "ADMINISTRATOR" });
        Assert.Equal((HttpStatusCode.BadRequest, 9), (status, body.GetProperty("code").GetInt32()));

        (status, _) = await owner.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { userId = adminId, role = "ADMINISTRATOR" });
        Assert.Equal(HttpStatusCode.OK, status);

        // A role change ends the user's sessions; logged in again, the new administrator promotes and demotes others.
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);
        await admin.LoginAgainAsync();
        (status, body) = await admin.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { userId, role = "ADMINISTRATOR" });
        Assert.Equal((HttpStatusCode.OK, "ADMINISTRATOR"), (status, body.GetProperty("role").GetString()));
        (status, body) = await admin.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { userId, role = "USER" });
        Assert.Equal((HttpStatusCode.OK, "USER"), (status, body.GetProperty("role").GetString()));

        // Not the owner's role (9, as CompreFace), not their own (14), not granting OWNER (9).
        (status, body) = await admin.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { userId = ownerId, role = "USER" });
        Assert.Equal((HttpStatusCode.BadRequest, 9), (status, body.GetProperty("code").GetInt32()));
        (status, body) = await admin.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { userId = adminId, role = "USER" });
        Assert.Equal((HttpStatusCode.BadRequest, 14, "User can't change their role"), (status, body.GetProperty("code").GetInt32(), body.GetProperty("message").GetString()));
        (status, body) = await admin.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { userId, role = "OWNER" });
        Assert.Equal((HttpStatusCode.BadRequest, 9), (status, body.GetProperty("code").GetInt32()));

        // Bad input: unknown role (26), unknown user (404, 16), missing fields (26, CompreFace's DTO messages), malformed JSON (26).
        (status, body) = await owner.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { userId, role = "KING" });
        Assert.Equal((HttpStatusCode.BadRequest, 26, "Global role 'KING' doesn't exist!"), (status, body.GetProperty("code").GetInt32(), body.GetProperty("message").GetString()));
        (status, body) = await owner.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { userId = Guid.NewGuid(), role = "USER" });
        Assert.Equal((HttpStatusCode.NotFound, 16), (status, body.GetProperty("code").GetInt32()));
        (status, body) = await owner.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { role = "USER" });
        Assert.Equal((HttpStatusCode.BadRequest, 26, "UserId cannot be empty"), (status, body.GetProperty("code").GetInt32(), body.GetProperty("message").GetString()));
        (status, body) = await owner.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { userId, role = " " });
        Assert.Equal((HttpStatusCode.BadRequest, 26, "Role cannot be empty"), (status, body.GetProperty("code").GetInt32(), body.GetProperty("message").GetString()));

        // The body is validated before the caller's rights, as Spring validates a @Valid body first.
        await user.LoginAgainAsync();
        (status, body) = await user.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { userId, role = "KING" });
        Assert.Equal((HttpStatusCode.BadRequest, 26), (status, body.GetProperty("code").GetInt32()));
        (status, body) = await owner.SendAsync(HttpMethod.Put, "/admin/user/global/role", "{\"userId\":");
        Assert.Equal((HttpStatusCode.BadRequest, 26), (status, body.GetProperty("code").GetInt32()));

        // Still exactly one owner.
        (_, body) = await owner.SendAsync(HttpMethod.Get, "/admin/user/roles");
        Assert.Single(body.EnumerateArray(), u => u.GetProperty("role").GetString() == "OWNER");
    }

    [Fact]
    public async Task DeleteUser_SelfOrByAdmins_OwnerNever_BadInputIs4xx()
    {
        using var owner = await node.OwnerAsync();
        using var user = await node.NewUserAsync();
        using var other = await node.NewUserAsync();
        var otherId = await other.UserIdAsync();
        var otherEmail = await other.EmailAsync();
        var userId = await user.UserIdAsync();
        var ownerId = await owner.UserIdAsync();

        // A USER deletes only themselves; nobody deletes the owner; replacer values are checked (13).
        var (status, body) = await user.SendAsync(HttpMethod.Delete, $"/admin/user/{otherId}");
        Assert.Equal((HttpStatusCode.BadRequest, 9), (status, body.GetProperty("code").GetInt32()));
        (status, body) = await user.SendAsync(HttpMethod.Delete, $"/admin/user/{ownerId}");
        Assert.Equal((HttpStatusCode.BadRequest, 9), (status, body.GetProperty("code").GetInt32()));
        (status, body) = await owner.SendAsync(HttpMethod.Delete, $"/admin/user/{otherId}?replacer=somebody");
        Assert.Equal((HttpStatusCode.BadRequest, 13, "Illegal replacer value=somebody!"), (status, body.GetProperty("code").GetInt32(), body.GetProperty("message").GetString()));
        (status, body) = await owner.SendAsync(HttpMethod.Delete, $"/admin/user/{Guid.NewGuid()}");
        Assert.Equal((HttpStatusCode.NotFound, 16), (status, body.GetProperty("code").GetInt32()));
        (status, body) = await owner.SendAsync(HttpMethod.Delete, "/admin/user/not-a-guid");
        Assert.Equal((HttpStatusCode.BadRequest, 26), (status, body.GetProperty("code").GetInt32()));

        (status, _) = await owner.SendAsync(HttpMethod.Delete, $"/admin/user/{otherId}?replacer=Owner");
        Assert.Equal(HttpStatusCode.OK, status);
        (status, _) = await user.SendAsync(HttpMethod.Delete, $"/admin/user/{userId}");
        Assert.Equal(HttpStatusCode.OK, status);

        (_, body) = await owner.SendAsync(HttpMethod.Get, "/admin/user/roles");
        var ids = body.EnumerateArray().Select(u => u.GetProperty("userId").GetGuid()).ToArray();
        Assert.DoesNotContain(otherId, ids);
        Assert.DoesNotContain(userId, ids);
        Assert.Contains(ownerId, ids);

        // Deleted users cannot log in again.
        using var login = await other.TryLoginAsync(otherEmail, "password-123");
        Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
        // Their session ended with the account (CompreFace: 403 code 1; docs/compatibility.md).
        (status, body) = await other.SendAsync(HttpMethod.Get, "/admin/user/me");
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_token"), (status, body.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Autocomplete_PrefixOfEmailOrNames_CaseInsensitive()
    {
        using var owner = await node.OwnerAsync();
        using var client = AdminClient.Create(node.Factory);
        var email = "zelda-" + Guid.NewGuid().ToString("N")[..8] + "@example.com";
        await client.RegisterAsync(email, "password-123", "Quentin", "Xavier");

        foreach (var query in new[] { email[..10].ToUpperInvariant(), "quent", "XAV" })
        {
            var (status, body) = await owner.SendAsync(HttpMethod.Get, $"/admin/user/autocomplete?query={query}");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(query, body.GetProperty("query").GetString());
            var results = body.GetProperty("results").EnumerateArray().ToArray();
            Assert.Equal(results.Length, body.GetProperty("length").GetInt32());
            var match = Assert.Single(results, r => r.GetProperty("email").GetString() == email);
            Assert.Equal(["userId", "email", "firstName", "lastName"], match.EnumerateObject().Select(p => p.Name));
        }

        // Infix is not a prefix.
        var (_, none) = await owner.SendAsync(HttpMethod.Get, "/admin/user/autocomplete?query=uentin");
        Assert.DoesNotContain(none.GetProperty("results").EnumerateArray(), r => r.GetProperty("email").GetString() == email);

        // No prefix, no directory: an empty query matches nobody (CompreFace lists every user).
        var (_, empty) = await owner.SendAsync(HttpMethod.Get, "/admin/user/autocomplete?query=");
        Assert.Equal(0, empty.GetProperty("length").GetInt32());
    }

    [Fact]
    public async Task Autocomplete_UserWhoManagesNoApplication_IsRefusedCode9()
    {
        using var user = await node.NewUserAsync();
        var (status, body) = await user.SendAsync(HttpMethod.Get, "/admin/user/autocomplete?query=o");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(9, body.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task MailOff_ForgotIs500Code29_ResetIsCode30_ConfirmIs403Code25_AllWithoutASession()
    {
        using var anonymous = AdminClient.Create(node.Factory);
        var (status, body) = await anonymous.SendAsync(HttpMethod.Post, "/admin/user/forgot-password", new { email = AdminNode.OwnerEmail });
        Assert.Equal((HttpStatusCode.InternalServerError, 29, "We cannot send an email. No email server enabled!"), (status, body.GetProperty("code").GetInt32(), body.GetProperty("message").GetString()));

        (status, body) = await anonymous.SendAsync(HttpMethod.Put, $"/admin/user/reset-password?token={Guid.NewGuid()}", new { password = "new-password-1" });
        Assert.Equal((HttpStatusCode.BadRequest, 30), (status, body.GetProperty("code").GetInt32()));
        (status, body) = await anonymous.SendAsync(HttpMethod.Put, $"/admin/user/reset-password?token={Guid.NewGuid()}", new { password = "short" });
        Assert.Equal((HttpStatusCode.BadRequest, 26), (status, body.GetProperty("code").GetInt32()));

        (status, body) = await anonymous.SendAsync(HttpMethod.Get, $"/admin/user/registration/confirm?token={Guid.NewGuid()}");
        Assert.Equal((HttpStatusCode.Forbidden, 25), (status, body.GetProperty("code").GetInt32()));

        (_, body) = await anonymous.SendAsync(HttpMethod.Get, "/admin/config");
        Assert.False(body.GetProperty("mailServiceEnabled").GetBoolean());

        // The owner's password still works: nothing was reset.
        using var owner = await node.OwnerAsync();
        Assert.Equal(AdminNode.OwnerEmail, await owner.EmailAsync());
    }

    [Fact]
    public async Task Clone_NameTakenIs17_ForeignServiceIs3_DetectionServiceClonesWithoutCollection()
    {
        using var owner = await node.OwnerAsync();
        var appId = await owner.CreateAppAsync();
        var otherApp = await owner.CreateAppAsync();
        var (detectionId, detectionKey) = await owner.CreateServiceAsync(appId, "DETECTION");
        var (_, details) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/model/{detectionId}");
        var name = details.GetProperty("name").GetString()!;

        var (status, body) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model/{detectionId}", new { name = name.ToUpperInvariant() });
        Assert.Equal((HttpStatusCode.BadRequest, 17), (status, body.GetProperty("code").GetInt32()));
        (status, body) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{otherApp}/model/{detectionId}", new { name = "copy" });
        Assert.Equal((HttpStatusCode.NotFound, 3), (status, body.GetProperty("code").GetInt32()));
        (status, body) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model/{Guid.NewGuid()}", new { name = "copy" });
        Assert.Equal((HttpStatusCode.NotFound, 10), (status, body.GetProperty("code").GetInt32()));
        (status, body) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model/{detectionId}", new { name = "a/b" });
        Assert.Equal((HttpStatusCode.BadRequest, 36), (status, body.GetProperty("code").GetInt32()));

        (status, body) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model/{detectionId}", new { name = "copy" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("DETECTION", body.GetProperty("type").GetString());
        var cloneKey = body.GetProperty("apiKey").GetString()!;
        Assert.NotEqual(detectionKey, cloneKey);

        // The clone's key opens the detection API at once.
        (status, body) = await owner.PostPhotoAsync("/api/v1/detection/detect", cloneKey, SharedData.SampleBytes("001_A.jpg"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Single(body.GetProperty("result").EnumerateArray());
        (_, body) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/models");
        Assert.Equal(2, body.GetArrayLength());
    }

    [Fact]
    public async Task Statistics_ServiceWithoutRequests_IsEmptyArray()
    {
        using var owner = await node.OwnerAsync();
        var appId = await owner.CreateAppAsync();
        var (serviceId, _) = await owner.CreateServiceAsync(appId, "VERIFY");
        var (status, body) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/model/{serviceId}/statistics");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, body.GetArrayLength());
    }
}
