using CompreFace.WebApi.Http;
using Microsoft.AspNetCore.Http;

namespace CompreFace.WebApi.Tests;

/// <summary>Which paths the key filter, CORS and the request counter apply to (docs/compreface-behaviour.md#what-a-client-sees, docs/compreface-behaviour.md#conventions).</summary>
public sealed class ApiPathsTests
{
    [Theory]
    [InlineData("/api/v1/detection/detect", true)]
    [InlineData("/api/v1/recognition/subjects", true)]
    [InlineData("/api/v1/unknown", true)]
    [InlineData("/api/v1/config", false)]
    [InlineData("/api/v1/static/00000000-0000-0000-0000-000000000002/images/x", false)]
    [InlineData("/api/v1/migrate", false)]
    [InlineData("/api/v1/consistence/status", false)]
    [InlineData("/core/status", false)]
    [InlineData("/admin/status", false)]
    public void RequiresApiKey_CompreFaceExclusions(string path, bool expected)
    {
        Assert.Equal(expected, ApiPaths.RequiresApiKey(new PathString(path)));
    }

    [Theory]
    [InlineData("/api/v1/recognition/recognize", true)]
    [InlineData("/api/v1/detection/detect", true)]
    [InlineData("/api/v1/verification/verify", true)]
    [InlineData("/api/v1/verification/embeddings/verify", false)]
    [InlineData("/api/v1/recognition/embeddings/recognize", false)]
    [InlineData("/api/v1/recognition/faces", false)]
    public void IsCounted_OnlyImageEndpoints(string path, bool expected)
    {
        Assert.Equal(expected, ApiPaths.IsCounted(new PathString(path)));
    }

    [Theory]
    [InlineData("/api/v1/config", true)]
    [InlineData("/core/healthcheck", true)]
    [InlineData("/admin/config", false)]
    [InlineData("/", false)]
    public void IsApi_ApiAndCoreOnly(string path, bool expected)
    {
        Assert.Equal(expected, ApiPaths.IsApi(new PathString(path)));
    }
}
