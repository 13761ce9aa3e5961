using System.Net;

namespace CompreFace.Admin.Tests;

/// <summary>Members and roles with the invariants of docs/compreface-behaviour.md#roles-and-permissions.</summary>
[Collection(AdminTestGroup.Name)]
public sealed class MemberTests(AdminNode node)
{
    [Fact]
    public async Task Invite_KnownUser_Is201_ThenCode19_UnknownIs16_BadRoleIs0()
    {
        using var owner = await node.OwnerAsync();
        var appId = await owner.CreateAppAsync();
        using var user = await node.NewUserAsync();
        var (_, me) = await user.SendAsync(HttpMethod.Get, "/admin/user/me");
        var email = me.GetProperty("email").GetString()!;

        var (status, json) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/invite", new { userEmail = email.ToUpperInvariant(), role = "USER" });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("USER", json.GetProperty("role").GetString());
        Assert.Equal(email, json.GetProperty("email").GetString());

        (status, json) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/invite", new { userEmail = email, role = "USER" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(19, json.GetProperty("code").GetInt32());

        (status, json) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/invite", new { userEmail = "nobody@example.com", role = "USER" });
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(16, json.GetProperty("code").GetInt32());

        // The role is read last, as CompreFace does: for a member, code 19 wins; for a new user, the bad role is code 0.
        (status, json) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/invite", new { userEmail = email, role = "KING" });
        Assert.Equal(19, json.GetProperty("code").GetInt32());
        using var other = await node.NewUserAsync();
        var (_, otherMe) = await other.SendAsync(HttpMethod.Get, "/admin/user/me");
        (status, json) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/invite", new { userEmail = otherMe.GetProperty("email").GetString(), role = "KING" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(0, json.GetProperty("code").GetInt32());

        // The invited user now sees the application, with their role.
        (status, json) = await user.SendAsync(HttpMethod.Get, $"/admin/app/{appId}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("USER", json.GetProperty("role").GetString());
    }

    [Fact]
    public async Task MakingSomeoneAppOwner_DemotesThePreviousOwner_WhoseRoleThenChangesNoMore()
    {
        using var owner = await node.OwnerAsync();
        var ownerId = await owner.UserIdAsync();
        var appId = await owner.CreateAppAsync();
        using var user = await node.NewUserAsync();
        var userId = await user.UserIdAsync();
        var (_, me) = await user.SendAsync(HttpMethod.Get, "/admin/user/me");
        await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/invite", new { userEmail = me.GetProperty("email").GetString(), role = "USER" });

        var (status, json) = await owner.SendAsync(HttpMethod.Put, $"/admin/app/{appId}/role", new { userId, role = "OWNER" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("OWNER", json.GetProperty("role").GetString());

        (_, json) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/roles");
        var roles = json.EnumerateArray().ToDictionary(m => m.GetProperty("userId").GetGuid(), m => m.GetProperty("role").GetString());
        Assert.Equal("OWNER", roles[userId]);
        Assert.Equal("ADMINISTRATOR", roles[ownerId]);

        // The app owner's role cannot be changed (code 9), their own included (CompreFace has no own-role check on
        // application roles), and the owner cannot be removed.
        (status, json) = await owner.SendAsync(HttpMethod.Put, $"/admin/app/{appId}/role", new { userId, role = "USER" });
        Assert.Equal(9, json.GetProperty("code").GetInt32());
        (status, json) = await user.SendAsync(HttpMethod.Put, $"/admin/app/{appId}/role", new { userId = ownerId, role = "USER" });
        Assert.Equal(HttpStatusCode.OK, status);
        (status, json) = await user.SendAsync(HttpMethod.Put, $"/admin/app/{appId}/role", new { userId, role = "USER" });
        Assert.Equal(9, json.GetProperty("code").GetInt32());
        (status, json) = await owner.SendAsync(HttpMethod.Put, $"/admin/app/{appId}/role", new { userId = ownerId, role = "KING" });
        Assert.Equal((HttpStatusCode.BadRequest, 26, "Global role 'KING' doesn't exist!"), (status, json.GetProperty("code").GetInt32(), json.GetProperty("message").GetString()));

        // A user who is not a member: 404 code 16 (CompreFace: 400 code 0; docs/compatibility.md).
        using var stranger = await node.NewUserAsync();
        (status, json) = await user.SendAsync(HttpMethod.Put, $"/admin/app/{appId}/role", new { userId = await stranger.UserIdAsync(), role = "USER" });
        Assert.Equal((HttpStatusCode.NotFound, 16), (status, json.GetProperty("code").GetInt32()));
        (status, json) = await owner.SendAsync(HttpMethod.Delete, $"/admin/app/{appId}/user/{userId}");
        Assert.Equal(9, json.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task AppUser_MayRemoveOnlyThemselves()
    {
        using var owner = await node.OwnerAsync();
        var appId = await owner.CreateAppAsync();
        using var first = await node.NewUserAsync();
        using var second = await node.NewUserAsync();
        foreach (var client in new[] { first, second })
        {
            var (_, me) = await client.SendAsync(HttpMethod.Get, "/admin/user/me");
            await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/invite", new { userEmail = me.GetProperty("email").GetString(), role = "USER" });
        }

        var (status, json) = await first.SendAsync(HttpMethod.Delete, $"/admin/app/{appId}/user/{await second.UserIdAsync()}");
        Assert.Equal(9, json.GetProperty("code").GetInt32());
        (status, _) = await first.SendAsync(HttpMethod.Delete, $"/admin/app/{appId}/user/{await first.UserIdAsync()}");
        Assert.Equal(HttpStatusCode.OK, status);
        (status, json) = await first.SendAsync(HttpMethod.Get, $"/admin/app/{appId}");
        Assert.Equal(9, json.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task GlobalRoles_ListedAndAssignablePerCaller()
    {
        using var owner = await node.OwnerAsync();
        using var user = await node.NewUserAsync();
        var (_, roles) = await user.SendAsync(HttpMethod.Get, "/admin/user/global/roles");
        Assert.Equal(["OWNER", "ADMINISTRATOR", "USER"], roles.EnumerateArray().Select(r => r.GetString()));
        var (_, assignable) = await owner.SendAsync(HttpMethod.Get, "/admin/user/global/assign-roles");
        Assert.Equal(3, assignable.GetArrayLength());
        (_, assignable) = await user.SendAsync(HttpMethod.Get, "/admin/user/global/assign-roles");
        Assert.Equal(0, assignable.GetArrayLength());

        // Listing every user is for global administrators (P7): a plain user is refused with code 9.
        var (refused, refusal) = await user.SendAsync(HttpMethod.Get, "/admin/user/roles");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused);
        Assert.Equal(9, refusal.GetProperty("code").GetInt32());
        var (_, users) = await owner.SendAsync(HttpMethod.Get, "/admin/user/roles");
        var ownerRow = users.EnumerateArray().Single(u => u.GetProperty("email").GetString() == AdminNode.OwnerEmail);
        Assert.Equal("OWNER", ownerRow.GetProperty("role").GetString());
    }
}
