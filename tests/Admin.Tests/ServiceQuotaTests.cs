using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;

namespace CompreFace.Admin.Tests;

/// <summary>
/// Request quotas per face service (<c>PUT /admin/app/{a}/model/{m}/quota</c>, decision 0024) on a node whose
/// node-wide default (<c>RateLimits:ApiKey</c>) is 5 requests a second with a burst of 10. The buckets that must run
/// out allow one request every 100 s, so no refill can happen during a test whatever the machine's load; the mapping
/// of other rates to buckets is tested in WebApi.Tests (<c>QuotaBucketTests</c>).
/// </summary>
public sealed class ServiceQuotaTests(ServiceQuotaTests.QuotaNode node) : IClassFixture<ServiceQuotaTests.QuotaNode>
{
    private const string SubjectsUrl = "/api/v1/recognition/subjects";

    [Fact]
    public async Task Quota_BurstSpent_Is429WithRetryAfterAndTheErrorShapeWhileAnotherServiceIsServed()
    {
        using var owner = await node.OwnerAsync();
        var appId = await owner.CreateAppAsync();
        var (limited, limitedKey) = await owner.CreateServiceAsync(appId);
        var (_, otherKey) = await owner.CreateServiceAsync(appId);

        var (status, body) = await owner.SendAsync(HttpMethod.Put, $"/admin/app/{appId}/model/{limited}/quota", new { requestsPerSecond = 0.01, burst = 2 });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"requestsPerSecond":0.01,"burst":2,"defaultRequestsPerSecond":5,"defaultBurst":10}""", body.GetRawText());
        for (var i = 0; i < 2; i++)
        {
            using var served = await GetSubjectsAsync(owner, limitedKey);
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        using var refused = await GetSubjectsAsync(owner, limitedKey);
        await AssertTooManyAsync(refused, maxRetryAfter: 100);

        // The other service of the same application, on the same node, has its own bucket (the node's default).
        for (var i = 0; i < 4; i++)
        {
            using var other = await GetSubjectsAsync(owner, otherKey);
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }
    }

    [Fact]
    public async Task Quota_ChangedThroughTheAdminApi_AppliesToTheNextRequest_ClearedFallsBackToTheDefault()
    {
        using var owner = await node.OwnerAsync();
        var appId = await owner.CreateAppAsync();
        var (serviceId, key) = await owner.CreateServiceAsync(appId);
        var quotaUrl = $"/admin/app/{appId}/model/{serviceId}/quota";
        var (status, body) = await owner.SendAsync(HttpMethod.Get, quotaUrl);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"requestsPerSecond":null,"burst":null,"defaultRequestsPerSecond":5,"defaultBurst":10}""", body.GetRawText());

        Assert.Equal(HttpStatusCode.OK, (await owner.SendAsync(HttpMethod.Put, quotaUrl, new { requestsPerSecond = 0.01, burst = 1 })).Status);
        using (var first = await GetSubjectsAsync(owner, key))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using (var spent = await GetSubjectsAsync(owner, key))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, spent.StatusCode);
        }

        // The global owner may grant more than the node's default; the next request draws from the new bucket.
        (status, body) = await owner.SendAsync(HttpMethod.Put, quotaUrl, new { requestsPerSecond = 1000, burst = 1000 });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1000, body.GetProperty("burst").GetInt32());
        using (var again = await GetSubjectsAsync(owner, key))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        (status, body) = await owner.SendAsync(HttpMethod.Put, quotaUrl, new { requestsPerSecond = (double?)null, burst = (int?)null });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("requestsPerSecond").ValueKind);
        (_, body) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/model/{serviceId}");
        Assert.False(body.TryGetProperty("requestsPerSecond", out _)); // CompreFace's service object is unchanged
    }

    [Fact]
    public async Task Quota_SetByAnAppUserOrAStranger_IsRefusedWithCode9AndChangesNothing()
    {
        using var owner = await node.OwnerAsync();
        var appId = await owner.CreateAppAsync();
        var (serviceId, _) = await owner.CreateServiceAsync(appId);
        using var member = await node.NewUserAsync();
        Assert.Equal(HttpStatusCode.Created, (await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/invite", new { userEmail = await member.EmailAsync(), role = "USER" })).Status);
        using var stranger = await node.NewUserAsync();
        var quotaUrl = $"/admin/app/{appId}/model/{serviceId}/quota";

        foreach (var caller in new[] { member, stranger })
        {
            var (status, body) = await caller.SendAsync(HttpMethod.Put, quotaUrl, new { requestsPerSecond = 1, burst = 1 });
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal(9, body.GetProperty("code").GetInt32());
        }

        var (_, quota) = await owner.SendAsync(HttpMethod.Get, quotaUrl);
        Assert.Equal(JsonValueKind.Null, quota.GetProperty("requestsPerSecond").ValueKind);
    }

    [Fact]
    public async Task Quota_AppAdministratorUpToTheNodeDefault_MoreOrOutOfRangeIsRefusedWithCode26()
    {
        using var owner = await node.OwnerAsync();
        var appId = await owner.CreateAppAsync();
        var (serviceId, _) = await owner.CreateServiceAsync(appId);
        using var administrator = await node.NewUserAsync();
        Assert.Equal(HttpStatusCode.Created, (await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/invite", new { userEmail = await administrator.EmailAsync(), role = "ADMINISTRATOR" })).Status);
        var quotaUrl = $"/admin/app/{appId}/model/{serviceId}/quota";

        var (status, body) = await administrator.SendAsync(HttpMethod.Put, quotaUrl, new { requestsPerSecond = 5, burst = 10 });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(5, body.GetProperty("requestsPerSecond").GetDouble());

        // Without a burst: one second's worth.
        (status, body) = await administrator.SendAsync(HttpMethod.Put, quotaUrl, new { requestsPerSecond = 0.5 });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("burst").GetInt32());

        foreach (var refused in new object[]
        {
            new { requestsPerSecond = 6, burst = 10 }, // above the node's default: only a global owner or administrator
            new { requestsPerSecond = 5, burst = 11 },
            new { requestsPerSecond = 0, burst = 1 },
            new { requestsPerSecond = -1, burst = 1 },
            new { requestsPerSecond = 1, burst = 0 },
            new { burst = 3 },
        })
        {
            (status, body) = await administrator.SendAsync(HttpMethod.Put, quotaUrl, refused);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal(26, body.GetProperty("code").GetInt32());
        }

        (_, body) = await owner.SendAsync(HttpMethod.Get, quotaUrl);
        Assert.Equal((0.5, 1), (body.GetProperty("requestsPerSecond").GetDouble(), body.GetProperty("burst").GetInt32()));
    }

    private static async Task<HttpResponseMessage> GetSubjectsAsync(AdminClient client, string apiKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, SubjectsUrl);
        request.Headers.Add("x-api-key", apiKey);
        return await client.Http.SendAsync(request);
    }

    private static async Task AssertTooManyAsync(HttpResponseMessage response, int maxRetryAfter)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var retryAfter = Assert.Single(response.Headers.GetValues("Retry-After"));
        Assert.InRange(int.Parse(retryAfter, CultureInfo.InvariantCulture), 1, maxRetryAfter);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($$"""{"message":"Too many requests, retry after {{retryAfter}} seconds","code":0}""", body.GetRawText());
    }

    /// <summary>A node with a node-wide default quota of 5 requests a second, burst 10, and its first user as the global owner.</summary>
    public sealed class QuotaNode : IAsyncLifetime, IDisposable
    {
        private const string OwnerEmail = "quota-owner@example.com";
        private const string OwnerPassword = "owner-password-1";

        public QuotaFactory Factory { get; } = new();

        public async Task InitializeAsync()
        {
            using var client = AdminClient.Create(Factory);
            await client.RegisterAsync(OwnerEmail, OwnerPassword, "Olga", "Owner");
        }

        public async Task<AdminClient> OwnerAsync()
        {
            var client = AdminClient.Create(Factory);
            await client.LoginAsync(OwnerEmail, OwnerPassword);
            return client;
        }

        public async Task<AdminClient> NewUserAsync()
        {
            var client = AdminClient.Create(Factory);
            var email = "user-" + Guid.NewGuid().ToString("N") + "@example.com";
            await client.RegisterAsync(email, "password-123", "Uma", "User");
            await client.LoginAsync(email, "password-123");
            return client;
        }

        public Task DisposeAsync()
        {
            Dispose();
            return Task.CompletedTask;
        }

        public void Dispose() => Factory.Dispose();
    }

    public sealed class QuotaFactory : AdminFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("RateLimits:ApiKey:RequestsPerSecond", "5");
            builder.UseSetting("RateLimits:ApiKey:Burst", "10");
        }
    }
}
