using CompreFace.Grains.Interfaces;
namespace CompreFace.Grains.Tests;

[Collection(ClusterTests.Name)]
public sealed class ApiKeyGrainTests(ClusterFixture fixture)
{
    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000002", FaceServiceType.Recognition, "Demo")]
    [InlineData("00000000-0000-0000-0000-000000000003", FaceServiceType.Detection, "Detection_Demo")]
    [InlineData("00000000-0000-0000-0000-000000000004", FaceServiceType.Verify, "Verification_Demo")]
    public async Task GetService_DemoKey_ResolvesToSeededService(string key, FaceServiceType type, string name)
    {
        var service = await fixture.Cluster.GrainFactory.GetGrain<IApiKeyGrain>(key).GetServiceAsync();

        Assert.NotNull(service);
        Assert.Equal(type, service.Type);
        Assert.Equal(name, service.Name);
    }

    [Fact]
    public async Task GetService_UnknownKey_ReturnsNull()
    {
        var service = await fixture.Cluster.GrainFactory.GetGrain<IApiKeyGrain>(Guid.NewGuid().ToString()).GetServiceAsync();

        Assert.Null(service);
    }
}
