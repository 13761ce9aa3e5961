using System.Formats.Tar;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Interfaces.Jobs;
using CompreFace.Grains.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Core.Internal;

namespace CompreFace.Admin.Tests;

/// <summary>
/// An import or a bulk enrolment while the collection is re-embedded (docs/decisions/0034-jobs-and-re-embedding.md): its examples are
/// stored with both models, as an add is, so recognition (still answering from the old model) finds them at once and the
/// re-embedding has nothing left to compute for them; after the switch they are found under the new model. The node's
/// clock is a <see cref="FakeTimeProvider"/> and the re-embedding pauses a (fake) minute after each face, so it is
/// running, mid-way, for as long as the test needs.
/// </summary>
public sealed class ImportDuringReembeddingTests
{
    private const string Dlib = "dlib.Calculator@dlib_resnet128_faceapi";
    private const string MobileFaceNet = "mobilefacenet.Calculator@mobilefacenet512_faceplugin";
    private const string Password = "reembed-import-1";

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task Import_DuringAReembedding_StoresBothModels_FoundBeforeAndAfterTheSwitch_NothingLeftToCompute(Store store)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var database = store == Store.Postgres ? await PostgresServer.CreateDatabaseAsync("cf_reembed_import") : null;
        using var node = new MigratingNode(clock, database?.ConnectionString);
        using var owner = await AdminClient.SignedUpAsync(node, "owner@example.com", Password, "Olga", "Owner");
        var grains = node.Services.GetRequiredService<IGrainFactory>();
        var people = SingleFacePhotos().Take(7).ToList();
        var app = await owner.CreateAppAsync();

        // The collection to re-embed: three people enrolled with dlib (as a node configured with it did).
        var (migratingId, key) = await owner.CreateServiceAsync(app);
        var dlibFaces = await AddWithDlibAsync(grains, migratingId, people[..3]);

        // An archive of dlib examples (its service emptied afterwards, so that one collection is re-embedded) and one of
        // the current model's.
        var (dlibSourceId, _) = await owner.CreateServiceAsync(app);
        await AddWithDlibAsync(grains, dlibSourceId, people[3..5]);
        var dlibArchive = await ExportAsync(owner, app, dlibSourceId);
        await grains.GetGrain<ISubjectCatalogGrain>(dlibSourceId).DeleteAllSubjectsAsync();
        var (mobileSourceId, mobileKey) = await owner.CreateServiceAsync(app);
        foreach (var (identity, photo) in people[5..])
        {
            var (status, body) = await owner.PostPhotoAsync($"/api/v1/recognition/faces?subject={Uri.EscapeDataString(identity)}", mobileKey, photo);
            Assert.True(status == HttpStatusCode.Created, body.ToString());
        }

        var mobileArchive = await ExportAsync(owner, app, mobileSourceId);

        using (var migrate = await owner.Http.PostAsync(new Uri("/api/v1/migrate", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, migrate.StatusCode);
        }

        var job = await WaitForJobAsync(grains, migratingId, j => j.State == JobState.Running && j.Done >= 1);
        Assert.Equal($"{Dlib} → {MobileFaceNet}", job.Detail);

        // Both archives into the collection while it is re-embedded: each example's missing model is computed from its photo.
        foreach (var archive in new[] { dlibArchive, mobileArchive })
        {
            var report = await ImportAsync(owner, $"/admin/app/{app}/model/{migratingId}/import", archive);
            Assert.Equal((2L, 2L, 0L), (report.GetProperty("facesAdded").GetInt64(), report.GetProperty("facesReembedded").GetInt64(), report.GetProperty("problems").GetInt64()));
        }

        Assert.Equal(JobState.Running, (await WaitForJobAsync(grains, migratingId, _ => true)).State);
        foreach (var (identity, photo) in people)
        {
            Assert.Equal(identity, await BestMatchAsync(owner, key, photo));
        }

        // What the re-embedding still has to compute: only faces that were there before it started.
        var pending = await node.Services.GetRequiredService<IReembedStore>().ListPendingAsync(migratingId, MobileFaceNet, [], 100);
        Assert.NotEmpty(pending);
        Assert.All(pending, p => Assert.Contains(p.ImageId, dlibFaces));

        // Let it finish: every face, imported ones included, is found under the new model.
        var finished = await WaitForJobAsync(grains, migratingId, j => j.State != JobState.Running, advance: clock);
        Assert.True((JobState.Completed, 3L, 0L) == (finished.State, finished.Done, finished.Failed), finished.ToString());
        // The switch is read from the store, not from the collection's in-memory plan: the fake clock runs minutes ahead,
        // so the collection may have been deactivated and reactivated since, with no re-embedding left to plan for.
        var stored = await grains.GetGrain<IFaceCollectionGrain>(migratingId).ExportFacesAsync(0, 100, images: false);
        Assert.Equal(people.Count, stored.Faces.Count);
        Assert.All(stored.Faces, f => Assert.Equal(MobileFaceNet, f.Calculator));
        foreach (var (identity, photo) in people)
        {
            Assert.Equal(identity, await BestMatchAsync(owner, key, photo));
        }
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task BulkEnrol_DuringAReembedding_StoresBothModels_FoundBeforeTheSwitch(Store store)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var database = store == Store.Postgres ? await PostgresServer.CreateDatabaseAsync("cf_reembed_bulk") : null;
        using var node = new MigratingNode(clock, database?.ConnectionString);
        using var owner = await AdminClient.SignedUpAsync(node, "owner@example.com", Password, "Olga", "Owner");
        var grains = node.Services.GetRequiredService<IGrainFactory>();
        var people = SingleFacePhotos().Take(6).ToList();
        var app = await owner.CreateAppAsync();
        var (migratingId, key) = await owner.CreateServiceAsync(app);
        var dlibFaces = await AddWithDlibAsync(grains, migratingId, people[..3]);
        using (var migrate = await owner.Http.PostAsync(new Uri("/api/v1/migrate", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, migrate.StatusCode);
        }

        await WaitForJobAsync(grains, migratingId, j => j.State == JobState.Running && j.Done >= 1);

        // The other three people enrolled from an archive while the collection is re-embedded.
        var enrolled = await WaitForBulkAsync(await BulkEnrolAsync(grains, owner, app, migratingId, people[3..]));
        Assert.True(enrolled is { State: JobState.Completed, Done: 3, Failed: 0 }, enrolled.ToString());

        // Still before the switch: recognition (answering from dlib) finds the enrolled people, and the re-embedding has
        // nothing to compute for them.
        Assert.Equal(JobState.Running, (await WaitForJobAsync(grains, migratingId, _ => true)).State);
        Assert.Equal(Dlib, (await grains.GetGrain<IFaceCollectionGrain>(migratingId).GetModelPlanAsync()).Serving);
        foreach (var (identity, photo) in people)
        {
            Assert.Equal(identity, await BestMatchAsync(owner, key, photo));
        }

        var pending = await node.Services.GetRequiredService<IReembedStore>().ListPendingAsync(migratingId, MobileFaceNet, [], 100);
        Assert.NotEmpty(pending);
        Assert.All(pending, p => Assert.Contains(p.ImageId, dlibFaces));
    }

    /// <summary>
    /// Bulk enrolments whose photos were analysed before a re-embedding started, so with the node's model only (dlib here,
    /// the old one, as on a node not yet restarted with the new model; the re-embedding is started as a node configured
    /// with MobileFaceNet starts it). One is stored while the re-embedding runs, the other after it switched. The
    /// collection refuses both steps (a face lacks a model it needs now) and the job analyses their photos again: the
    /// first is stored with both models (found before the switch, nothing left for the re-embedding, which would miss a
    /// face stored after it last listed its pending ones), the second with the new one (stored as it was, it would never
    /// be found under the new model).
    /// </summary>
    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task BulkEnrol_PhotosAnalysedBeforeAReembeddingStarted_StoredDuringAndAfterIt_AreAnalysedAgain_FoundUnderTheNewModel(Store store)
    {
        await using var setup = await GatedCollection.CreateAsync(store, "cf_reembed_bulk_page", 6);
        var (clock, gate, node, owner, grains, people) = (setup.Clock, setup.Gate, setup.Node, setup.Owner, setup.Grains, setup.People);
        var (app, migratingId, key, dlibFaces) = (setup.App, setup.CollectionId, setup.Key, setup.DlibFaces);

        // Two uploads read and their photos sent for analysis before the re-embedding starts; the analyses wait at the gate.
        var during = people[2..4];
        var after = people[4..];
        gate.Hold(people[2..].Select(p => p.Photo));
        var duringJob = await BulkEnrolAsync(grains, owner, app, migratingId, during);
        var afterJob = await BulkEnrolAsync(grains, owner, app, migratingId, after);
        await gate.ReachedAsync(people[2..].Select(p => p.Photo));
        var started = await grains.GetGrain<IReembeddingGrain>(0).StartAsync(MobileFaceNet, "owner@example.com");
        Assert.Single(started.Jobs);
        await WaitForJobAsync(grains, migratingId, j => j.State == JobState.Running && j.Done >= 1);

        // The first upload's dlib-only analyses reach the collection while it is re-embedded.
        gate.Release(during.Select(p => p.Photo));
        var first = await WaitForBulkAsync(duringJob);
        Assert.True(first is { State: JobState.Completed, Done: 2, Failed: 0 }, first.ToString());
        Assert.Equal(JobState.Running, (await WaitForJobAsync(grains, migratingId, _ => true)).State);
        var pending = await node.Services.GetRequiredService<IReembedStore>().ListPendingAsync(migratingId, MobileFaceNet, [], 100);
        Assert.All(pending, p => Assert.Contains(p.ImageId, dlibFaces));
        foreach (var (identity, photo) in people[..4])
        {
            Assert.Equal(identity, await BestMatchAsync(owner, key, photo));
        }

        // The re-embedding ends and switches; then the second upload's dlib-only analyses reach the collection.
        var finished = await WaitForJobAsync(grains, migratingId, j => j.State != JobState.Running, advance: clock);
        Assert.True((JobState.Completed, 2L, 0L) == (finished.State, finished.Done, finished.Failed), finished.ToString());
        gate.Release(after.Select(p => p.Photo));
        var second = await WaitForBulkAsync(afterJob);
        Assert.True(second is { State: JobState.Completed, Done: 2, Failed: 0 }, second.ToString());

        var stored = await grains.GetGrain<IFaceCollectionGrain>(migratingId).ExportFacesAsync(0, 100, images: false);
        Assert.Equal(people.Count, stored.Faces.Count);
        Assert.All(stored.Faces, f => Assert.Equal(MobileFaceNet, f.Calculator));
        foreach (var (identity, photo) in people)
        {
            Assert.Equal(identity, await BestMatchUnderAsync(grains, migratingId, MobileFaceNet, photo));
        }
    }

    /// <summary>
    /// A bulk enrolment whose photos were analysed before a re-embedding started (dlib only, as above), stored after the
    /// collection switched and was deactivated (an idle collection, a node restart, a grain moved). The reactivated
    /// collection still serves the new model only: the switch is read from the store, not from the memory of the
    /// activation that made it, so the step is refused and analysed again, and a later add of an old-model vector is
    /// refused too. Stored as they were, the photos would never be found under the new model.
    /// </summary>
    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task BulkEnrol_PhotosAnalysedBeforeAReembedding_StoredAfterTheCollectionSwitchedAndWasDeactivated_AreAnalysedAgain_FoundUnderTheNewModel(Store store)
    {
        await using var setup = await GatedCollection.CreateAsync(store, "cf_reembed_reactivated", 5);
        var (clock, gate, owner, grains, people) = (setup.Clock, setup.Gate, setup.Owner, setup.Grains, setup.People);
        var (app, migratingId) = (setup.App, setup.CollectionId);

        // One upload's photos analysed with dlib before the re-embedding starts; the analyses wait at the gate.
        var late = people[2..4];
        gate.Hold(late.Select(p => p.Photo));
        var lateJob = await BulkEnrolAsync(grains, owner, app, migratingId, late);
        await gate.ReachedAsync(late.Select(p => p.Photo));
        Assert.Single((await grains.GetGrain<IReembeddingGrain>(0).StartAsync(MobileFaceNet, "owner@example.com")).Jobs);
        await WaitForJobAsync(grains, migratingId, j => j.State == JobState.Running && j.Done >= 1);
        var finished = await WaitForJobAsync(grains, migratingId, j => j.State != JobState.Running, advance: clock);
        Assert.True((JobState.Completed, 2L, 0L) == (finished.State, finished.Done, finished.Failed), finished.ToString());

        // The collection that switched goes; the upload's dlib-only analyses then reach a new activation.
        await DeactivateAsync(grains, migratingId);
        gate.Release(late.Select(p => p.Photo));
        var enrolled = await WaitForBulkAsync(lateJob);
        Assert.True(enrolled is { State: JobState.Completed, Done: 2, Failed: 0 }, enrolled.ToString());

        var collection = grains.GetGrain<IFaceCollectionGrain>(migratingId);
        var stored = await collection.ExportFacesAsync(0, 100, images: false);
        Assert.Equal(4, stored.Faces.Count);
        Assert.All(stored.Faces, f => Assert.Equal(MobileFaceNet, f.Calculator));
        foreach (var (identity, photo) in people[..4])
        {
            Assert.Equal(identity, await BestMatchUnderAsync(grains, migratingId, MobileFaceNet, photo));
        }

        // After one more deactivation, an add computed with the old model is refused (the caller computes it again).
        await DeactivateAsync(grains, migratingId);
        var refused = await Assert.ThrowsAsync<ModelPlanChangedException>(() => AddWithDlibAsync(grains, migratingId, people[4..]));
        Assert.Equal(new ModelPlan(MobileFaceNet, null), refused.Plan);
        Assert.Equal(4, (await collection.ExportFacesAsync(0, 100, images: false)).Faces.Count);

        // Emptied, it starts again as a new collection does: any model, at once and after another activation.
        Assert.Equal(4, await grains.GetGrain<ISubjectCatalogGrain>(migratingId).DeleteAllSubjectsAsync());
        Assert.Equal(ModelPlan.Any, await collection.GetModelPlanAsync());
        await DeactivateAsync(grains, migratingId);
        Assert.Equal(ModelPlan.Any, await collection.GetModelPlanAsync());
        Assert.Single(await AddWithDlibAsync(grains, migratingId, people[4..]));
    }

    /// <summary>Deactivates the collection grain (as its idle collection or a restart would); the next call activates it again.</summary>
    private static async Task DeactivateAsync(IGrainFactory grains, Guid collectionId) =>
        await grains.GetGrain<IFaceCollectionGrain>(collectionId).AsReference<IGrainManagementExtension>().DeactivateOnIdle();

    /// <summary>The best match of the photo's face, computed by <paramref name="calculator"/>, searched in the collection grain.</summary>
    private static async Task<string> BestMatchUnderAsync(IGrainFactory grains, Guid collectionId, string calculator, byte[] photo)
    {
        var query = await grains.GetGrain<IFaceAnalyzerGrain>(0).AnalyzeAsync(
            new FaceAnalysisRequest { Image = photo, Limit = 1, ComputeEmbeddings = true, Embedder = calculator });
        var matches = await grains.GetGrain<IFaceCollectionGrain>(collectionId).SearchAsync(
            new FaceSearch { Embeddings = [query.Faces[0].Embedding!], Calculator = calculator });
        return matches[0][0].Subject;
    }

    /// <summary>Uploads the photos as one archive of <c>identity/photo.jpg</c> files; returns the bulk enrolment's job.</summary>
    private static async Task<IJobGrain> BulkEnrolAsync(IGrainFactory grains, AdminClient owner, Guid app, Guid serviceId, IEnumerable<(string Identity, byte[] Photo)> people)
    {
        using var content = new ByteArrayContent(TestArchives.Zip(people.Select(p => KeyValuePair.Create($"{p.Identity}/photo.jpg", p.Photo))));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        using var response = await owner.Http.PostAsync(new Uri($"/admin/app/{app}/model/{serviceId}/enrol", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{response.StatusCode} {text}");
        return grains.GetGrain<IJobGrain>(JsonDocument.Parse(text).RootElement.GetProperty("jobId").GetGuid());
    }

    /// <summary>Polls a bulk enrolment until it ends (a sealed upload's last step is stored without waiting on the clock).</summary>
    private static async Task<JobInfo> WaitForBulkAsync(IJobGrain job)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        JobInfo? info;
        while ((info = await job.GetAsync()) is not { IsFinished: true } && waited.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(100);
        }

        return info ?? throw new InvalidOperationException("the job does not exist");
    }

    /// <summary>Adds each photo's face with its dlib vector and the photo, through the collection grain; returns the ids.</summary>
    private static async Task<List<Guid>> AddWithDlibAsync(IGrainFactory grains, Guid collectionId, IEnumerable<(string Identity, byte[] Photo)> people)
    {
        var ids = new List<Guid>();
        foreach (var (identity, photo) in people)
        {
            var analysis = await grains.GetGrain<IFaceAnalyzerGrain>(0).AnalyzeAsync(
                new FaceAnalysisRequest { Image = photo, Limit = 1, ComputeEmbeddings = true, Embedder = Dlib });
            Assert.Equal(Dlib, analysis.Calculator?.Version);
            ids.Add(await grains.GetGrain<IFaceCollectionGrain>(collectionId).AddFaceAsync(
                new AddFaceCommand { Subject = identity, Embedding = analysis.Faces[0].Embedding!, Calculator = Dlib, Image = photo }));
        }

        return ids;
    }

    /// <summary>
    /// Polls the collection's newest re-embedding job until <paramref name="until"/>. With <paramref name="advance"/>, moves
    /// the fake clock a minute (the pause after each face) once the job has reported a face, when the loop waits in its
    /// pause: the node's grain calls time out on the same clock, so it never moves while one is in flight.
    /// </summary>
    private static async Task<JobInfo> WaitForJobAsync(IGrainFactory grains, Guid collectionId, Func<JobInfo, bool> until, FakeTimeProvider? advance = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var still = System.Diagnostics.Stopwatch.StartNew();
        var advancedAt = -1L;
        JobInfo? job = null;
        while (clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            var jobs = await grains.GetGrain<IJobDirectoryGrain>(0).ListAsync(new JobQuery(Kind: JobKinds.Reembed, ServiceId: collectionId, Limit: 1));
            job = jobs.Count > 0 ? jobs[0] : null;
            if (job is not null && until(job))
            {
                return job;
            }

            // A report can come just before the loop enters its pause; a loop that has not moved for seconds waits there.
            if (advance is not null && job is not null && (job.Done != advancedAt || still.Elapsed > TimeSpan.FromSeconds(5)))
            {
                advance.Advance(TimeSpan.FromMinutes(1));
                advancedAt = job.Done;
                still.Restart();
            }

            await Task.Delay(100);
        }

        Assert.Fail($"the re-embedding did not get there: {job}");
        return job!;
    }

    private static async Task<byte[]> ExportAsync(AdminClient client, Guid app, Guid serviceId)
    {
        using var response = await client.Http.GetAsync(new Uri($"/admin/app/{app}/model/{serviceId}/export?images=true", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var archive = await response.Content.ReadAsByteArrayAsync();
        await using var reader = new TarReader(new MemoryStream(archive));
        Assert.Equal("manifest.json", (await reader.GetNextEntryAsync())?.Name);
        return archive;
    }

    private static async Task<JsonElement> ImportAsync(AdminClient client, string path, byte[] archive)
    {
        using var content = new ByteArrayContent(archive);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        using var response = await client.Http.PostAsync(new Uri(path, UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<string> BestMatchAsync(AdminClient client, string key, byte[] photo)
    {
        var (status, body) = await client.PostPhotoAsync("/api/v1/recognition/recognize?prediction_count=1", key, photo);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("result")[0].GetProperty("subjects")[0].GetProperty("subject").GetString()!;
    }

    /// <summary>One single-face photo (an original of modest size) per labelled identity.</summary>
    private static IEnumerable<(string Identity, byte[] Photo)> SingleFacePhotos() =>
        File.ReadLines(Path.Combine(SharedData.DataDirectory, "identities.csv")).Skip(1)
            .Select(line => line.Split(','))
            .Where(f => f.Length < 5 || f[4].Length == 0)
            .Where(f => new FileInfo(Path.Combine(SharedData.DataDirectory, f[0])).Length < 400_000)
            .DistinctBy(f => f[1])
            .Select(f => (f[1], File.ReadAllBytes(Path.Combine(SharedData.DataDirectory, f[0]))));

    /// <summary>
    /// A node configured with dlib, on a fake clock, its analyses behind a gate; its owner, and a collection holding the
    /// first two of <see cref="People"/> enrolled with dlib.
    /// </summary>
    private sealed class GatedCollection : IAsyncDisposable
    {
        private ScratchDatabase? _database;

        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

        public AnalysisGate Gate { get; } = new();

        public MigratingNode Node { get; private set; } = null!;

        public AdminClient Owner { get; private set; } = null!;

        public IGrainFactory Grains { get; private set; } = null!;

        public List<(string Identity, byte[] Photo)> People { get; private set; } = [];

        public Guid App { get; private set; }

        public Guid CollectionId { get; private set; }

        public string Key { get; private set; } = string.Empty;

        public List<Guid> DlibFaces { get; private set; } = [];

        public static async Task<GatedCollection> CreateAsync(Store store, string databasePrefix, int people)
        {
            var setup = new GatedCollection();
            try
            {
                setup._database = store == Store.Postgres ? await PostgresServer.CreateDatabaseAsync(databasePrefix) : null;
                setup.Node = new MigratingNode(setup.Clock, setup._database?.ConnectionString, setup.Gate, embedder: "dlib");
                setup.Owner = await AdminClient.SignedUpAsync(setup.Node, "owner@example.com", Password, "Olga", "Owner");
                setup.Grains = setup.Node.Services.GetRequiredService<IGrainFactory>();
                setup.People = SingleFacePhotos().Take(people).ToList();
                setup.App = await setup.Owner.CreateAppAsync();
                (setup.CollectionId, setup.Key) = await setup.Owner.CreateServiceAsync(setup.App);
                setup.DlibFaces = await AddWithDlibAsync(setup.Grains, setup.CollectionId, setup.People[..2]);
                return setup;
            }
            catch
            {
                await setup.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            Owner?.Dispose();
            Node?.Dispose();
            if (_database is not null)
            {
                await _database.DisposeAsync();
            }
        }
    }

    /// <summary>A node on a fake clock whose re-embedding embeds one face, then pauses a minute; optionally with another configured embedder.</summary>
    private sealed class MigratingNode(FakeTimeProvider clock, string? postgres, AnalysisGate? gate = null, string? embedder = null) : FakeClockNode(clock, postgres, gate)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Reembedding:BatchSize", "1");
            builder.UseSetting("Reembedding:Pause", "00:01:00");
            if (embedder is not null)
            {
                builder.UseSetting("Inference:Embedder", embedder);
            }
        }
    }
}
