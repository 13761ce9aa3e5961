using System.Net;
using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.Admin.Tests;

/// <summary>
/// <c>GET /api/v1/consistence/status</c> finds CompreFace's demo collection by the demo service's id, so its flag stays
/// right after the demo key is renewed (P14; before, it looked the service up by the seeded key and lost it).
/// Its own node: it renews a demo key.
/// </summary>
public sealed class ConsistenceAfterKeyRotationTests
{
    [Fact]
    public async Task ConsistenceStatus_DemoKeyRenewed_StillFlagsTheDemoCollection()
    {
        using var factory = new AdminFactory();
        var store = factory.Services.GetRequiredService<IAdminStore>();
        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        Assert.True(await store.SetServiceKeyAsync(DemoServices.RecognitionServiceId, Guid.NewGuid()));

        // An example computed by another model, stored in the demo collection.
        var demo = grains.GetGrain<IFaceCollectionGrain>(DemoServices.RecognitionServiceId);
        var stale = await demo.AddFaceAsync(new AddFaceCommand
        {
            Subject = "stale", Embedding = Enumerable.Repeat(0.1f, 128).ToArray(), Calculator = "Facenet2018",
        });
        try
        {
            using var client = AdminClient.Create(factory);
            var (status, body) = await client.SendAsync(HttpMethod.Get, "/api/v1/consistence/status");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(body.GetProperty("demoFaceCollectionIsInconsistent").GetBoolean(), body.GetRawText());
            Assert.False(body.GetProperty("dbIsInconsistent").GetBoolean(), body.GetRawText());
        }
        finally
        {
            await demo.DeleteFacesAsync([stale]);
        }
    }
}
