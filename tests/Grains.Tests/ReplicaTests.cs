using CompreFace.Grains.Collections;
using CompreFace.Grains.Interfaces;

namespace CompreFace.Grains.Tests;

/// <summary>
/// Shard copies, the collection's standby and their placement on the two silos of the test cluster
/// (<c>Recognition:Replicas</c> is 2 by default; docs/decisions/0026).
/// </summary>
[Collection(ClusterTests.Name)]
public sealed class ReplicaTests(ClusterFixture fixture)
{
    private readonly Random _random = new(23);

    private IGrainFactory Grains => fixture.Cluster.GrainFactory;

    [Fact]
    public async Task AddFace_TwoSilos_EveryShardHasACopyOnEachSiloAndTheStandbyIsApartFromTheCollection()
    {
        var id = Guid.NewGuid();
        var collection = Grains.GetGrain<IFaceCollectionGrain>(id);
        var vectors = Enumerable.Range(0, ClusterFixture.ShardCapacity + 1).Select(_ => RandomVector()).ToArray();
        foreach (var vector in vectors)
        {
            await collection.AddFaceAsync(Command("s", vector));
        }

        await Grains.GetGrain<IFaceCollectionStandbyGrain>(id).SearchAsync(new FaceSearch { Calculator = "test", Embeddings = [vectors[0]] });
        var activations = (await Grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics())
            .Where(a => a.GrainId.ToString().Contains(id.ToString("N"), StringComparison.OrdinalIgnoreCase)
                        || a.GrainId.ToString().Contains(id.ToString(), StringComparison.OrdinalIgnoreCase))
            .ToList();

        var shards = activations.Where(a => a.GrainType.Contains(nameof(FaceShardGrain), StringComparison.Ordinal))
            .GroupBy(a => ShardKeys.Split(a.GrainId.Key.ToString()!).ShardKey)
            .ToList();
        Assert.Equal(2, shards.Count);
        Assert.All(shards, copies => Assert.Equal(2, copies.Select(c => c.SiloAddress).Distinct().Count()));

        var primary = Assert.Single(activations, a => a.GrainType.Contains(nameof(FaceCollectionGrain), StringComparison.Ordinal)
            && !a.GrainType.Contains("Standby", StringComparison.Ordinal));
        var standby = Assert.Single(activations, a => a.GrainType.Contains(nameof(FaceCollectionStandbyGrain), StringComparison.Ordinal));
        Assert.NotEqual(primary.SiloAddress, standby.SiloAddress);
    }

    [Fact]
    public async Task Search_CopyThatMissedAWrite_CatchesUpFromTheStoreBeforeAnswering()
    {
        var id = Guid.NewGuid();
        var collection = Grains.GetGrain<IFaceCollectionGrain>(id);
        var vector = RandomVector();
        var imageId = await collection.AddFaceAsync(Command("Alice", vector));

        // The second copy loses the row, as if the add had not reached its silo.
        await Grains.GetGrain<IFaceShardGrain>(ShardKeys.Of(id, 0, 1)).RemoveAsync([imageId]);

        // Searches rotate over the copies: every one of them must find the face.
        for (var i = 0; i < 4; i++)
        {
            var match = Assert.Single(Assert.Single(await collection.SearchAsync(new FaceSearch { Calculator = "test", Embeddings = [vector] })));
            Assert.Equal(imageId, match.ImageId);
        }
    }

    [Fact]
    public async Task Search_CopyThatMissedAnAddAndADelete_CatchesUpThoughItsRowCountAgrees()
    {
        var id = Guid.NewGuid();
        var collection = Grains.GetGrain<IFaceCollectionGrain>(id);
        var kept = RandomVector();
        var deleted = RandomVector();
        var keptId = await collection.AddFaceAsync(Command("Alice", kept));
        var deletedId = await collection.AddFaceAsync(Command("Bob", deleted));
        await collection.DeleteFacesAsync([deletedId]);

        // The second copy missed both writes: it lacks the add and still holds the deleted row, so its row count is
        // the collection's, and only the digest of its ids tells it apart (docs/decisions/0032).
        var copy = Grains.GetGrain<IFaceShardGrain>(ShardKeys.Of(id, 0, 1));
        await copy.RemoveAsync([keptId]);
        await copy.AddAsync([new ShardFace(deletedId, Guid.NewGuid(), Normalized(deleted), "test")]);

        for (var i = 0; i < 4; i++)
        {
            var match = Assert.Single(Assert.Single(await collection.SearchAsync(new FaceSearch { Calculator = "test", Embeddings = [kept], Count = 5 })));
            Assert.Equal(keptId, match.ImageId);
        }
    }

    [Fact]
    public async Task Search_CopyThatMissedASubjectMerge_CatchesUpThoughItsIdsAgree()
    {
        var id = Guid.NewGuid();
        var collection = Grains.GetGrain<IFaceCollectionGrain>(id);
        var vector = RandomVector();
        var aliceId = await collection.AddFaceAsync(Command("Alice", vector));
        await collection.AddFaceAsync(Command("Bob", RandomVector()));
        Assert.Equal(SubjectRenameOutcome.Merged, await Grains.GetGrain<ISubjectCatalogGrain>(id).RenameSubjectAsync("Alice", "Bob"));

        // The second copy missed the merge: it holds the same image ids (row count and digest agree with the store)
        // but still names Alice's faces by a subject the collection no longer has.
        var copy = Grains.GetGrain<IFaceShardGrain>(ShardKeys.Of(id, 0, 1));
        await copy.RemoveAsync([aliceId]);
        await copy.AddAsync([new ShardFace(aliceId, Guid.NewGuid(), Normalized(vector), "test")]);

        for (var i = 0; i < 4; i++)
        {
            var match = Assert.Single(Assert.Single(await collection.SearchAsync(new FaceSearch { Calculator = "test", Embeddings = [vector] })));
            Assert.Equal(aliceId, match.ImageId);
            Assert.Equal("Bob", match.Subject);
        }
    }

    [Fact]
    public async Task StandbySearch_AfterAddsRenameAndDelete_AnswersLikeTheCollection()
    {
        var id = Guid.NewGuid();
        var collection = Grains.GetGrain<IFaceCollectionGrain>(id);
        var subjects = Grains.GetGrain<ISubjectCatalogGrain>(id);
        var vectors = Enumerable.Range(0, 6).Select(_ => RandomVector()).ToArray();
        var ids = new List<Guid>();
        for (var i = 0; i < vectors.Length; i++)
        {
            ids.Add(await collection.AddFaceAsync(Command($"s{i % 3}", vectors[i])));
        }

        await subjects.RenameSubjectAsync("s1", "renamed");
        await subjects.DeleteSubjectAsync("s2");
        await collection.DeleteFacesAsync([ids[0]]);

        var search = new FaceSearch { Calculator = "test", Embeddings = vectors, Count = 3 };
        var expected = await collection.SearchAsync(search);
        var standby = await Grains.GetGrain<IFaceCollectionStandbyGrain>(id).SearchAsync(search);

        Assert.Equal(Flatten(expected), Flatten(standby));
        Assert.Contains(expected.SelectMany(q => q), m => m.Subject == "renamed");
        Assert.DoesNotContain(expected.SelectMany(q => q), m => m.Subject == "s2" || m.ImageId == ids[0]);
    }

    [Fact]
    public async Task StandbySearch_DuringAReembedding_RefusesAQueryOfAnotherModelThanTheServingOne_AsTheCollectionDoes()
    {
        var id = Guid.NewGuid();
        var collection = Grains.GetGrain<IFaceCollectionGrain>(id);
        var standby = Grains.GetGrain<IFaceCollectionStandbyGrain>(id);
        var vectors = Enumerable.Range(0, ClusterFixture.ShardCapacity + 1).Select(_ => RandomVector()).ToArray();
        foreach (var vector in vectors)
        {
            await collection.AddFaceAsync(Command("s", vector));
        }

        // A query computed by the new model while the collection still serves the old one (the HTTP tier's plan was
        // stale): the collection refuses it so it is computed again; its standby, answering a hedged search, must too,
        // rather than search the shards' partial second index.
        await Grains.GetGrain<ICollectionReembedGrain>(id).BeginReembedAsync("test", "new-model");
        var stale = new FaceSearch { Calculator = "new-model", Embeddings = [vectors[0]] };
        await Assert.ThrowsAsync<ModelPlanChangedException>(() => collection.SearchAsync(stale));
        await Assert.ThrowsAsync<ModelPlanChangedException>(() => standby.SearchAsync(stale));
        var serving = new FaceSearch { Calculator = "test", Embeddings = [vectors[0]] };
        Assert.Equal(Flatten(await collection.SearchAsync(serving)), Flatten(await standby.SearchAsync(serving)));

        // Cancelled: queries are searched under their own model again, at both.
        await Grains.GetGrain<ICollectionReembedGrain>(id).AbortReembedAsync();
        Assert.Empty(Assert.Single(await standby.SearchAsync(stale)));
    }

    private static string[] Flatten(IReadOnlyList<IReadOnlyList<FaceMatch>> results) =>
        results.Select(q => string.Join(';', q.Select(m => $"{m.Subject}/{m.ImageId}/{m.Cosine:F5}"))).ToArray();

    private static AddFaceCommand Command(string subject, float[] vector) =>
        new() { Subject = subject, Embedding = vector, Image = [1, 2, 3], Calculator = "test" };

    private float[] RandomVector() => Enumerable.Range(0, 128).Select(_ => (float)(_random.NextDouble() - 0.5)).ToArray();

    private static float[] Normalized(float[] vector)
    {
        var norm = MathF.Sqrt(vector.Sum(x => x * x));
        return vector.Select(x => x / norm).ToArray();
    }
}
