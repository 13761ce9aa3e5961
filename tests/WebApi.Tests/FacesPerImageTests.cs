using Microsoft.AspNetCore.Hosting;
using static CompreFace.WebApi.Tests.ApiTestHelpers;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// <c>Limits:MaxFacesPerImage</c> bounds the faces one image costs (embedding, plugins, one collection scan each): the
/// largest faces first, as CompreFace's own <c>limit</c> (docs/decisions/0024). A node capped at 3 and the five-face photo.
/// </summary>
public sealed class FacesPerImageTests(FacesPerImageTests.CappedFactory factory) : IClassFixture<FacesPerImageTests.CappedFactory>
{
    private const string RecognizeUrl = "/api/v1/recognition/recognize";
    private readonly HttpClient _client = factory.CreateClient();

    [Theory]
    [InlineData("", 3)] // no limit asked: the cap
    [InlineData("?limit=0", 3)] // 0 means "all" in CompreFace: the cap
    [InlineData("?limit=4", 3)] // more than the cap: the cap
    [InlineData("?limit=2", 2)] // under the cap: as asked
    public async Task Detect_FiveFacePhotoOnACappedNode_ReturnsTheLargestFacesUpToTheCap(string query, int expected)
    {
        using var response = await _client.SendAsync(Post(DetectUrl + query, File(SharedData.SampleBytes("000_5.jpg")), ApiFactory.DetectionKey));

        var faces = (await ReadJsonAsync(response)).GetProperty("result").EnumerateArray().ToArray();
        Assert.Equal(expected, faces.Length);
        var areas = faces.Select(Area).ToArray();
        Assert.Equal(areas.OrderDescending(), areas);
    }

    [Fact]
    public async Task Recognize_FiveFacePhotoOnACappedNode_SearchesOnlyTheCap()
    {
        using var response = await _client.SendAsync(Post(RecognizeUrl, File(SharedData.SampleBytes("000_5.jpg")), ApiFactory.RecognitionKey));

        Assert.Equal(3, (await ReadJsonAsync(response)).GetProperty("result").GetArrayLength());
    }

    [Fact]
    public async Task Verify_FiveFaceTargetOnACappedNode_ComparesOnlyTheCap()
    {
        using var content = Multipart(("source_image", SharedData.SampleBytes("001_A.jpg"), "a.jpg"), ("target_image", SharedData.SampleBytes("000_5.jpg"), "b.jpg"));
        using var response = await _client.SendAsync(Post(VerifyUrl, content, ApiFactory.VerificationKey));

        var result = Assert.Single((await ReadJsonAsync(response)).GetProperty("result").EnumerateArray());
        Assert.Equal(3, result.GetProperty("face_matches").GetArrayLength());
    }

    /// <summary>The real node with <c>Limits:MaxFacesPerImage=3</c>.</summary>
    public sealed class CappedFactory : ApiFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Limits:MaxFacesPerImage", "3");
        }
    }
}
