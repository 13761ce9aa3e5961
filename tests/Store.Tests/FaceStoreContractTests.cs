using System.Data.Common;
using CompreFace.Grains.Storage;
using Xunit.Abstractions;

namespace CompreFace.Store.Tests;

/// <summary>
/// The <see cref="IFaceStore"/> contract, run against every store by a subclass. Each test works in fresh collection
/// ids, so tests share a database without seeing each other's rows.
/// </summary>
public abstract class FaceStoreContractTests
{
    private const int Dimension = 512;
    private const string Calculator = "mobilefacenet-1";

    /// <summary>The store under test (schema applied, images saved).</summary>
    protected abstract IFaceStore Store { get; }

    /// <summary>Another store on the same database.</summary>
    protected abstract IFaceStore CreateStore(bool saveImages);

    /// <summary>Rows of <paramref name="table"/> whose <paramref name="column"/> is one of <paramref name="ids"/>, counted with SQL.</summary>
    protected abstract Task<long> CountRowsAsync(string table, string column, IReadOnlyCollection<Guid> ids);

    /// <summary>A parameterless scalar query, straight to the database.</summary>
    protected abstract Task<long> ScalarAsync(string sql);

    /// <summary>Bulk-inserts faces straight into the database (one subject, one shard, calculator "seed"), in insertion order.</summary>
    protected abstract Task SeedFacesAsync(Guid collection, Guid subjectId, int shard, IReadOnlyList<(Guid ImageId, float[] Embedding)> faces);

    /// <summary>Where measurements go (<c>dotnet test --logger "console;verbosity=detailed"</c>).</summary>
    protected abstract ITestOutputHelper Output { get; }

    /// <summary>
    /// Streams a large shard and checks every row. 5,000 rows by default; <c>COMPREFACE_STORE_LOAD_ROWS=100000</c>
    /// gives the measurement in docs/decisions/0006-face-store.md. The rate is printed, never asserted.
    /// </summary>
    [StoreFact]
    public async Task LoadShard_ManyRows_StreamsEveryRowIntact()
    {
        var rows = int.TryParse(Environment.GetEnvironmentVariable("COMPREFACE_STORE_LOAD_ROWS"), out var n) && n > 0 ? n : 5_000;
        var collection = Guid.NewGuid();
        var subject = await AddSubjectAsync(collection, "bulk");
        var random = new Random(42);
        var faces = Enumerable.Range(0, rows).Select(_ => (Guid.NewGuid(), RandomUnitVector(random, Dimension))).ToArray();
        await SeedFacesAsync(collection, subject.SubjectId, 0, faces);
        await AddFaceAsync(collection, subject, shard: 1);

        var index = 0;
        var mismatches = 0;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await Store.LoadShardAsync(collection, 0, (imageId, subjectId, calculator, embedding) =>
        {
            var (expectedId, expected) = faces[index++];
            if (imageId != expectedId || subjectId != subject.SubjectId || calculator != "seed" || !embedding.SequenceEqual(expected))
            {
                mismatches++;
            }
        });
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);

        Assert.Equal(rows, index);
        Assert.Equal(0, mismatches);
        Output.WriteLine($"{GetType().Name}: loaded {rows} x {Dimension}-d in {elapsed.TotalMilliseconds:F0} ms = {rows / elapsed.TotalSeconds:F0} rows/s");
    }

    [StoreFact]
    public async Task ImportThenReadFaces_PagesInInsertionOrder_WithImagesWhenAsked_AndFindFacesSeesOnlyThisCollection()
    {
        var collection = Guid.NewGuid();
        var random = new Random(35);
        var ann = new SubjectRecord(Guid.NewGuid(), "Ann");
        var bob = new SubjectRecord(Guid.NewGuid(), "Bob");
        var faces = Enumerable.Range(0, 25)
            .Select(i => new FaceRecord(Guid.NewGuid(), i % 3 == 0 ? bob.SubjectId : ann.SubjectId, i % 2, RandomUnitVector(random, Dimension), "import-calc"))
            .ToArray();
        var images = faces.Where((_, i) => i % 5 == 0).ToDictionary(f => f.ImageId, f => f.ImageId.ToByteArray());

        await Store.ImportAsync(collection, [ann, bob], faces, images);

        Assert.Equal(["Ann", "Bob"], (await Store.GetSubjectsAsync(collection)).Select(s => s.Name));
        var read = new List<FaceExportRow>();
        for (long after = 0; ;)
        {
            var page = await Store.ReadFacesAsync(collection, after, 7, images: true);
            if (page.Count == 0)
            {
                break;
            }

            Assert.True(page.Count <= 7);
            read.AddRange(page);
            after = page[^1].Seq;
        }

        Assert.Equal(faces.Select(f => f.ImageId), read.Select(r => r.Face.ImageId));
        Assert.All(read.Zip(faces), pair =>
        {
            Assert.Equal((pair.Second.SubjectId, pair.Second.Shard, pair.Second.Calculator), (pair.First.Face.SubjectId, pair.First.Face.Shard, pair.First.Face.Calculator));
            Assert.Equal(pair.Second.Embedding, pair.First.Face.Embedding);
            Assert.Equal(images.GetValueOrDefault(pair.Second.ImageId), pair.First.Image);
        });
        Assert.All(await Store.ReadFacesAsync(collection, 0, 100, images: false), r => Assert.Null(r.Image));
        Assert.Equal(images.Count, await Store.CountImagesAsync(collection));

        var stranger = Guid.NewGuid();
        var found = await Store.FindFacesAsync(collection, [faces[0].ImageId, faces[24].ImageId, stranger]);
        Assert.Equal(new HashSet<Guid> { faces[0].ImageId, faces[24].ImageId }, found.ToHashSet());
        Assert.Empty(await Store.FindFacesAsync(Guid.NewGuid(), [faces[0].ImageId]));
    }

    [StoreFact]
    public async Task AddFaces_Bulk_StoresEveryRowInOrderPerShard()
    {
        var collection = Guid.NewGuid();
        var subject = await AddSubjectAsync(collection, "bulk");
        var random = new Random(9);
        var faces = Enumerable.Range(0, 300)
            .Select(i => new FaceRecord(Guid.NewGuid(), subject.SubjectId, i % 2, RandomUnitVector(random, Dimension), "bulk-calc"))
            .ToArray();

        await Store.AddFacesAsync(collection, faces);

        var counts = await Store.CountFacesByShardAsync(collection);
        Assert.Equal(150, counts[0]);
        Assert.Equal(150, counts[1]);
        var loaded = new List<(Guid Id, float[] Vector)>();
        await Store.LoadShardAsync(collection, 1, (id, _, calculator, vector) =>
        {
            Assert.Equal("bulk-calc", calculator);
            loaded.Add((id, vector.ToArray()));
        });
        var expected = faces.Where(f => f.Shard == 1).ToArray();
        Assert.Equal(expected.Select(f => f.ImageId), loaded.Select(l => l.Id));
        Assert.True(expected.Zip(loaded).All(p => p.First.Embedding.AsSpan().SequenceEqual(p.Second.Vector)));
        var one = await Store.GetFaceAsync(collection, faces[7].ImageId);
        Assert.NotNull(one);
        Assert.Equal("bulk-calc", one.Calculator);
        Assert.Null(await Store.GetImageAsync(collection, faces[7].ImageId));
    }

    [StoreFact]
    public async Task CountImages_CountsStoredImagesOfTheCollectionOnly()
    {
        // The admin API's imageCount (CompreFace counts stored images, not examples).
        var collection = Guid.NewGuid();
        var other = Guid.NewGuid();
        var subject = await AddSubjectAsync(collection, "images");
        var otherSubject = await AddSubjectAsync(other, "images");
        await AddFaceAsync(collection, subject, image: true);
        await AddFaceAsync(collection, subject, image: true);
        await AddFaceAsync(collection, subject, image: false);
        await AddFaceAsync(other, otherSubject, image: true);

        Assert.Equal(2, await Store.CountImagesAsync(collection));
        Assert.Equal(0, await Store.CountImagesAsync(Guid.NewGuid()));
    }

    [StoreFact]
    public async Task FindOtherCalculators_FacesOfTwoModels_ReportsWhereTheOtherModelIs()
    {
        // Model names unique to this test: the fixture's database is shared by the class's tests.
        var current = $"model-{Guid.NewGuid():N}";
        var old = $"model-{Guid.NewGuid():N}";
        var mixed = Guid.NewGuid();
        var clean = Guid.NewGuid();
        var random = new Random(5);
        var mixedSubject = await AddSubjectAsync(mixed, "mixed");
        var cleanSubject = await AddSubjectAsync(clean, "clean");
        await Store.AddFacesAsync(mixed, [
            new FaceRecord(Guid.NewGuid(), mixedSubject.SubjectId, 0, RandomUnitVector(random, Dimension), current),
            new FaceRecord(Guid.NewGuid(), mixedSubject.SubjectId, 0, RandomUnitVector(random, 128), old),
        ]);
        await Store.AddFacesAsync(clean, [new FaceRecord(Guid.NewGuid(), cleanSubject.SubjectId, 0, RandomUnitVector(random, Dimension), current)]);

        var (mixedHasOther, _) = await Store.FindOtherCalculatorsAsync(current, mixed);
        var (cleanHasOther, otherOutsideClean) = await Store.FindOtherCalculatorsAsync(current, clean);

        Assert.True(mixedHasOther);
        Assert.False(cleanHasOther);
        Assert.True(otherOutsideClean);

        // Once the old model's example is gone, the collection is consistent again.
        var oldFace = (await LoadAsync(mixed, 0)).Single(f => f.Calculator == old);
        await Store.DeleteFacesAsync(mixed, [oldFace.ImageId]);
        Assert.False((await Store.FindOtherCalculatorsAsync(current, mixed)).InCollection);
    }

    [StoreFact]
    public async Task GetSubjects_AfterAdds_ReturnsInsertionOrder()
    {
        var collection = Guid.NewGuid();
        var names = new[] { "zoe", "Adam", "mike", "bob" };
        var added = new List<SubjectRecord>();
        foreach (var name in names)
        {
            var subject = new SubjectRecord(Guid.NewGuid(), name);
            await Store.AddSubjectAsync(collection, subject);
            added.Add(subject);
        }

        Assert.Equal(added, await Store.GetSubjectsAsync(collection));
    }

    [StoreFact]
    public async Task GetSubjects_UnknownCollection_ReturnsEmpty()
    {
        Assert.Empty(await Store.GetSubjectsAsync(Guid.NewGuid()));
    }

    [StoreFact]
    public async Task AddSubject_SameNameSameCase_ThrowsDbException()
    {
        var collection = Guid.NewGuid();
        await Store.AddSubjectAsync(collection, new SubjectRecord(Guid.NewGuid(), "Ann"));

        await Assert.ThrowsAnyAsync<DbException>(() => Store.AddSubjectAsync(collection, new SubjectRecord(Guid.NewGuid(), "Ann")));
    }

    [StoreFact]
    public async Task AddSubject_SameNameOtherCaseOrOtherCollection_IsStored()
    {
        // The stores are case-sensitive, like CompreFace's unique key; the grain applies the case-insensitive rules.
        var collection = Guid.NewGuid();
        await Store.AddSubjectAsync(collection, new SubjectRecord(Guid.NewGuid(), "Ann"));
        await Store.AddSubjectAsync(collection, new SubjectRecord(Guid.NewGuid(), "ann"));
        await Store.AddSubjectAsync(Guid.NewGuid(), new SubjectRecord(Guid.NewGuid(), "Ann"));

        Assert.Equal(["Ann", "ann"], (await Store.GetSubjectsAsync(collection)).Select(s => s.Name));
    }

    [StoreFact]
    public async Task RenameSubject_Existing_KeepsIdPositionAndExamples()
    {
        var collection = Guid.NewGuid();
        var first = await AddSubjectAsync(collection, "first");
        var second = await AddSubjectAsync(collection, "second");
        var face = await AddFaceAsync(collection, first);

        await Store.RenameSubjectAsync(collection, first.SubjectId, "FIRST");

        Assert.Equal([first with { Name = "FIRST" }, second], await Store.GetSubjectsAsync(collection));
        var listed = await Store.ListFacesAsync(collection, "FIRST", 0, 10);
        Assert.Equal([new FaceListing(face.ImageId, "FIRST")], listed.Page);
    }

    [StoreFact]
    public async Task RenameSubject_Unknown_ThrowsKeyNotFound()
    {
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.RenameSubjectAsync(Guid.NewGuid(), Guid.NewGuid(), "x"));
    }

    [StoreFact]
    public async Task MergeSubject_MovesExamplesAndDeletesSource()
    {
        var collection = Guid.NewGuid();
        var from = await AddSubjectAsync(collection, "from");
        var to = await AddSubjectAsync(collection, "to");
        var moved = new[] { await AddFaceAsync(collection, from, image: true), await AddFaceAsync(collection, from) };
        var kept = await AddFaceAsync(collection, to);

        await Store.MergeSubjectAsync(collection, from.SubjectId, to.SubjectId);

        Assert.Equal([to], await Store.GetSubjectsAsync(collection));
        foreach (var face in moved.Append(kept))
        {
            var stored = await Store.GetFaceAsync(collection, face.ImageId);
            Assert.NotNull(stored);
            Assert.Equal(to.SubjectId, stored.SubjectId);
            Assert.Equal(face.Embedding, stored.Embedding);
        }

        Assert.NotNull(await Store.GetImageAsync(collection, moved[0].ImageId));
        Assert.Equal(3, (await Store.ListFacesAsync(collection, "to", 0, 10)).Total);
        Assert.Equal(0, await CountRowsAsync("cf_subject", "subject_id", [from.SubjectId]));
    }

    [StoreFact]
    public async Task MergeSubject_UnknownTarget_ThrowsAndChangesNothing()
    {
        var collection = Guid.NewGuid();
        var from = await AddSubjectAsync(collection, "from");
        var face = await AddFaceAsync(collection, from);
        var elsewhere = await AddSubjectAsync(Guid.NewGuid(), "to");

        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.MergeSubjectAsync(collection, from.SubjectId, Guid.NewGuid()));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.MergeSubjectAsync(collection, from.SubjectId, elsewhere.SubjectId));

        Assert.Equal([from], await Store.GetSubjectsAsync(collection));
        Assert.Equal(from.SubjectId, (await Store.GetFaceAsync(collection, face.ImageId))!.SubjectId);
    }

    [StoreFact]
    public async Task DeleteSubjects_WithExamples_RemovesSubjectsExamplesAndImages()
    {
        var collection = Guid.NewGuid();
        var gone = await AddSubjectAsync(collection, "gone");
        var alsoGone = await AddSubjectAsync(collection, "also gone");
        var stays = await AddSubjectAsync(collection, "stays");
        var goneFaces = new[]
        {
            await AddFaceAsync(collection, gone, image: true),
            await AddFaceAsync(collection, gone, image: true),
            await AddFaceAsync(collection, alsoGone, image: true),
        };
        var kept = await AddFaceAsync(collection, stays, image: true);
        var goneIds = goneFaces.Select(f => f.ImageId).ToArray();

        var removed = await Store.DeleteSubjectsAsync(collection, [gone.SubjectId, alsoGone.SubjectId, Guid.NewGuid()]);

        Assert.Equal(3, removed);
        Assert.Equal([stays], await Store.GetSubjectsAsync(collection));
        Assert.Equal(0, await CountRowsAsync("cf_subject", "subject_id", [gone.SubjectId, alsoGone.SubjectId]));
        Assert.Equal(0, await CountRowsAsync("cf_face", "image_id", goneIds));
        Assert.Equal(0, await CountRowsAsync("cf_image", "image_id", goneIds));
        Assert.Equal(1, await CountRowsAsync("cf_image", "image_id", [kept.ImageId]));
    }

    [StoreFact]
    public async Task DeleteSubjects_Empty_RemovesNothing()
    {
        var collection = Guid.NewGuid();
        var subject = await AddSubjectAsync(collection, "a");

        Assert.Equal(0, await Store.DeleteSubjectsAsync(collection, []));
        Assert.Equal([subject], await Store.GetSubjectsAsync(collection));
    }

    [StoreFact]
    public async Task DeleteCollection_RemovesItsRowsAndImagesOnly()
    {
        var collection = Guid.NewGuid();
        var other = Guid.NewGuid();
        var a = await AddSubjectAsync(collection, "a");
        await AddSubjectAsync(collection, "empty");
        var faces = new[] { await AddFaceAsync(collection, a, image: true), await AddFaceAsync(collection, a, shard: 1, image: true) };
        var otherSubject = await AddSubjectAsync(other, "a");
        var otherFace = await AddFaceAsync(other, otherSubject, image: true);

        Assert.Equal(2, await Store.DeleteCollectionAsync(collection));

        Assert.Empty(await Store.GetSubjectsAsync(collection));
        Assert.Empty(await Store.CountFacesByShardAsync(collection));
        var ids = faces.Select(f => f.ImageId).ToArray();
        Assert.Equal(0, await CountRowsAsync("cf_face", "image_id", ids));
        Assert.Equal(0, await CountRowsAsync("cf_image", "image_id", ids));
        Assert.Equal(0, await CountRowsAsync("cf_subject", "collection_id", [collection]));
        Assert.Equal([otherSubject], await Store.GetSubjectsAsync(other));
        Assert.NotNull(await Store.GetImageAsync(other, otherFace.ImageId));
        Assert.Equal(0, await Store.DeleteCollectionAsync(collection));
    }

    [StoreFact]
    public async Task CopyCollection_CopiesSubjectsFacesAndImagesUnderNewIds_SourceUntouched()
    {
        var source = Guid.NewGuid();
        var target = Guid.NewGuid();
        var a = await AddSubjectAsync(source, "Ann");
        await AddSubjectAsync(source, "empty");
        var b = await AddSubjectAsync(source, "bob");
        var faces = new[]
        {
            await AddFaceAsync(source, a, image: true), await AddFaceAsync(source, b, shard: 1), await AddFaceAsync(source, a, shard: 1, image: true),
        };

        Assert.Equal(3, await Store.CopyCollectionAsync(source, target));

        // Same names in the same order, new ids.
        var sourceSubjects = await Store.GetSubjectsAsync(source);
        var copiedSubjects = await Store.GetSubjectsAsync(target);
        Assert.Equal(sourceSubjects.Select(s => s.Name), copiedSubjects.Select(s => s.Name));
        Assert.Empty(copiedSubjects.Select(s => s.SubjectId).Intersect(sourceSubjects.Select(s => s.SubjectId)));

        // Same vectors per subject and shard, in insertion order, under new image ids; images copied where stored.
        var (page, total) = await Store.ListFacesAsync(target, null, 0, 10);
        Assert.Equal(3, total);
        Assert.Equal(["Ann", "bob", "Ann"], page.Select(f => f.Subject));
        for (var i = 0; i < faces.Length; i++)
        {
            var copy = await Store.GetFaceAsync(target, page[i].ImageId);
            Assert.NotNull(copy);
            Assert.DoesNotContain(page[i].ImageId, faces.Select(f => f.ImageId));
            Assert.Equal(faces[i].Embedding, copy.Embedding);
            Assert.Equal((faces[i].Shard, Calculator), (copy.Shard, copy.Calculator));
            Assert.Equal(copiedSubjects.Single(s => s.Name == page[i].Subject).SubjectId, copy.SubjectId);
            var image = await Store.GetImageAsync(target, page[i].ImageId);
            Assert.Equal(i == 1 ? null : faces[i].ImageId.ToByteArray(), image);
        }

        Assert.Equal(new Dictionary<int, int> { [0] = 1, [1] = 2 }, await Store.CountFacesByShardAsync(target));

        // The copy is independent: deleting it leaves the source whole.
        Assert.Equal(3, await Store.DeleteCollectionAsync(target));
        Assert.Equal(3, (await Store.ListFacesAsync(source, null, 0, 10)).Total);
        Assert.NotNull(await Store.GetImageAsync(source, faces[0].ImageId));
        Assert.Equal(0, await Store.CopyCollectionAsync(Guid.NewGuid(), Guid.NewGuid()));
    }

    [StoreFact]
    public async Task GetFace_AfterAdd_RoundTripsVectorBitExactly()
    {
        var collection = Guid.NewGuid();
        var subject = await AddSubjectAsync(collection, "a");
        var embedding = RandomUnitVector(new Random(7), Dimension);
        embedding[0] = -0f;
        embedding[1] = float.Epsilon;
        embedding[2] = float.MaxValue;
        embedding[3] = -1e-38f;
        var face = new FaceRecord(Guid.NewGuid(), subject.SubjectId, 3, embedding, Calculator);
        await Store.AddFaceAsync(collection, face, null);

        var stored = await Store.GetFaceAsync(collection, face.ImageId);

        Assert.NotNull(stored);
        Assert.Equal(face with { Embedding = [] }, stored with { Embedding = [] });
        Assert.Equal(
            embedding.Select(BitConverter.SingleToInt32Bits),
            stored.Embedding.Select(BitConverter.SingleToInt32Bits));
    }

    [StoreFact]
    public async Task GetFace_Unknown_ReturnsNull()
    {
        Assert.Null(await Store.GetFaceAsync(Guid.NewGuid(), Guid.NewGuid()));
    }

    [StoreFact]
    public async Task AddFace_WithImage_ImageReadsBack()
    {
        var collection = Guid.NewGuid();
        var subject = await AddSubjectAsync(collection, "a");
        var image = new byte[300_000];
        new Random(1).NextBytes(image);
        var face = new FaceRecord(Guid.NewGuid(), subject.SubjectId, 0, RandomUnitVector(new Random(2), Dimension), Calculator);

        await Store.AddFaceAsync(collection, face, image);

        Assert.Equal(image, await Store.GetImageAsync(collection, face.ImageId));
    }

    [StoreFact]
    public async Task AddFace_WithoutImage_ImageIsNull()
    {
        var collection = Guid.NewGuid();
        var face = await AddFaceAsync(collection, await AddSubjectAsync(collection, "a"), image: false);

        Assert.Null(await Store.GetImageAsync(collection, face.ImageId));
        Assert.Equal(0, await CountRowsAsync("cf_image", "image_id", [face.ImageId]));
    }

    [StoreFact]
    public async Task AddFace_EmptyImage_StoresNoImage()
    {
        // A null byte[] converts to an empty ReadOnlyMemory, not to null: the stores treat both alike.
        var collection = Guid.NewGuid();
        var subject = await AddSubjectAsync(collection, "a");
        byte[]? none = null;
        var face = new FaceRecord(Guid.NewGuid(), subject.SubjectId, 0, RandomUnitVector(new Random(6), Dimension), Calculator);

        await Store.AddFaceAsync(collection, face, none);

        Assert.NotNull(await Store.GetFaceAsync(collection, face.ImageId));
        Assert.Null(await Store.GetImageAsync(collection, face.ImageId));
        Assert.Equal(0, await CountRowsAsync("cf_image", "image_id", [face.ImageId]));
    }

    [StoreFact]
    public async Task AddFace_SaveImagesOff_StoresFaceWithoutImage()
    {
        var store = CreateStore(saveImages: false);
        var collection = Guid.NewGuid();
        var subject = new SubjectRecord(Guid.NewGuid(), "a");
        await store.AddSubjectAsync(collection, subject);
        var face = new FaceRecord(Guid.NewGuid(), subject.SubjectId, 0, RandomUnitVector(new Random(3), Dimension), Calculator);

        await store.AddFaceAsync(collection, face, new byte[] { 1, 2, 3 });

        Assert.NotNull(await store.GetFaceAsync(collection, face.ImageId));
        Assert.Null(await store.GetImageAsync(collection, face.ImageId));
    }

    [StoreFact]
    public async Task AddFace_SubjectOfAnotherCollection_ThrowsDbException()
    {
        var collection = Guid.NewGuid();
        var foreign = await AddSubjectAsync(Guid.NewGuid(), "a");
        var face = new FaceRecord(Guid.NewGuid(), foreign.SubjectId, 0, RandomUnitVector(new Random(4), Dimension), Calculator);

        await Assert.ThrowsAnyAsync<DbException>(() => Store.AddFaceAsync(collection, face, new byte[] { 1 }));
        Assert.Equal(0, await CountRowsAsync("cf_image", "image_id", [face.ImageId]));
    }

    [StoreFact]
    public async Task AddFace_DuplicateImageId_ThrowsAndKeepsFirst()
    {
        var collection = Guid.NewGuid();
        var subject = await AddSubjectAsync(collection, "a");
        var face = await AddFaceAsync(collection, subject, image: true);
        var again = face with { Embedding = RandomUnitVector(new Random(5), Dimension) };

        await Assert.ThrowsAnyAsync<DbException>(() => Store.AddFaceAsync(collection, again, new byte[] { 9 }));

        Assert.Equal(face.Embedding, (await Store.GetFaceAsync(collection, face.ImageId))!.Embedding);
        Assert.Equal(face.ImageId.ToByteArray(), await Store.GetImageAsync(collection, face.ImageId));
    }

    [StoreFact]
    public async Task DeleteFaces_KnownAndUnknownIds_DeletesKnownWithImagesInRequestOrder()
    {
        var collection = Guid.NewGuid();
        var subject = await AddSubjectAsync(collection, "a");
        var first = await AddFaceAsync(collection, subject, image: true);
        var second = await AddFaceAsync(collection, subject, shard: 2, image: true);
        var kept = await AddFaceAsync(collection, subject, image: true);

        var deleted = await Store.DeleteFacesAsync(collection, [second.ImageId, Guid.NewGuid(), first.ImageId, second.ImageId]);

        Assert.Equal([second.ImageId, first.ImageId], deleted.Select(f => f.ImageId));
        Assert.Equal(second.Shard, deleted[0].Shard);
        Assert.Equal(second.Embedding, deleted[0].Embedding);
        Assert.Equal(subject.SubjectId, deleted[0].SubjectId);
        Assert.Equal(Calculator, deleted[0].Calculator);
        Assert.Equal(0, await CountRowsAsync("cf_face", "image_id", [first.ImageId, second.ImageId]));
        Assert.Equal(0, await CountRowsAsync("cf_image", "image_id", [first.ImageId, second.ImageId]));
        Assert.NotNull(await Store.GetImageAsync(collection, kept.ImageId));
        Assert.Equal([subject], await Store.GetSubjectsAsync(collection));
        Assert.Empty(await Store.DeleteFacesAsync(collection, [first.ImageId]));
    }

    [StoreFact]
    public async Task ListFaces_Pages_InInsertionOrderWithTotal()
    {
        var collection = Guid.NewGuid();
        var a = await AddSubjectAsync(collection, "a");
        var b = await AddSubjectAsync(collection, "b");
        var expected = new List<FaceListing>();
        for (var i = 0; i < 7; i++)
        {
            var subject = i % 2 == 0 ? a : b;
            var face = await AddFaceAsync(collection, subject, shard: i % 3);
            expected.Add(new FaceListing(face.ImageId, subject.Name));
        }

        var pages = new List<FaceListing>();
        for (var page = 0; page < 3; page++)
        {
            var (items, total) = await Store.ListFacesAsync(collection, null, page, 3);
            Assert.Equal(7, total);
            pages.AddRange(items);
        }

        Assert.Equal(expected, pages);
        var beyond = await Store.ListFacesAsync(collection, null, 5, 3);
        Assert.Empty(beyond.Page);
        Assert.Equal(7, beyond.Total);
    }

    [StoreFact]
    public async Task ListFaces_SubjectFilter_IsExactAndCaseSensitive()
    {
        var collection = Guid.NewGuid();
        var ann = await AddSubjectAsync(collection, "Ann");
        var bob = await AddSubjectAsync(collection, "bob");
        var annFaces = new[] { await AddFaceAsync(collection, ann), await AddFaceAsync(collection, ann) };
        await AddFaceAsync(collection, bob);

        var exact = await Store.ListFacesAsync(collection, "Ann", 0, 10);
        var otherCase = await Store.ListFacesAsync(collection, "ann", 0, 10);
        var empty = await Store.ListFacesAsync(collection, string.Empty, 0, 10);
        var paged = await Store.ListFacesAsync(collection, "Ann", 1, 1);

        Assert.Equal(annFaces.Select(f => new FaceListing(f.ImageId, "Ann")), exact.Page);
        Assert.Equal(2, exact.Total);
        Assert.Empty(otherCase.Page);
        Assert.Equal(0, otherCase.Total);
        Assert.Empty(empty.Page);
        Assert.Equal([new FaceListing(annFaces[1].ImageId, "Ann")], paged.Page);
        Assert.Equal(2, paged.Total);
    }

    [StoreFact]
    public async Task ListFaces_BadPaging_Throws()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.ListFacesAsync(Guid.NewGuid(), null, -1, 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.ListFacesAsync(Guid.NewGuid(), null, 0, 0));
    }

    [StoreFact]
    public async Task CountFacesByShard_MixedShards_CountsEachNonEmptyShard()
    {
        var collection = Guid.NewGuid();
        var subject = await AddSubjectAsync(collection, "a");
        foreach (var shard in new[] { 0, 0, 2, 0, 2, 5 })
        {
            await AddFaceAsync(collection, subject, shard);
        }

        var counts = await Store.CountFacesByShardAsync(collection);

        Assert.Equal(new Dictionary<int, int> { [0] = 3, [2] = 2, [5] = 1 }, counts);
    }

    [StoreFact]
    public async Task DigestFacesByShard_AfterAddsAndADelete_IsTheDigestOfEachShardsIds()
    {
        var collection = Guid.NewGuid();
        var subject = await AddSubjectAsync(collection, "a");
        var faces = new List<FaceRecord>();
        foreach (var shard in new[] { 0, 0, 2, 0, 2, 5 })
        {
            faces.Add(await AddFaceAsync(collection, subject, shard));
        }

        await Store.DeleteFacesAsync(collection, [faces[1].ImageId]);
        faces.RemoveAt(1);

        var digests = await Store.DigestFacesByShardAsync(collection);

        // The store's digest must be the one the shard copies compute from the ids they hold (computed in SQL on PostgreSQL).
        Assert.Equal(
            faces.GroupBy(f => f.Shard).ToDictionary(g => g.Key, g => CompreFace.Grains.Collections.ShardDigest.Of(g.Select(f => f.ImageId))),
            digests);
        Assert.Empty(await Store.DigestFacesByShardAsync(Guid.NewGuid()));
    }

    [StoreFact]
    public async Task LoadShard_MixedShards_StreamsExactlyThatShardInInsertionOrder()
    {
        var collection = Guid.NewGuid();
        var a = await AddSubjectAsync(collection, "a");
        var b = await AddSubjectAsync(collection, "b");
        var expected = new List<FaceRecord>();
        for (var i = 0; i < 40; i++)
        {
            var face = await AddFaceAsync(collection, i % 3 == 0 ? a : b, shard: i % 2);
            if (face.Shard == 1)
            {
                expected.Add(face);
            }
        }

        var other = Guid.NewGuid();
        await AddFaceAsync(other, await AddSubjectAsync(other, "a"), shard: 1);

        var loaded = await LoadAsync(collection, 1);

        Assert.Equal(expected.Select(f => (f.ImageId, f.SubjectId)), loaded.Select(f => (f.ImageId, f.SubjectId)));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Embedding, loaded[i].Embedding);
        }
    }

    [StoreFact]
    public async Task LoadShard_DimensionsAboveAndBelow512_StreamsEachVector()
    {
        var collection = Guid.NewGuid();
        var subject = await AddSubjectAsync(collection, "a");
        var random = new Random(11);
        var faces = new List<FaceRecord>();
        foreach (var dimension in new[] { 128, 1024, 512, 3 })
        {
            var face = new FaceRecord(Guid.NewGuid(), subject.SubjectId, 0, RandomUnitVector(random, dimension), Calculator);
            await Store.AddFaceAsync(collection, face, null);
            faces.Add(face);
        }

        var loaded = await LoadAsync(collection, 0);

        Assert.Equal(faces.Select(f => f.Embedding), loaded.Select(f => f.Embedding));
    }

    [StoreFact]
    public async Task LoadShard_EmptyShard_CallsSinkNever()
    {
        var collection = Guid.NewGuid();
        await AddFaceAsync(collection, await AddSubjectAsync(collection, "a"), shard: 0);

        Assert.Empty(await LoadAsync(collection, 1));
        Assert.Empty(await LoadAsync(Guid.NewGuid(), 0));
    }

    [StoreFact]
    public async Task Collections_OtherCollectionsId_CannotReadListOrChangeRows()
    {
        var owner = Guid.NewGuid();
        var intruder = Guid.NewGuid();
        var subject = await AddSubjectAsync(owner, "victim");
        var face = await AddFaceAsync(owner, subject, image: true);
        await AddSubjectAsync(intruder, "victim");

        Assert.Null(await Store.GetFaceAsync(intruder, face.ImageId));
        Assert.Null(await Store.GetImageAsync(intruder, face.ImageId));
        Assert.Empty((await Store.ListFacesAsync(intruder, "victim", 0, 10)).Page);
        Assert.Empty((await Store.ListFacesAsync(intruder, null, 0, 10)).Page);
        Assert.Empty(await Store.CountFacesByShardAsync(intruder));
        Assert.Empty(await LoadAsync(intruder, face.Shard));
        Assert.Empty(await Store.DeleteFacesAsync(intruder, [face.ImageId]));
        Assert.Equal(0, await Store.DeleteSubjectsAsync(intruder, [subject.SubjectId]));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.RenameSubjectAsync(intruder, subject.SubjectId, "mine"));
        await Store.DeleteCollectionAsync(intruder);

        Assert.Equal([subject], await Store.GetSubjectsAsync(owner));
        Assert.NotNull(await Store.GetFaceAsync(owner, face.ImageId));
        Assert.NotNull(await Store.GetImageAsync(owner, face.ImageId));
    }

    [StoreFact]
    public async Task EnsureSchema_RunTwice_IsIdempotent()
    {
        await Store.EnsureSchemaAsync();
        await CreateStore(saveImages: true).EnsureSchemaAsync();

        // One row per migration step, applied once (the list grows: 2 added the admin tables).
        Assert.Equal((long)StorageSchemas.Sqlite.Steps.Count, await ScalarAsync("SELECT count(*) FROM cf_schema_version"));
        Assert.Equal((long)StorageSchemas.Sqlite.Latest, await ScalarAsync("SELECT max(version) FROM cf_schema_version"));
    }

    /// <summary>The stored form: float32 little-endian (decision 0006), written independently of the stores' codec.</summary>
    protected static byte[] EmbeddingBytes(float[] embedding)
    {
        var bytes = new byte[embedding.Length * sizeof(float)];
        for (var i = 0; i < embedding.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), embedding[i]);
        }

        return bytes;
    }

    protected static float[] RandomUnitVector(Random random, int dimension)
    {
        var vector = new float[dimension];
        var norm = 0.0;
        for (var i = 0; i < dimension; i++)
        {
            vector[i] = (float)(random.NextDouble() * 2 - 1);
            norm += vector[i] * vector[i];
        }

        var scale = (float)(1 / Math.Sqrt(norm));
        for (var i = 0; i < dimension; i++)
        {
            vector[i] *= scale;
        }

        return vector;
    }

    private async Task<SubjectRecord> AddSubjectAsync(Guid collection, string name)
    {
        var subject = new SubjectRecord(Guid.NewGuid(), name);
        await Store.AddSubjectAsync(collection, subject);
        return subject;
    }

    private async Task<FaceRecord> AddFaceAsync(Guid collection, SubjectRecord subject, int shard = 0, bool image = false)
    {
        var face = new FaceRecord(Guid.NewGuid(), subject.SubjectId, shard, RandomUnitVector(Random.Shared, Dimension), Calculator);
        await Store.AddFaceAsync(collection, face, image ? face.ImageId.ToByteArray() : (ReadOnlyMemory<byte>?)null);
        return face;
    }

    private async Task<List<FaceRecord>> LoadAsync(Guid collection, int shard)
    {
        var loaded = new List<FaceRecord>();
        await Store.LoadShardAsync(collection, shard, (imageId, subjectId, calculator, embedding) =>
            loaded.Add(new FaceRecord(imageId, subjectId, shard, embedding.ToArray(), calculator)));
        return loaded;
    }
}
