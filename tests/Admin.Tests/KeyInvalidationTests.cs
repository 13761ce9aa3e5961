using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.Admin.Tests;

[Collection(AdminTestGroup.Name)]
public sealed class KeyInvalidationTests(AdminNode node)
{
    [Fact]
    public async Task RegenerateKey_OldKeyFailsAtOnce_NewKeyOpensTheSameCollection()
    {
        using var owner = await node.OwnerAsync();
        var appId = await owner.CreateAppAsync();
        var (serviceId, oldKey) = await owner.CreateServiceAsync(appId);
        var (status, _) = await owner.SendAsync(HttpMethod.Post, "/api/v1/recognition/subjects", new { subject = "Grace" }, oldKey);
        Assert.Equal(HttpStatusCode.Created, status);

        (status, var body) = await owner.SendAsync(HttpMethod.Put, $"/admin/app/{appId}/model/{serviceId}/apikey");
        Assert.Equal(HttpStatusCode.OK, status);
        var newKey = body.GetProperty("apiKey").GetString()!;
        Assert.NotEqual(oldKey, newKey);
        Assert.Equal(1, body.GetProperty("subjectCount").GetInt32());

        (status, body) = await owner.SendAsync(HttpMethod.Get, "/api/v1/recognition/subjects", apiKey: oldKey);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(10, body.GetProperty("code").GetInt32());

        (status, body) = await owner.SendAsync(HttpMethod.Get, "/api/v1/recognition/subjects", apiKey: newKey);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Grace", Assert.Single(body.GetProperty("subjects").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task DeleteService_KeyFailsAtOnce_AndTheCollectionIsGone()
    {
        using var owner = await node.OwnerAsync();
        var appId = await owner.CreateAppAsync();
        var (serviceId, key) = await owner.CreateServiceAsync(appId);
        var (status, _) = await owner.SendAsync(HttpMethod.Post, "/api/v1/recognition/subjects", new { subject = "Linus" }, key);
        Assert.Equal(HttpStatusCode.Created, status);

        (status, _) = await owner.SendAsync(HttpMethod.Delete, $"/admin/app/{appId}/model/{serviceId}");
        Assert.Equal(HttpStatusCode.OK, status);

        (status, var body) = await owner.SendAsync(HttpMethod.Get, "/api/v1/recognition/subjects", apiKey: key);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(10, body.GetProperty("code").GetInt32());
        (status, body) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/model/{serviceId}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(10, body.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task DeleteApplication_KeysOfItsServicesFailAtOnce()
    {
        using var owner = await node.OwnerAsync();
        var appId = await owner.CreateAppAsync();
        var (_, key) = await owner.CreateServiceAsync(appId, "DETECTION");

        var (status, _) = await owner.SendAsync(HttpMethod.Delete, $"/admin/app/{appId}");
        Assert.Equal(HttpStatusCode.OK, status);

        (status, var body) = await owner.SendAsync(HttpMethod.Post, "/api/v1/detection/detect", "{}", key);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(10, body.GetProperty("code").GetInt32());
        (status, body) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{appId}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(2, body.GetProperty("code").GetInt32());
    }
}

/// <summary>The demo model endpoint on a fresh node, where only the seeded demo user exists.</summary>
public sealed class DemoModelKeyTests
{
    [Fact]
    public async Task DemoModel_AfterTheDemoKeyRotates_ReturnsTheCurrentKey()
    {
        // CompreFace reads the key from the demo service, so clients and the UI never get a dead key.
        using var factory = new AdminFactory();
        using var client = AdminClient.Create(factory);
        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        var rotated = await grains.GetGrain<CompreFace.Grains.Interfaces.Admin.IFaceServiceGrain>(
            CompreFace.Grains.Interfaces.DemoServices.RecognitionServiceId).RegenerateKeyAsync();
        Assert.NotNull(rotated);

        var (status, body) = await client.SendAsync(HttpMethod.Get, "/admin/user/demo/model");

        Assert.Equal(HttpStatusCode.OK, status);
        var key = body.GetProperty("apiKey").GetString();
        Assert.Equal(rotated.ApiKey.ToString("D"), key);
        Assert.NotEqual(CompreFace.Grains.Interfaces.DemoServices.RecognitionApiKey, key);
        (status, _) = await client.SendAsync(HttpMethod.Get, "/api/v1/recognition/subjects", apiKey: key);
        Assert.Equal(HttpStatusCode.OK, status);
    }
}
