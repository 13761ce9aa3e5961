using CompreFace.Grains.Interfaces;

namespace CompreFace.Grains.Tests;

[Collection(ClusterTests.Name)]
public sealed class FaceCollectionGrainTests(ClusterFixture fixture)
{
    private readonly Random _random = new(11);

    private IGrainFactory Grains => fixture.Cluster.GrainFactory;

    [Fact]
    public async Task AddFace_ThenSearch_FindsItsSubjectWithCosineOne()
    {
        var id = Guid.NewGuid();
        var vector = RandomVector();
        var imageId = await Grains.GetGrain<IFaceCollectionGrain>(id).AddFaceAsync(Command("Alice", vector));

        var matches = await Grains.GetGrain<IFaceCollectionGrain>(id).SearchAsync(new FaceSearch { Calculator = "test", Embeddings = [vector] });

        var match = Assert.Single(Assert.Single(matches));
        Assert.Equal("Alice", match.Subject);
        Assert.Equal(imageId, match.ImageId);
        Assert.Equal(1.0, match.Cosine, 1e-4);
        Assert.Equal(["Alice"], await Grains.GetGrain<ISubjectCatalogGrain>(id).ListSubjectsAsync());
    }

    [Fact]
    public async Task AddFace_SameImageIdTwice_StoresOneExampleAndReturnsTheId()
    {
        // A retried add (the answer of the first was lost in a failover) must not store the example twice.
        var id = Guid.NewGuid();
        var collection = Grains.GetGrain<IFaceCollectionGrain>(id);
        var command = Command("Alice", RandomVector()) with { ImageId = Guid.NewGuid() };

        var first = await collection.AddFaceAsync(command);
        var second = await collection.AddFaceAsync(command);

        Assert.Equal(command.ImageId, first);
        Assert.Equal(command.ImageId, second);
        var page = await collection.ListFacesAsync(null, 0, 10);
        Assert.Equal(1, page.Total);
        var match = Assert.Single(Assert.Single(await collection.SearchAsync(new FaceSearch { Calculator = "test", Embeddings = [command.Embedding], Count = 10 })));
        Assert.Equal(command.ImageId, match.ImageId);
    }

    [Fact]
    public async Task Search_ManyShards_MergesTopMatchesAcrossShards()
    {
        var id = Guid.NewGuid();
        var collection = Grains.GetGrain<IFaceCollectionGrain>(id);
        var vectors = Enumerable.Range(0, 4 * ClusterFixture.ShardCapacity + 1).Select(_ => RandomVector()).ToArray();
        for (var i = 0; i < vectors.Length; i++)
        {
            await collection.AddFaceAsync(Command($"s{i}", vectors[i]));
        }

        var results = await collection.SearchAsync(new FaceSearch { Calculator = "test", Embeddings = [vectors[0], vectors[^1]], Count = 3 });

        Assert.Equal("s0", results[0][0].Subject);
        Assert.Equal($"s{vectors.Length - 1}", results[1][0].Subject);
        Assert.All(results, r => Assert.Equal(3, r.Count));
        Assert.All(results, r => Assert.True(r[0].Cosine >= r[1].Cosine && r[1].Cosine >= r[2].Cosine));
    }

    [Fact]
    public async Task AddFace_ConcurrentClients_LoseNothing()
    {
        var id = Guid.NewGuid();

        var ids = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Grains.GetGrain<IFaceCollectionGrain>(id).AddFaceAsync(Command(i % 2 == 0 ? "even" : "odd", RandomVector()))));

        var page = await Grains.GetGrain<IFaceCollectionGrain>(id).ListFacesAsync(null, 0, 100);
        Assert.Equal(40, page.Total);
        Assert.Equal(ids.OrderBy(x => x), page.Items.Select(f => f.ImageId).OrderBy(x => x));
        Assert.Equal(2, (await Grains.GetGrain<ISubjectCatalogGrain>(id).ListSubjectsAsync()).Count);
    }

    [Fact]
    public async Task Collection_AfterDeactivation_ReloadsEverythingFromTheStore()
    {
        var id = Guid.NewGuid();
        var vectors = Enumerable.Range(0, 2 * ClusterFixture.ShardCapacity + 1).Select(_ => RandomVector()).ToArray();
        for (var i = 0; i < vectors.Length; i++)
        {
            await Grains.GetGrain<IFaceCollectionGrain>(id).AddFaceAsync(Command($"p{i}", vectors[i], image: [1, 2, (byte)i]));
        }

        await Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var collection = Grains.GetGrain<IFaceCollectionGrain>(id);
        var results = await collection.SearchAsync(new FaceSearch { Calculator = "test", Embeddings = vectors });
        for (var i = 0; i < vectors.Length; i++)
        {
            Assert.Equal($"p{i}", results[i][0].Subject);
        }

        var image = await collection.GetImageAsync(results[3][0].ImageId);
        Assert.Equal(new byte[] { 1, 2, 3 }, image);
    }

    [Fact]
    public async Task Search_ExamplesOfAnotherModel_AreNeverComparedBeforeOrAfterReload()
    {
        // An embedder change leaves the old model's examples in the store: they must neither crash the shard (other
        // dimension) nor be matched against the new model's queries (same dimension, unrelated space).
        var id = Guid.NewGuid();
        var collection = Grains.GetGrain<IFaceCollectionGrain>(id);
        var oldSmall = RandomVector();
        var oldSameSize = RandomVector(512);
        var current = RandomVector(512);
        await collection.AddFaceAsync(Command("old-128", oldSmall) with { Calculator = "old-a" });
        await collection.AddFaceAsync(Command("old-512", oldSameSize) with { Calculator = "old-b" });
        await collection.AddFaceAsync(Command("current", current) with { Calculator = "new" });

        for (var pass = 0; pass < 2; pass++)
        {
            var hits = (await collection.SearchAsync(new FaceSearch { Calculator = "new", Embeddings = [oldSameSize], Count = 10 }))[0];
            Assert.Equal("current", Assert.Single(hits).Subject);
            Assert.Equal("old-128", Assert.Single((await collection.SearchAsync(new FaceSearch { Calculator = "old-a", Embeddings = [oldSmall], Count = 10 }))[0]).Subject);
            Assert.Empty((await collection.SearchAsync(new FaceSearch { Calculator = "unknown", Embeddings = [current] }))[0]);

            await Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        }
    }

    [Fact]
    public async Task DeleteFaces_AcrossShards_RemovesFromSearchAndListing()
    {
        var id = Guid.NewGuid();
        var collection = Grains.GetGrain<IFaceCollectionGrain>(id);
        var vectors = Enumerable.Range(0, ClusterFixture.ShardCapacity + 2).Select(_ => RandomVector()).ToArray();
        var imageIds = new List<Guid>();
        foreach (var v in vectors)
        {
            imageIds.Add(await collection.AddFaceAsync(Command("x", v)));
        }

        var deleted = await collection.DeleteFacesAsync([imageIds[0], imageIds[^1], Guid.NewGuid()]);

        Assert.Equal([imageIds[0], imageIds[^1]], deleted.Select(d => d.ImageId).OrderBy(g => imageIds.IndexOf(g)));
        Assert.All(deleted, d => Assert.Equal("x", d.Subject));
        var hits = await collection.SearchAsync(new FaceSearch { Calculator = "test", Embeddings = [vectors[0], vectors[^1]], Count = 100 });
        Assert.All(hits, h => Assert.DoesNotContain(h, m => m.ImageId == imageIds[0] || m.ImageId == imageIds[^1]));
        Assert.Equal(vectors.Length - 2, (await collection.ListFacesAsync(null, 0, 100)).Total);
        Assert.Null(await collection.GetFaceAsync(imageIds[0]));
    }

    [Fact]
    public async Task RenameSubject_ToExistingName_MergesExamples()
    {
        var id = Guid.NewGuid();
        var collection = Grains.GetGrain<IFaceCollectionGrain>(id);
        var subjects = Grains.GetGrain<ISubjectCatalogGrain>(id);
        var v = RandomVector();
        await collection.AddFaceAsync(Command("Bob", v));
        await collection.AddFaceAsync(Command("Robert", RandomVector()));

        Assert.Equal(SubjectRenameOutcome.Unchanged, await subjects.RenameSubjectAsync("Bob", "Bob"));
        Assert.Equal(SubjectRenameOutcome.NotFound, await subjects.RenameSubjectAsync("nobody", "x"));
        Assert.Equal(SubjectRenameOutcome.Merged, await subjects.RenameSubjectAsync("bob", "ROBERT"));

        Assert.Equal(["Robert"], await subjects.ListSubjectsAsync());
        Assert.Equal("Robert", (await collection.SearchAsync(new FaceSearch { Calculator = "test", Embeddings = [v] }))[0][0].Subject);
        Assert.Equal(2, (await collection.ListFacesAsync("Robert", 0, 10)).Total);
        Assert.Equal(SubjectRenameOutcome.Renamed, await subjects.RenameSubjectAsync("Robert", "robert"));
        Assert.Equal(["robert"], await subjects.ListSubjectsAsync());
    }

    [Fact]
    public async Task DeleteSubject_RemovesItsExamplesButNotOthers()
    {
        var id = Guid.NewGuid();
        var collection = Grains.GetGrain<IFaceCollectionGrain>(id);
        var subjects = Grains.GetGrain<ISubjectCatalogGrain>(id);
        var gone = RandomVector();
        var kept = RandomVector();
        await collection.AddFaceAsync(Command("Gone", gone));
        await collection.AddFaceAsync(Command("Gone", RandomVector()));
        await collection.AddFaceAsync(Command("Kept", kept));

        var deletion = await subjects.DeleteSubjectAsync("gone");

        Assert.Equal(new SubjectDeletion("Gone", 2), deletion);
        Assert.Null(await subjects.DeleteSubjectAsync("gone"));
        var hits = (await collection.SearchAsync(new FaceSearch { Calculator = "test", Embeddings = [gone], Count = 10 }))[0];
        Assert.Equal(["Kept"], hits.Select(h => h.Subject));
        Assert.Equal(1, await subjects.DeleteAllSubjectsAsync());
        Assert.Empty((await collection.SearchAsync(new FaceSearch { Calculator = "test", Embeddings = [kept] }))[0]);
    }

    [Fact]
    public async Task AddSubject_CaseInsensitiveDuplicate_IsRefused()
    {
        var subjects = Grains.GetGrain<ISubjectCatalogGrain>(Guid.NewGuid());

        Assert.True(await subjects.AddSubjectAsync("Carol"));
        Assert.False(await subjects.AddSubjectAsync("CAROL"));
        Assert.Equal(["Carol"], await subjects.ListSubjectsAsync());
    }

    private static AddFaceCommand Command(string subject, float[] vector, byte[]? image = null) =>
        new() { Subject = subject, Embedding = vector, Calculator = "test", Image = image };

    private float[] RandomVector(int dimension = 128)
    {
        var v = new float[dimension];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (float)(_random.NextDouble() - 0.5);
        }

        return Similarity.Normalize(v);
    }
}
