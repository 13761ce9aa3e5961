using System.Net;
using Microsoft.AspNetCore.Hosting;
using static CompreFace.WebApi.Tests.ApiTestHelpers;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// <c>RateLimits:ApiKey</c>: the face API draws from one token bucket per service (decision 0024). A node allowing one
/// request every 100 s with a burst of 2, so no refill can happen during the test: the third rapid request is refused.
/// </summary>
public sealed class ApiKeyRateLimitTests(ApiKeyRateLimitTests.LimitedFactory factory) : IClassFixture<ApiKeyRateLimitTests.LimitedFactory>
{
    private const string SubjectsUrl = "/api/v1/recognition/subjects";

    [Fact]
    public async Task FaceApi_BurstSpent_Is429WithRetryAfterAndTheErrorShapeWhileOtherServicesAreServed()
    {
        using var client = factory.CreateClient();
        for (var i = 0; i < 2; i++)
        {
            using var served = await client.SendAsync(Get(SubjectsUrl, ApiFactory.RecognitionKey));
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        using var refused = await client.SendAsync(Get(SubjectsUrl, ApiFactory.RecognitionKey));

        var body = await AssertErrorAsync(refused, HttpStatusCode.TooManyRequests, 0);
        var retryAfter = int.Parse(Assert.Single(refused.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 100);
        Assert.Equal($"Too many requests, retry after {retryAfter} seconds", body.GetProperty("message").GetString());
        AssertCors(refused);

        // Another service has its own bucket.
        using var detection = await client.SendAsync(Post(DetectUrl, File(SharedData.SampleBytes("001_A.jpg")), ApiFactory.DetectionKey));
        Assert.Equal(HttpStatusCode.OK, detection.StatusCode);
    }

    private static HttpRequestMessage Get(string url, string apiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("x-api-key", apiKey);
        return request;
    }

    /// <summary>The real node with <c>RateLimits:ApiKey:RequestsPerSecond=0.01</c> and <c>Burst=2</c>.</summary>
    public sealed class LimitedFactory : ApiFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("RateLimits:ApiKey:RequestsPerSecond", "0.01");
            builder.UseSetting("RateLimits:ApiKey:Burst", "2");
        }
    }
}

/// <summary>How a quota becomes the rate limiter's token bucket (no clock involved).</summary>
public sealed class QuotaBucketTests
{
    [Theory]
    [InlineData(1, 2, 2, 1, 1)] // 1 a second, 2 at once: the third rapid request waits for the next second
    [InlineData(5, 10, 10, 5, 1)]
    [InlineData(0.5, 1, 1, 1, 2)] // below one a second: one token every 1/rate seconds
    [InlineData(0.01, 2, 2, 1, 100)]
    public void ToBucket_RateAndBurst_BecomeTokensPerPeriodAndTokenLimit(double rate, int burst, int tokenLimit, int tokensPerPeriod, int periodSeconds)
    {
        var bucket = CompreFace.WebApi.Http.RateLimits.ToBucket(new CompreFace.Grains.Interfaces.ServiceQuota(rate, burst));

        Assert.Equal((tokenLimit, tokensPerPeriod, TimeSpan.FromSeconds(periodSeconds), 0), (bucket.TokenLimit, bucket.TokensPerPeriod, bucket.ReplenishmentPeriod, bucket.QueueLimit));
    }
}
