using System.Net;
using System.Text.Json;
using CompreFace.Grains.Interfaces.Admin;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CompreFace.Admin.Tests;

/// <summary>
/// The audit log through the real node (docs/decisions/0025-audit-log.md): every recorded action of the admin and face
/// APIs, on both stores, read back from the database's rows; nothing secret in them; who may read them.
/// </summary>
public sealed class AuditLogTests
{
    private const string OwnerPassword = "owner-password-1";
    private const string NewOwnerPassword = "owner-password-2";
    private const string WrongPassword = "wrong-password-9";
    private const string MemberPassword = "member-password-1";

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task AdminAndFaceApiActions_EachRecordOneEvent_WithActorAddressAndTarget_AndNoSecretInAnyRow(Store store)
    {
        using var factory = store == Store.Postgres ? new PostgresAdminFactory() : new AdminFactory();
        using var owner = AdminClient.Create(factory);
        await owner.RegisterAsync("owner@example.com", OwnerPassword, "Olga", "Owner");
        using (var failed = await owner.TryLoginAsync("owner@example.com", WrongPassword))
        {
            Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
        }

        // A password typed into the login name field is never recorded.
        using (var confused = await owner.TryLoginAsync(WrongPassword, WrongPassword))
        {
            Assert.Equal(HttpStatusCode.BadRequest, confused.StatusCode);
        }

        await owner.LoginAsync("owner@example.com", OwnerPassword);
        var ownerId = await owner.UserIdAsync();
        using var member = await AdminClient.SignedUpAsync(factory, "member@example.com", MemberPassword, "Max", "Member");
        var memberId = await member.UserIdAsync();

        var appId = await owner.CreateAppAsync("Audited app");
        Ok(await owner.SendAsync(HttpMethod.Put, $"/admin/app/{appId}", new { name = "Audited app 2" }));
        var (_, app) = Ok(await owner.SendAsync(HttpMethod.Put, $"/admin/app/{appId}/apikey"));
        var appKey = app.GetProperty("apiKey").GetString()!;
        var (serviceId, firstKey) = await owner.CreateServiceAsync(appId);
        Ok(await owner.SendAsync(HttpMethod.Put, $"/admin/app/{appId}/model/{serviceId}", new { name = "Faces" }));
        var (_, regenerated) = Ok(await owner.SendAsync(HttpMethod.Put, $"/admin/app/{appId}/model/{serviceId}/apikey"));
        var key = regenerated.GetProperty("apiKey").GetString()!;
        var (_, clone) = Ok(await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model/{serviceId}", new { name = "Faces copy" }));
        var cloneKey = clone.GetProperty("apiKey").GetString()!;
        Ok(await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/invite", new { userEmail = "member@example.com", role = "USER" }));
        Ok(await owner.SendAsync(HttpMethod.Put, $"/admin/app/{appId}/role", new { userId = memberId, role = "ADMINISTRATOR" }));
        Ok(await owner.SendAsync(HttpMethod.Delete, $"/admin/app/{appId}/user/{memberId}"));
        Ok(await owner.SendAsync(HttpMethod.Put, "/admin/user/global/role", new { userId = memberId, role = "ADMINISTRATOR" }));
        Ok(await owner.SendAsync(HttpMethod.Put, "/admin/user/update", new { firstName = "Olga", lastName = "Owner-Smith" }));
        Ok(await owner.SendAsync(HttpMethod.Put, "/admin/user/me/password", new { oldPassword = OwnerPassword, newPassword = NewOwnerPassword }));

        // Face API writes, by the service's key.
        var (status, added) = await owner.PostPhotoAsync("/api/v1/recognition/faces?subject=Ann%20Secret", key, SharedData.SampleBytes("001_A.jpg"));
        Assert.Equal(HttpStatusCode.Created, status);
        var imageId = added.GetProperty("image_id").GetString()!;
        Ok(await owner.SendAsync(HttpMethod.Delete, $"/api/v1/recognition/faces/{imageId}", apiKey: key));
        (status, added) = await owner.PostPhotoAsync("/api/v1/recognition/faces?subject=Ann%20Secret", key, SharedData.SampleBytes("001_A.jpg"));
        Assert.Equal(HttpStatusCode.Created, status);
        Ok(await owner.SendAsync(HttpMethod.Post, "/api/v1/recognition/faces/delete", $"[\"{added.GetProperty("image_id").GetString()}\"]", key));
        await owner.PostPhotoAsync("/api/v1/recognition/faces?subject=Ann%20Secret", key, SharedData.SampleBytes("001_A.jpg"));
        Ok(await owner.SendAsync(HttpMethod.Delete, "/api/v1/recognition/faces?subject=Ann%20Secret", apiKey: key));
        Ok(await owner.SendAsync(HttpMethod.Post, "/api/v1/recognition/subjects", new { subject = "Bob Secret" }, key));
        Ok(await owner.SendAsync(HttpMethod.Put, "/api/v1/recognition/subjects/Bob%20Secret", new { subject = "Rob Secret" }, key));
        Ok(await owner.SendAsync(HttpMethod.Delete, "/api/v1/recognition/subjects/Rob%20Secret", apiKey: key));
        Ok(await owner.SendAsync(HttpMethod.Delete, "/api/v1/recognition/subjects", apiKey: key));

        // Reads are not recorded.
        Ok(await owner.SendAsync(HttpMethod.Get, "/api/v1/recognition/faces", apiKey: key));
        Ok(await owner.SendAsync(HttpMethod.Get, $"/admin/app/{appId}"));

        // A quota, a webhook's life (its URL's token never recorded: only the host), a sign-up invitation, and a member
        // signing out everywhere.
        Ok(await owner.SendAsync(HttpMethod.Put, $"/admin/app/{appId}/model/{serviceId}/quota", new { requestsPerSecond = 5, burst = 10 }));
        var hooks = $"/admin/app/{appId}/model/{serviceId}/webhooks";
        var hookSpec = new { url = "http://127.0.0.1:9/hook?token=Secret", events = (string[])["face.added"], enabled = true };
        var (_, hook) = Ok(await owner.SendAsync(HttpMethod.Post, hooks, hookSpec));
        var hookId = hook.GetProperty("id").GetString()!;
        Ok(await owner.SendAsync(HttpMethod.Put, $"{hooks}/{hookId}", hookSpec with { enabled = false }));
        Ok(await owner.SendAsync(HttpMethod.Delete, $"{hooks}/{hookId}"));
        Ok(await owner.SendAsync(HttpMethod.Post, "/admin/user/invitation", new { email = "Invited@Example.com" }));
        await member.LoginAgainAsync(); // the global role change ended the member's sessions (decision 0023)
        Ok(await member.SendAsync(HttpMethod.Post, "/admin/user/me/sessions/end"));

        Ok(await owner.SendAsync(HttpMethod.Delete, $"/admin/app/{appId}/model/{serviceId}"));
        Ok(await owner.SendAsync(HttpMethod.Delete, $"/admin/app/{appId}"));
        await member.LoginAgainAsync(); // signing out everywhere ended this session too
        Ok(await member.SendAsync(HttpMethod.Delete, $"/admin/user/{memberId}"));
        Ok(await owner.SendAsync(HttpMethod.Delete, "/admin/oauth/token"));

        var events = (await factory.Services.GetRequiredService<IAuditStore>().QueryAsync(new AuditQuery(Size: 1000))).Items
            .Select(e => e.Entry).Reverse().ToList();
        Assert.Equal(
            [
                AuditActions.SignUp, AuditActions.LoginFailed, AuditActions.LoginFailed, AuditActions.Login, AuditActions.SignUp, AuditActions.Login,
                AuditActions.ApplicationCreate, AuditActions.ApplicationRename, AuditActions.ApplicationKeyRegenerate, AuditActions.ServiceCreate,
                AuditActions.ServiceRename, AuditActions.ServiceKeyRegenerate, AuditActions.ServiceClone, AuditActions.MemberAdd,
                AuditActions.MemberRoleChange, AuditActions.MemberRemove, AuditActions.GlobalRoleChange, AuditActions.ProfileUpdate,
                AuditActions.PasswordChange, AuditActions.FaceAdd, AuditActions.FaceDelete, AuditActions.FaceAdd, AuditActions.FacesDelete,
                AuditActions.FaceAdd, AuditActions.SubjectFacesDelete, AuditActions.SubjectCreate, AuditActions.SubjectRename,
                AuditActions.SubjectDelete, AuditActions.SubjectsDeleteAll, AuditActions.ServiceQuotaChange, AuditActions.WebhookCreate,
                AuditActions.WebhookUpdate, AuditActions.WebhookDelete, AuditActions.SignUpInvite, AuditActions.Login, AuditActions.SessionsEnd,
                AuditActions.ServiceDelete, AuditActions.ApplicationDelete,
                AuditActions.Login, AuditActions.UserDelete, AuditActions.Logout,
            ],
            events.Select(e => e.Action));
        Assert.All(events, e => Assert.Equal("127.0.0.1", e.Address));

        Assert.Equal(new AuditEntry(AuditActions.SignUp, AuditActorKind.Anonymous, null, "owner@example.com", "127.0.0.1", TargetType: "user", TargetName: "owner@example.com"), events[0]);
        Assert.Equal(("owner@example.com", "Bad credentials"), (events[1].ActorName, events[1].Details));
        Assert.Null(events[2].ActorName);
        Assert.Equal((AuditActorKind.User, (Guid?)ownerId, "owner@example.com", (Guid?)appId), (events[6].ActorKind, events[6].ActorId, events[6].ActorName, events[6].AppId));
        Assert.Equal(("member", memberId.ToString(), "member@example.com", "role ADMINISTRATOR"), (events[14].TargetType, events[14].TargetId, events[14].TargetName, events[14].Details));
        Assert.Equal((memberId.ToString(), "role ADMINISTRATOR"), (events[16].TargetId, events[16].Details));

        var faceAdd = events[19];
        Assert.Equal((AuditActorKind.Service, (Guid?)serviceId, "Faces", (Guid?)appId, "face", imageId), (faceAdd.ActorKind, faceAdd.ActorId, faceAdd.ActorName, faceAdd.AppId, faceAdd.TargetType, faceAdd.TargetId));
        Assert.Equal("1 faces", events[22].Details);
        Assert.Equal("1 faces", events[24].Details);
        Assert.Equal(("service", serviceId.ToString(), "5 per second, burst 10", (Guid?)appId), (events[29].TargetType, events[29].TargetId, events[29].Details, events[29].AppId));
        Assert.Equal(("webhook", hookId, "127.0.0.1", "service " + serviceId), (events[30].TargetType, events[30].TargetId, events[30].TargetName, events[30].Details));
        Assert.Equal((hookId, "disabled, service " + serviceId), (events[31].TargetId, events[31].Details));
        Assert.Equal((hookId, (Guid?)appId), (events[32].TargetId, events[32].AppId));
        Assert.Equal((AuditActorKind.User, (Guid?)ownerId, "user", "invited@example.com"), (events[33].ActorKind, events[33].ActorId, events[33].TargetType, events[33].TargetName));
        Assert.Equal((AuditActorKind.User, (Guid?)memberId, memberId.ToString()), (events[35].ActorKind, events[35].ActorId, events[35].TargetId));
        Assert.Equal((AuditActorKind.User, (Guid?)memberId, memberId.ToString()), (events[39].ActorKind, events[39].ActorId, events[39].TargetId));
        Assert.Equal((AuditActorKind.User, (Guid?)ownerId), (events[40].ActorKind, events[40].ActorId));

        // Nothing secret in any stored row: no password, no API key (any of them), no subject name, no image bytes.
        var rows = await RawAuditRowsAsync(factory.Services);
        Assert.Equal(events.Count, rows.Count);
        var secrets = new[] { OwnerPassword, NewOwnerPassword, WrongPassword, MemberPassword, appKey, firstKey, key, cloneKey, "Secret" }
            .SelectMany(s => new[] { s, Guid.TryParse(s, out var g) ? g.ToString("N") : s })
            .ToArray();
        foreach (var row in rows)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, row, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public async Task AuditApi_ReadByOwnerAdminAppOwnerAndOthers_OnlyGlobalAdminsSeeAll_AppOwnerSeesTheirApp_OthersAre403Code1()
    {
        using var factory = new AdminFactory();
        using var owner = await AdminClient.SignedUpAsync(factory, "owner@example.com", OwnerPassword, "Olga", "Owner");
        var appA = await owner.CreateAppAsync("A");
        var appB = await owner.CreateAppAsync("B");
        using var appOwner = await AdminClient.SignedUpAsync(factory, "app-owner@example.com", MemberPassword, "Ada", "AppOwner");
        Ok(await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appA}/invite", new { userEmail = "app-owner@example.com", role = "OWNER" }));
        using var stranger = await AdminClient.SignedUpAsync(factory, "stranger@example.com", MemberPassword, "Sam", "Stranger");

        var (_, all) = Ok(await owner.SendAsync(HttpMethod.Get, "/admin/audit?size=100"));
        Assert.Contains(all.GetProperty("events").EnumerateArray(), e => e.GetProperty("action").GetString() == AuditActions.LoginFailed || e.GetProperty("appId").ValueKind == JsonValueKind.Null);
        Assert.Contains(all.GetProperty("events").EnumerateArray(), e => e.GetProperty("appId").GetString() == appB.ToString());
        var (_, created) = Ok(await owner.SendAsync(HttpMethod.Get, $"/admin/audit?action={AuditActions.ApplicationCreate}&actor=OWNER@example.com&from=2000-01-01T00:00:00Z"));
        Assert.Equal(2, created.GetProperty("total").GetInt64());
        Assert.Equal(["B", "A"], created.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("targetName").GetString()));
        var first = created.GetProperty("events")[0];
        Assert.Equal(("user", "owner@example.com", "127.0.0.1"), (first.GetProperty("actorType").GetString(), first.GetProperty("actorName").GetString(), first.GetProperty("address").GetString()));
        Assert.True(DateTimeOffset.TryParse(first.GetProperty("time").GetString(), out _));
        var (_, paged) = Ok(await owner.SendAsync(HttpMethod.Get, $"/admin/audit?action={AuditActions.ApplicationCreate}&page=1&size=1"));
        Assert.Equal(("A", 2L), (Assert.Single(paged.GetProperty("events").EnumerateArray()).GetProperty("targetName").GetString(), paged.GetProperty("total").GetInt64()));

        // The application's owner reads that application's events only; another application is refused.
        var (_, own) = Ok(await appOwner.SendAsync(HttpMethod.Get, "/admin/audit"));
        Assert.NotEmpty(own.GetProperty("events").EnumerateArray());
        Assert.All(own.GetProperty("events").EnumerateArray(), e => Assert.Equal(appA.ToString(), e.GetProperty("appId").GetString()));
        Refused(await appOwner.SendAsync(HttpMethod.Get, $"/admin/audit?appId={appB}"));

        // A user who owns no application, and a caller without a session, read nothing.
        Refused(await stranger.SendAsync(HttpMethod.Get, "/admin/audit"));
        using var anonymous = AdminClient.Create(factory);
        var (status, _) = await anonymous.SendAsync(HttpMethod.Get, "/admin/audit");
        Assert.Equal(HttpStatusCode.Unauthorized, status);

        // Bad filters are code 26 in CompreFace's shape.
        (status, var error) = await owner.SendAsync(HttpMethod.Get, "/admin/audit?from=yesterday");
        Assert.Equal((HttpStatusCode.BadRequest, 26), (status, error.GetProperty("code").GetInt32()));
        (status, error) = await owner.SendAsync(HttpMethod.Get, "/admin/audit?size=100000");
        Assert.Equal((HttpStatusCode.BadRequest, 26), (status, error.GetProperty("code").GetInt32()));
        (status, error) = await owner.SendAsync(HttpMethod.Get, "/admin/audit?action=user.teleport");
        Assert.Equal((HttpStatusCode.BadRequest, 26), (status, error.GetProperty("code").GetInt32()));
    }

    private static (HttpStatusCode Status, JsonElement Body) Ok((HttpStatusCode Status, JsonElement Body) response)
    {
        var (status, body) = response;
        Assert.True((int)status is >= 200 and < 300, $"{status}: {body}");
        return (status, body);
    }

    private static void Refused((HttpStatusCode Status, JsonElement Body) response)
    {
        var (status, body) = response;
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(1, body.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
    }

    /// <summary>Every stored audit row as one text of all its columns (ids also as their Guid text), read with plain SQL.</summary>
    private static async Task<List<string>> RawAuditRowsAsync(IServiceProvider services)
    {
        await using System.Data.Common.DbConnection connection = services.GetService<NpgsqlDataSource>() is { } postgres
            ? await postgres.OpenConnectionAsync()
            : await services.GetRequiredService<SqliteConnectionFactory>().OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM cf_audit_event";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            var columns = new List<string>();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                var value = reader.GetValue(i);
                columns.Add(value is byte[] { Length: 16 } bytes ? new Guid(bytes).ToString() + Convert.ToHexString(bytes) : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
            }

            rows.Add(string.Join('|', columns));
        }

        return rows;
    }
}
