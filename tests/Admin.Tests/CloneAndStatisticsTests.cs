using System.Globalization;
using System.Net;
using CompreFace.WebApi.Statistics;
using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.Admin.Tests;

/// <summary>Service clone (docs/compreface-behaviour.md#services) and request statistics (docs/compreface-behaviour.md#statistics) with real photos, on a fresh node per store.</summary>
public sealed class CloneAndStatisticsTests
{
    private const string Recognize = "/api/v1/recognition/recognize";

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task Clone_CopiesTheCollection_TheCloneRecognisesThroughItsOwnKey_AndEachCountsItsRequests(Store store)
    {
        using var factory = store == Store.Postgres ? new PostgresAdminFactory() : new AdminFactory();
        using var owner = await AdminClient.SignedUpAsync(factory, "owner@example.com", "password-123", "Olga", "Owner");
        var appId = await owner.CreateAppAsync();
        var (sourceId, sourceKey) = await owner.CreateServiceAsync(appId);
        await AddExampleAsync(owner, sourceKey, "Ann", "001_A.jpg");
        await AddExampleAsync(owner, sourceKey, "Bob", "007_B.jpg");

        var (status, clone) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model/{sourceId}", new { name = "Copy" });
        Assert.Equal(HttpStatusCode.OK, status);
        var cloneId = clone.GetProperty("id").GetGuid();
        var cloneKey = clone.GetProperty("apiKey").GetString()!;
        Assert.NotEqual(sourceId, cloneId);
        Assert.NotEqual(sourceKey, cloneKey);
        Assert.Equal(("Copy", "RECOGNITION"), (clone.GetProperty("name").GetString(), clone.GetProperty("type").GetString()));

        (status, var details) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/model/{cloneId}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((2, 2L), (details.GetProperty("subjectCount").GetInt32(), details.GetProperty("imageCount").GetInt64()));

        // A photo of Ann not enrolled anywhere is recognised through the clone's key, from the copied vectors.
        (status, var result) = await owner.PostPhotoAsync(Recognize + "?prediction_count=2", cloneKey, SharedData.SampleBytes("002_A.jpg"));
        Assert.Equal(HttpStatusCode.OK, status);
        var subjects = Assert.Single(result.GetProperty("result").EnumerateArray()).GetProperty("subjects").EnumerateArray().ToArray();
        Assert.Equal("Ann", subjects[0].GetProperty("subject").GetString());
        Assert.True(subjects[0].GetProperty("similarity").GetDouble() >= 0.5);
        Assert.Equal("Bob", subjects[1].GetProperty("subject").GetString());

        // The copy is independent of its source.
        (status, _) = await owner.SendAsync(HttpMethod.Delete, "/api/v1/recognition/subjects/Ann", apiKey: cloneKey);
        Assert.Equal(HttpStatusCode.OK, status);
        (_, var listed) = await owner.SendAsync(HttpMethod.Get, "/api/v1/recognition/subjects", apiKey: sourceKey);
        Assert.Equal(["Ann", "Bob"], listed.GetProperty("subjects").EnumerateArray().Select(s => s.GetString()));

        // Statistics: three recognitions on the source (one failing: no file), one on the clone above; listing
        // subjects and embedding recognition are not counted (docs/compreface-behaviour.md#conventions).
        for (var i = 0; i < 2; i++)
        {
            (status, _) = await owner.PostPhotoAsync(Recognize, sourceKey, SharedData.SampleBytes("007_B.jpg"));
            Assert.Equal(HttpStatusCode.OK, status);
        }

        (status, _) = await owner.SendAsync(HttpMethod.Post, Recognize, "{}", sourceKey);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        await owner.SendAsync(HttpMethod.Post, "/api/v1/recognition/embeddings/recognize", new { embeddings = new[] { new double[512] } }, sourceKey);

        var statistics = factory.Services.GetRequiredService<RequestStatistics>();
        await statistics.FlushAsync(CancellationToken.None);
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Assert.Equal([(3L, today)], await StatisticsAsync(owner, appId, sourceId));
        Assert.Equal([(1L, today)], await StatisticsAsync(owner, appId, cloneId));

        // A later flush adds to the same day.
        (status, _) = await owner.PostPhotoAsync(Recognize, sourceKey, SharedData.SampleBytes("001_A.jpg"));
        Assert.Equal(HttpStatusCode.OK, status);
        await statistics.FlushAsync(CancellationToken.None);
        Assert.Equal([(4L, today)], await StatisticsAsync(owner, appId, sourceId));
    }

    private static async Task AddExampleAsync(AdminClient client, string apiKey, string subject, string photo)
    {
        var (status, body) = await client.PostPhotoAsync($"/api/v1/recognition/faces?subject={subject}", apiKey, SharedData.SampleBytes(photo));
        Assert.True(status == HttpStatusCode.Created, $"{status} {body}");
    }

    private static async Task<(long Count, string Day)[]> StatisticsAsync(AdminClient client, Guid appId, Guid serviceId)
    {
        var (status, body) = await client.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/model/{serviceId}/statistics");
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. body.EnumerateArray().Select(d =>
        {
            Assert.Equal(["requestCount", "createdDate"], d.EnumerateObject().Select(p => p.Name));
            return (d.GetProperty("requestCount").GetInt64(), d.GetProperty("createdDate").GetString()!);
        })];
    }
}

/// <summary>The service details' counts on a node that does not keep original images.</summary>
public sealed class ImageCountTests
{
    [Fact]
    public async Task ServiceDetails_ImagesNotSaved_ImageCountIsZeroWhileExamplesExist()
    {
        // CompreFace's imageCount counts stored images, not examples (0 with save_images_to_db=false).
        using var factory = new NoImagesAdminFactory();
        using var owner = await AdminClient.SignedUpAsync(factory, "owner@example.com", "s3cret-password", "Owner", "User");
        var appId = await owner.CreateAppAsync();
        var (serviceId, key) = await owner.CreateServiceAsync(appId);
        var (status, body) = await owner.PostPhotoAsync("/api/v1/recognition/faces?subject=Ann", key, SharedData.SampleBytes("001_A.jpg"));
        Assert.True(status == HttpStatusCode.Created, $"{status} {body}");

        (status, var details) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/model/{serviceId}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((1, 0L), (details.GetProperty("subjectCount").GetInt32(), details.GetProperty("imageCount").GetInt64()));
    }

    private sealed class NoImagesAdminFactory : AdminFactory
    {
        protected override void ConfigureStore(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder) =>
            builder.UseSetting("Storage:SaveImages", "false");
    }
}
