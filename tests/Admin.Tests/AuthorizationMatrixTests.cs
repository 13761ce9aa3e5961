using CompreFace.Grains.Storage;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Admin.Tests;

/// <summary>
/// Every implemented admin endpoint × every principal × the principal's own or a foreign application (docs/compreface-behaviour.md#roles-and-permissions):
/// allowed calls succeed, denied ones are 400 code 9 and change nothing. "Own" means the principal holds its app role
/// in the target application; "foreign" means it holds that role in another application only.
/// </summary>
[Collection(AdminTestGroup.Name)]
public sealed class AuthorizationMatrixTests(AdminNode node)
{
    /// <summary>What an endpoint needs, as docs/compreface-behaviour.md#roles-and-permissions says.</summary>
    public enum Need
    {
        Anyone,
        GlobalAdmin,
        Read,
        ManageServices,
        ManageApp,

        /// <summary>Owner or administrator of any application (who may invite people), not necessarily the target.</summary>
        ManagerOfSomeApp,
    }

    private static readonly (string Name, Need Need, HttpMethod Method, string Path, string? Body)[] Endpoints =
    [
        ("GET /user/me", Need.Anyone, HttpMethod.Get, "/admin/user/me", null),
        ("GET /apps", Need.Anyone, HttpMethod.Get, "/admin/apps", null),
        ("POST /app", Need.GlobalAdmin, HttpMethod.Post, "/admin/app", """{"name":"{new}"}"""),
        ("GET /app/{a}", Need.Read, HttpMethod.Get, "/admin/app/{a}", null),
        ("PUT /app/{a}", Need.ManageApp, HttpMethod.Put, "/admin/app/{a}", """{"name":"{new}"}"""),
        ("PUT /app/{a}/apikey", Need.ManageApp, HttpMethod.Put, "/admin/app/{a}/apikey", null),
        ("DELETE /app/{a}", Need.ManageApp, HttpMethod.Delete, "/admin/app/{a}", null),
        ("GET /app/{a}/models", Need.Read, HttpMethod.Get, "/admin/app/{a}/models", null),
        ("GET /app/{a}/model/{m}", Need.Read, HttpMethod.Get, "/admin/app/{a}/model/{m}", null),
        ("POST /app/{a}/model", Need.ManageServices, HttpMethod.Post, "/admin/app/{a}/model", """{"name":"{new}","type":"DETECTION"}"""),
        ("PUT /app/{a}/model/{m}", Need.ManageServices, HttpMethod.Put, "/admin/app/{a}/model/{m}", """{"name":"{new}"}"""),
        ("PUT /app/{a}/model/{m}/apikey", Need.ManageServices, HttpMethod.Put, "/admin/app/{a}/model/{m}/apikey", null),
        ("DELETE /app/{a}/model/{m}", Need.ManageServices, HttpMethod.Delete, "/admin/app/{a}/model/{m}", null),
        ("GET /app/{a}/assign-roles", Need.Read, HttpMethod.Get, "/admin/app/{a}/assign-roles", null),
        ("GET /app/{a}/roles", Need.Read, HttpMethod.Get, "/admin/app/{a}/roles?search=b", null),
        ("POST /app/{a}/invite", Need.ManageApp, HttpMethod.Post, "/admin/app/{a}/invite", """{"userEmail":"bystander@example.com","role":"USER"}"""),
        ("PUT /app/{a}/role", Need.ManageApp, HttpMethod.Put, "/admin/app/{a}/role", """{"userId":"{bystander}","role":"ADMINISTRATOR"}"""),
        ("DELETE /app/{a}/user/{bystander}", Need.ManageApp, HttpMethod.Delete, "/admin/app/{a}/user/{bystander}", null),
        ("PUT /user/update", Need.Anyone, HttpMethod.Put, "/admin/user/update", """{"firstName":"Olga","lastName":"Owner"}"""),
        ("GET /user/roles", Need.GlobalAdmin, HttpMethod.Get, "/admin/user/roles", null),
        ("GET /user/global/roles", Need.Anyone, HttpMethod.Get, "/admin/user/global/roles", null),
        ("GET /user/global/assign-roles", Need.Anyone, HttpMethod.Get, "/admin/user/global/assign-roles", null),
        ("PUT /user/global/role", Need.GlobalAdmin, HttpMethod.Put, "/admin/user/global/role", """{"userId":"{bystander}","role":"USER"}"""),
        ("DELETE /user/{fresh}", Need.GlobalAdmin, HttpMethod.Delete, "/admin/user/{fresh}", null),
        ("GET /user/autocomplete", Need.ManagerOfSomeApp, HttpMethod.Get, "/admin/user/autocomplete?query=b", null),
        ("POST /app/{a}/model/{m} (clone)", Need.ManageServices, HttpMethod.Post, "/admin/app/{a}/model/{m}", """{"name":"{new}"}"""),
        ("GET /app/{a}/model/{m}/statistics", Need.Read, HttpMethod.Get, "/admin/app/{a}/model/{m}/statistics", null),
        ("GET /app/{a}/model/{m}/quota", Need.Read, HttpMethod.Get, "/admin/app/{a}/model/{m}/quota", null),
        ("PUT /app/{a}/model/{m}/quota", Need.ManageServices, HttpMethod.Put, "/admin/app/{a}/model/{m}/quota", """{"requestsPerSecond":1000,"burst":1000}"""),
        ("GET /app/{a}/model/{m}/webhooks", Need.ManageServices, HttpMethod.Get, "/admin/app/{a}/model/{m}/webhooks", null),
        ("POST /app/{a}/model/{m}/webhooks", Need.ManageServices, HttpMethod.Post, "/admin/app/{a}/model/{m}/webhooks", """{"url":"http://127.0.0.1:9/hook"}"""),
        ("GET /app/{a}/model/{m}/webhooks/deliveries", Need.ManageServices, HttpMethod.Get, "/admin/app/{a}/model/{m}/webhooks/deliveries", null),
    ];

    public static TheoryData<string, Principal, bool> Cases()
    {
        var data = new TheoryData<string, Principal, bool>();
        foreach (var endpoint in Endpoints)
        {
            foreach (var principal in Enum.GetValues<Principal>())
            {
                data.Add(endpoint.Name, principal, true);
                data.Add(endpoint.Name, principal, false);
            }
        }

        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public async Task Endpoint_Principal_Application_AllowedOrCode9(string endpointName, Principal principal, bool ownApplication)
    {
        var endpoint = Endpoints.Single(e => e.Name == endpointName);
        var clients = await node.PrincipalsAsync();
        var owner = clients[Principal.GlobalOwner];
        var caller = clients[principal];
        var store = node.Factory.Services.GetRequiredService<IAdminStore>();

        // The target application (created by the global owner) and, for "foreign", the application the caller belongs to.
        var target = await owner.CreateAppAsync();
        var (serviceId, serviceKey) = await owner.CreateServiceAsync(target);
        var home = ownApplication ? target : await owner.CreateAppAsync();
        var appRole = principal switch
        {
            Principal.AppOwner => Role.Owner,
            Principal.AppAdministrator => Role.Administrator,
            Principal.AppUser => Role.User,
            _ => (Role?)null,
        };
        if (appRole is { } role)
        {
            await store.SetMemberRoleAsync(home, await caller.UserIdAsync(), role);
        }

        // The bystander is a USER of the target, except when the endpoint invites them.
        var bystander = await node.BystanderIdAsync();
        if (!endpointName.Contains("invite", StringComparison.Ordinal))
        {
            await store.SetMemberRoleAsync(target, bystander, Role.User);
        }

        // A user to delete, registered for the endpoint that deletes one (another user: self-removal is always allowed).
        var fresh = Guid.Empty;
        if (endpoint.Path.Contains("{fresh}", StringComparison.Ordinal))
        {
            using var freshClient = await node.NewUserAsync();
            fresh = await freshClient.UserIdAsync();
        }

        var (_, before) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{target}");
        var (_, usersBefore) = await owner.SendAsync(HttpMethod.Get, "/admin/user/roles");
        var (_, membersBefore) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{target}/roles");
        var body = endpoint.Body?.Replace("{new}", "n-" + Guid.NewGuid().ToString("N")[..10], StringComparison.Ordinal)
            .Replace("{bystander}", bystander.ToString(), StringComparison.Ordinal);
        var path = endpoint.Path.Replace("{a}", target.ToString(), StringComparison.Ordinal).Replace("{m}", serviceId.ToString(), StringComparison.Ordinal)
            .Replace("{bystander}", bystander.ToString(), StringComparison.Ordinal).Replace("{fresh}", fresh.ToString(), StringComparison.Ordinal);
        var (status, json) = await caller.SendAsync(endpoint.Method, path, body);

        var globalAdmin = principal is Principal.GlobalOwner or Principal.GlobalAdministrator;
        var targetRole = ownApplication ? appRole : null;
        var allowed = globalAdmin || endpoint.Need switch
        {
            Need.Anyone => true,
            Need.GlobalAdmin => false,
            Need.Read => targetRole is not null,
            Need.ManageServices => targetRole is Role.Owner or Role.Administrator,
            Need.ManagerOfSomeApp => appRole is Role.Owner or Role.Administrator,
            _ => targetRole is Role.Owner,
        };

        if (allowed)
        {
            Assert.True((int)status is >= 200 and < 300, $"{endpointName} as {principal} ({(ownApplication ? "own" : "foreign")}): {status} {json}");
        }
        else
        {
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal(9, json.GetProperty("code").GetInt32());

            // Nothing changed: same application (name, key) and the same service key.
            var (_, after) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{target}");
            Assert.Equal(before.GetRawText(), after.GetRawText());
            var (_, membersAfter) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{target}/roles");
            Assert.Equal(membersBefore.GetRawText(), membersAfter.GetRawText());
            var (serviceStatus, service) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{target}/model/{serviceId}");
            Assert.Equal(HttpStatusCode.OK, serviceStatus);
            Assert.Equal(serviceKey, service.GetProperty("apiKey").GetString());
            var (_, quota) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{target}/model/{serviceId}/quota");
            Assert.Equal(System.Text.Json.JsonValueKind.Null, quota.GetProperty("requestsPerSecond").ValueKind);
            var (_, webhooks) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{target}/model/{serviceId}/webhooks");
            Assert.Equal(0, webhooks.GetArrayLength());

            // Same users with the same global roles; the application still has only its one service.
            var (_, usersAfter) = await owner.SendAsync(HttpMethod.Get, "/admin/user/roles");
            Assert.Equal(usersBefore.GetRawText(), usersAfter.GetRawText());
            var (_, services) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{target}/models");
            Assert.Equal(1, services.GetArrayLength());
        }

        if (endpointName == "GET /apps")
        {
            // Listing never shows a foreign application to a global USER.
            var visible = json.EnumerateArray().Any(a => a.GetProperty("id").GetGuid() == target);
            Assert.Equal(globalAdmin || targetRole is not null, visible);
        }
    }
}
