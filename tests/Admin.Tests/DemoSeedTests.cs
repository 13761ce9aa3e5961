using System.Net;
using Microsoft.AspNetCore.Hosting;

namespace CompreFace.Admin.Tests;

/// <summary>
/// <c>Admin:SeedDemo=false</c> (the compose and Kubernetes recipes): no service answers to CompreFace's published demo
/// keys, the demo model is gone, and the first sign-up (from the node's host) becomes the owner of a server without the
/// demo application. Each store on its own fresh node.
/// </summary>
public sealed class DemoSeedTests
{
    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task SeedDemoOff_PublishedKeysOpenNothingAndTheFirstSignUpIsTheOwner(Store store)
    {
        using AdminFactory factory = store == Store.Sqlite ? new NoDemoFactory() : new NoDemoPostgresFactory();
        using var client = AdminClient.Create(factory);

        foreach (var (path, key) in new[]
                 {
                     ("/api/v1/recognition/subjects", CompreFace.Grains.Interfaces.DemoServices.RecognitionApiKey),
                     ("/api/v1/detection/detect", CompreFace.Grains.Interfaces.DemoServices.DetectionApiKey),
                     ("/api/v1/verification/verify", CompreFace.Grains.Interfaces.DemoServices.VerificationApiKey),
                 })
        {
            using var request = new HttpRequestMessage(path.EndsWith("subjects", StringComparison.Ordinal) ? HttpMethod.Get : HttpMethod.Post, path);
            request.Headers.Add("x-api-key", key);
            using var response = await client.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("\"code\":10", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var (demoStatus, _) = await client.SendAsync(HttpMethod.Get, "/admin/user/demo/model");
        Assert.Equal(HttpStatusCode.NotFound, demoStatus);

        await client.RegisterAsync("first@example.com", "password-123", "Fir", "St");
        await client.LoginAsync("first@example.com", "password-123");
        var (appsStatus, apps) = await client.SendAsync(HttpMethod.Get, "/admin/apps");
        Assert.Equal(HttpStatusCode.OK, appsStatus);
        Assert.Equal(0, apps.GetArrayLength());

        // The owner: the one user, global role OWNER (the list is for global owners and administrators only).
        var (rolesStatus, roles) = await client.SendAsync(HttpMethod.Get, "/admin/user/roles");
        Assert.Equal(HttpStatusCode.OK, rolesStatus);
        Assert.Equal("OWNER", Assert.Single(roles.EnumerateArray()).GetProperty("role").GetString());
    }

    private sealed class NoDemoFactory : AdminFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Admin:SeedDemo", "false");
        }
    }

    private sealed class NoDemoPostgresFactory : PostgresAdminFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Admin:SeedDemo", "false");
        }
    }
}
