using System.Net;

namespace CompreFace.Admin.Tests;

/// <summary>The seed's usage steps 2–6 on a fresh node per store: sign up, log in, create an app and a service, use its key.</summary>
public sealed class JourneyTests
{
    private const string DemoKey = "00000000-0000-0000-0000-000000000002";

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task SignUpLoginCreateAppAndService_KeyOpensTheFaceApi(Store store)
    {
        using var factory = store == Store.Postgres ? new PostgresAdminFactory() : new AdminFactory();
        using var client = AdminClient.Create(factory);

        // Before any sign-up the demo model is offered and its seeded key works.
        var (status, body) = await client.SendAsync(HttpMethod.Get, "/admin/user/demo/model");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(DemoKey, body.GetProperty("apiKey").GetString());
        (status, _) = await client.SendAsync(HttpMethod.Get, "/api/v1/recognition/subjects", apiKey: DemoKey);
        Assert.Equal(HttpStatusCode.OK, status);

        await client.RegisterAsync("First.User@Example.com", "s3cret-password", "First", "User");
        await client.LoginAsync("first.user@example.com", "s3cret-password");

        // The first sign-up took over the demo user: global owner of the demo application.
        (status, body) = await client.SendAsync(HttpMethod.Get, "/admin/apps");
        Assert.Equal(HttpStatusCode.OK, status);
        var demo = Assert.Single(body.EnumerateArray());
        Assert.Equal("Demo application", demo.GetProperty("name").GetString());
        Assert.Equal("OWNER", demo.GetProperty("role").GetString());
        Assert.Equal("First", demo.GetProperty("owner").GetProperty("firstName").GetString());
        (status, _) = await client.SendAsync(HttpMethod.Get, "/admin/user/demo/model");
        Assert.Equal(HttpStatusCode.NotFound, status);

        var appId = await client.CreateAppAsync("My application");
        (status, body) = await client.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model", new { name = "Faces", type = "RECOGNITION" });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("RECOGNITION", body.GetProperty("type").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$", body.GetProperty("createdDate").GetString());
        var serviceId = body.GetProperty("id").GetGuid();

        (status, body) = await client.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/models");
        Assert.Equal(HttpStatusCode.OK, status);
        var listed = Assert.Single(body.EnumerateArray());
        Assert.False(listed.TryGetProperty("subjectCount", out _));
        var apiKey = listed.GetProperty("apiKey").GetString()!;

        (status, _) = await client.SendAsync(HttpMethod.Post, "/api/v1/recognition/subjects", new { subject = "Ada" }, apiKey);
        Assert.Equal(HttpStatusCode.Created, status);

        (status, body) = await client.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/model/{serviceId}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("subjectCount").GetInt32());
        Assert.Equal(0, body.GetProperty("imageCount").GetInt64());

        // The key is a recognition key only.
        (status, _) = await client.SendAsync(HttpMethod.Post, "/api/v1/detection/detect", "{}", apiKey);
        Assert.Equal(HttpStatusCode.NotFound, status);
    }
}
