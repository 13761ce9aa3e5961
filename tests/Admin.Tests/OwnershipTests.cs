using System.Net;

namespace CompreFace.Admin.Tests;

/// <summary>
/// Global ownership transfer and user deletion (docs/compreface-behaviour.md#roles-and-permissions, docs/compreface-behaviour.md#users) on a fresh node per store: these change who the
/// global owner is, which the shared node's other tests rely on.
/// </summary>
public sealed class OwnershipTests
{
    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task GrantingOwner_DemotesTheOwner_ThenDeletedUsersHandTheirAppsOver(Store store)
    {
        using var factory = store == Store.Postgres ? new PostgresAdminFactory() : new AdminFactory();
        using var first = await SignUpAsync(factory, "first@example.com");
        using var second = await SignUpAsync(factory, "second@example.com");
        using var third = await SignUpAsync(factory, "third@example.com");
        var firstId = await first.UserIdAsync();
        var secondId = await second.UserIdAsync();
        var thirdId = await third.UserIdAsync();

        // The owner makes the second user an administrator (whose sessions end with the role change), who may not grant OWNER.
        var (status, body) = await first.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { userId = secondId, role = "ADMINISTRATOR" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((secondId, "ADMINISTRATOR", "second@example.com"), (body.GetProperty("userId").GetGuid(), body.GetProperty("role").GetString(), body.GetProperty("email").GetString()));
        await second.LoginAgainAsync();
        (status, body) = await second.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { userId = thirdId, role = "OWNER" });
        Assert.Equal((HttpStatusCode.BadRequest, 9), (status, body.GetProperty("code").GetInt32()));

        // The owner grants OWNER to the second user and is demoted to ADMINISTRATOR: still exactly one owner.
        (status, body) = await first.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { userId = secondId, role = "OWNER" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("OWNER", body.GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await first.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);
        await first.LoginAgainAsync();
        await second.LoginAgainAsync();
        Assert.Equal(new Dictionary<Guid, string> { [firstId] = "ADMINISTRATOR", [secondId] = "OWNER", [thirdId] = "USER" }, await GlobalRolesAsync(first));

        // The new owner's role is fixed (code 9, as CompreFace); nobody changes their own (code 14).
        (status, body) = await first.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { userId = secondId, role = "USER" });
        Assert.Equal((HttpStatusCode.BadRequest, 9), (status, body.GetProperty("code").GetInt32()));
        (status, body) = await first.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { userId = firstId, role = "USER" });
        Assert.Equal((HttpStatusCode.BadRequest, 14), (status, body.GetProperty("code").GetInt32()));

        // The former owner (an administrator now) still owns the demo application; deleting them hands it to the
        // deleter by default.
        var demoApp = Guid.Parse("00000000-0000-0000-0000-000000000001");
        Assert.Equal(firstId, await AppOwnerAsync(second, demoApp));
        (status, _) = await second.SendAsync(HttpMethod.Delete, $"/admin/user/{firstId}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(secondId, await AppOwnerAsync(second, demoApp));
        Assert.DoesNotContain(firstId, (await GlobalRolesAsync(second)).Keys);

        // The deleted user's session ended with the account (CompreFace: 403 code 1; docs/compatibility.md).
        (status, body) = await first.SendAsync(HttpMethod.Get, "/admin/user/me");
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_token"), (status, body.GetProperty("error").GetString()));

        // A user who leaves on their own hands their applications to the global owner, whatever the replacer says.
        var appId = await second.CreateAppAsync();
        (status, _) = await second.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/invite", new { userEmail = "third@example.com", role = "OWNER" });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(thirdId, await AppOwnerAsync(second, appId));
        (status, _) = await third.SendAsync(HttpMethod.Delete, $"/admin/user/{thirdId}?replacer=DELETER");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(secondId, await AppOwnerAsync(second, appId));

        // The global owner cannot be deleted, not even by themselves.
        (status, body) = await second.SendAsync(HttpMethod.Delete, $"/admin/user/{secondId}");
        Assert.Equal((HttpStatusCode.BadRequest, 9, "Global owner cannot be removed!"), (status, body.GetProperty("code").GetInt32(), body.GetProperty("message").GetString()));
    }

    private static async Task<AdminClient> SignUpAsync(AdminFactory factory, string email)
    {
        var client = AdminClient.Create(factory);
        await client.RegisterAsync(email, "password-123", email[..email.IndexOf('@', StringComparison.Ordinal)], "Tester");
        await client.LoginAsync(email, "password-123");
        return client;
    }

    private static async Task<Dictionary<Guid, string>> GlobalRolesAsync(AdminClient client)
    {
        var (status, body) = await client.SendAsync(HttpMethod.Get, "/admin/user/roles");
        Assert.Equal(HttpStatusCode.OK, status);
        return body.EnumerateArray().ToDictionary(u => u.GetProperty("userId").GetGuid(), u => u.GetProperty("role").GetString()!);
    }

    private static async Task<Guid> AppOwnerAsync(AdminClient client, Guid appId)
    {
        var (status, body) = await client.SendAsync(HttpMethod.Get, $"/admin/app/{appId}");
        Assert.Equal(HttpStatusCode.OK, status);
        return body.GetProperty("owner").GetProperty("userId").GetGuid();
    }
}
