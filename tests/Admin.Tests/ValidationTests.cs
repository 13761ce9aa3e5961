using System.Net;

namespace CompreFace.Admin.Tests;

/// <summary>Bad input gets CompreFace's codes (docs/compreface-behaviour.md#admin-error-codes), never a 500.</summary>
[Collection(AdminTestGroup.Name)]
public sealed class ValidationTests(AdminNode node)
{
    public static TheoryData<string, int> BadRegistrations => new()
    {
        { "{", 26 },
        { "", 26 },
        { "null", 26 },
        { "[]", 26 },
        { """{"email":"a@b.co","password":"p","lastName":"L"}""", 26 },
        { """{"email":"a@b.co","password":"p","firstName":" ","lastName":"L"}""", 26 },
        { """{"email":"a@b.co","password":"p","firstName":"F","lastName":"LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL"}""", 26 },
        { """{"password":"p","firstName":"F","lastName":"L"}""", 5 },
        { """{"email":"no-at-sign","password":"p","firstName":"F","lastName":"L"}""", 22 },
        { """{"email":"a@@b.co","password":"p","firstName":"F","lastName":"L"}""", 22 },
        { """{"email":"a@b.co","firstName":"F","lastName":"L"}""", 5 },
        { """{"email":"a@b.co","password":"","firstName":"F","lastName":"L"}""", 5 },
        { """{"email":123,"password":"p","firstName":"F","lastName":"L"}""", 26 },
    };

    [Theory, MemberData(nameof(BadRegistrations))]
    public async Task Register_BadInput_GetsTheSpecCode(string body, int code)
    {
        using var client = AdminClient.Create(node.Factory);
        var (status, json) = await client.SendAsync(HttpMethod.Post, "/admin/user/register", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(code, json.GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("short-7")]
    [InlineData("")]
    public async Task Register_PasswordOutside8To255_IsRefusedAndNothingIsStored(string tooShort)
    {
        using var client = AdminClient.Create(node.Factory);
        var email = "weak-" + Guid.NewGuid().ToString("N")[..8] + "@example.com";
        foreach (var password in new[] { tooShort, new string('p', 256) })
        {
            var (status, json) = await client.SendAsync(HttpMethod.Post, "/admin/user/register", new { email, password, firstName = "W", lastName = "P" });
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal(password.Length == 0 ? 5 : 26, json.GetProperty("code").GetInt32());
        }

        // Nothing was stored: the email is still free for a valid password.
        await client.RegisterAsync(email, "password-8", "W", "P");
        await client.LoginAsync(email, "password-8");
    }

    [Fact]
    public async Task Register_SameEmailInOtherCase_IsCode4()
    {
        using var client = AdminClient.Create(node.Factory);
        var (status, json) = await client.SendAsync(
            HttpMethod.Post, "/admin/user/register", new { email = AdminNode.OwnerEmail.ToUpperInvariant(), password = "password-x1", firstName = "F", lastName = "L" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(4, json.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Register_UnicodeAndSqlMetacharacters_AreStoredLiterally()
    {
        using var client = AdminClient.Create(node.Factory);
        var email = "o'brien+" + Guid.NewGuid().ToString("N")[..8] + "@exämple.com";
        await client.RegisterAsync(email, "pa'ss\"; DROP TABLE cf_user;--", "Zoë 🙂", "O'Brien; --");
        await client.LoginAsync(email, "pa'ss\"; DROP TABLE cf_user;--");
        var (_, me) = await client.SendAsync(HttpMethod.Get, "/admin/user/me");
        Assert.Equal("Zoë 🙂", me.GetProperty("firstName").GetString());
        Assert.Equal("O'Brien; --", me.GetProperty("lastName").GetString());
    }

    public static TheoryData<string, int> BadNames => new()
    {
        { """{"name":""}""", 26 },
        { """{"name":"   "}""", 26 },
        { """{}""", 26 },
        { """{"name":"123456789012345678901234567890123456789012345678901"}""", 26 },
        { """{"name":"a;b"}""", 36 },
        { """{"name":"a/b"}""", 36 },
        { """{"name":"a\\b"}""", 36 },
        { """{"name":""", 26 },
        { """{"name":42}""", 26 },
    };

    [Theory, MemberData(nameof(BadNames))]
    public async Task AppAndServiceNames_BadInput_GetTheSpecCode(string body, int code)
    {
        using var owner = await node.OwnerAsync();
        var (status, json) = await owner.SendAsync(HttpMethod.Post, "/admin/app", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(code, json.GetProperty("code").GetInt32());

        var appId = await owner.CreateAppAsync();
        (status, json) = await owner.SendAsync(HttpMethod.Put, $"/admin/app/{appId}", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(code, json.GetProperty("code").GetInt32());

        var withType = body.StartsWith("{\"name\":\"", StringComparison.Ordinal) && body.EndsWith("\"}", StringComparison.Ordinal)
            ? body[..^1] + ",\"type\":\"DETECTION\"}"
            : body;
        (status, json) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model", withType);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(code, json.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task AppName_UnicodeAndSqlMetacharacters_AreAccepted_DuplicatesAreCode17()
    {
        using var owner = await node.OwnerAsync();
        var name = "Ünïcode ' OR '1'='1 🙂 " + Guid.NewGuid().ToString("N")[..6];
        var (status, json) = await owner.SendAsync(HttpMethod.Post, "/admin/app", new { name });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(name, json.GetProperty("name").GetString());
        Assert.Equal("OWNER", json.GetProperty("role").GetString());

        (status, json) = await owner.SendAsync(HttpMethod.Post, "/admin/app", new { name });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(17, json.GetProperty("code").GetInt32());
        Assert.Equal($"Name {name} is not unique", json.GetProperty("message").GetString());

        // Case-sensitive for applications.
        (status, _) = await owner.SendAsync(HttpMethod.Post, "/admin/app", new { name = name.ToUpperInvariant() });
        Assert.Equal(HttpStatusCode.Created, status);
    }

    [Fact]
    public async Task ServiceNames_UniqueCaseInsensitivelyWithinApp_AndRenameToSameNameIsCode17()
    {
        using var owner = await node.OwnerAsync();
        var appId = await owner.CreateAppAsync();
        var (status, json) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model", new { name = "Front Door", type = "VERIFY" });
        Assert.Equal(HttpStatusCode.Created, status);
        var serviceId = json.GetProperty("id").GetGuid();

        (status, json) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model", new { name = "FRONT door", type = "DETECTION" });
        Assert.Equal(17, json.GetProperty("code").GetInt32());
        (status, json) = await owner.SendAsync(HttpMethod.Put, $"/admin/app/{appId}/model/{serviceId}", new { name = "Front Door" });
        Assert.Equal(17, json.GetProperty("code").GetInt32());
        (status, json) = await owner.SendAsync(HttpMethod.Put, $"/admin/app/{appId}/model/{serviceId}", new { name = "Back Door" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Back Door", json.GetProperty("name").GetString());
        Assert.Equal("VERIFY", json.GetProperty("type").GetString());

        var otherApp = await owner.CreateAppAsync();
        (status, _) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{otherApp}/model", new { name = "Back Door", type = "VERIFY" });
        Assert.Equal(HttpStatusCode.Created, status);
    }

    [Fact]
    public async Task ServiceType_Unknown_IsCode26()
    {
        using var owner = await node.OwnerAsync();
        var appId = await owner.CreateAppAsync();
        var (status, json) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model", new { name = "x", type = "VERIFICATION" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(26, json.GetProperty("code").GetInt32());
        Assert.Equal("Model Type 'VERIFICATION' doesn't exist!", json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Paths_BadGuidsAndUnknownIds_GetTheSpecCodes()
    {
        using var owner = await node.OwnerAsync();
        var (status, json) = await owner.SendAsync(HttpMethod.Get, "/admin/app/not-a-guid");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(26, json.GetProperty("code").GetInt32());

        var missing = Guid.NewGuid();
        (status, json) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{missing}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(2, json.GetProperty("code").GetInt32());
        Assert.Equal($"App {missing} not found", json.GetProperty("message").GetString());

        var appId = await owner.CreateAppAsync();
        (status, json) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/model/{missing}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(10, json.GetProperty("code").GetInt32());
        Assert.Equal($" service with API Key {missing} not found", json.GetProperty("message").GetString());

        var otherApp = await owner.CreateAppAsync();
        var (serviceId, _) = await owner.CreateServiceAsync(otherApp);
        (status, json) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/model/{serviceId}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(3, json.GetProperty("code").GetInt32());
    }
}
