using System.Net;
using System.Text.Json;
using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Interfaces.Admin;
using CompreFace.Grains.Interfaces.Jobs;
using CompreFace.Grains.Admin;
using CompreFace.Grains.Jobs;
using CompreFace.Grains.Storage;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CompreFace.Admin.Tests;

/// <summary>
/// The jobs list (docs/decisions/0034-jobs-and-re-embedding.md): its store on both dialects, the job grain's life cycle
/// with cooperative cancellation, and the admin routes with who sees what and the audit of a cancel.
/// </summary>
public sealed class JobTests
{
    private const string Password = "job-password-1";

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task JobStore_CreateUpdateListAndItems_RoundTripWithFilters(Store kind)
    {
        await using var db = await JobDatabase.CreateAsync(kind);
        var store = db.Jobs;
        var appA = Guid.NewGuid();
        var appB = Guid.NewGuid();
        var service = Guid.NewGuid();
        var t0 = new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);
        var first = new JobInfo(Guid.NewGuid(), JobKinds.Reembed, service, appA, JobState.Queued, 0, 0, 200, t0, null, null, t0, null, "system", false, "dlib → mobilefacenet");
        var second = first with { JobId = Guid.NewGuid(), Kind = JobKinds.Export, ServiceId = null, AppId = appB, Total = null, CreatedAt = t0.AddMinutes(1), Detail = null, CreatedBy = null };
        Assert.True(await store.CreateAsync(first));
        Assert.False(await store.CreateAsync(first with { Kind = JobKinds.Import }));
        Assert.True(await store.CreateAsync(second));
        Assert.Equal(first, await store.GetAsync(first.JobId));
        Assert.Null(await store.GetAsync(Guid.NewGuid()));

        var running = first with { State = JobState.Running, Done = 150, Failed = 3, StartedAt = t0.AddSeconds(5), UpdatedAt = t0.AddSeconds(9), CancelRequested = true };
        await store.UpdateAsync(running);
        Assert.Equal(running, await store.GetAsync(first.JobId));

        Assert.Equal([second.JobId, first.JobId], (await store.ListAsync(new JobQuery())).Select(j => j.JobId));
        Assert.Equal([first.JobId], (await store.ListAsync(new JobQuery(AppIds: [appA]))).Select(j => j.JobId));
        Assert.Empty(await store.ListAsync(new JobQuery(AppIds: [])));
        Assert.Equal([second.JobId], (await store.ListAsync(new JobQuery(Kind: JobKinds.Export))).Select(j => j.JobId));
        Assert.Equal([first.JobId], (await store.ListAsync(new JobQuery(ServiceId: service))).Select(j => j.JobId));
        await store.UpdateAsync(second with { State = JobState.Completed, FinishedAt = t0.AddMinutes(2) });
        Assert.Equal([first.JobId], (await store.ListAsync(new JobQuery(UnfinishedOnly: true))).Select(j => j.JobId));
        Assert.Single(await store.ListAsync(new JobQuery(Limit: 1)));

        await store.AddItemsAsync(first.JobId, [new JobItem("a.jpg", "no_face"), new JobItem("b.jpg", "bad_image", "Undecodable")]);
        await store.AddItemsAsync(first.JobId, [new JobItem(new string('x', 5000), "no_image")]);
        var items = await store.ListItemsAsync(first.JobId, 0, 10);
        Assert.Equal(["a.jpg", "b.jpg"], items.Take(2).Select(i => i.Item));
        Assert.Equal(new JobItem("b.jpg", "bad_image", "Undecodable"), items[1]);
        Assert.Equal(1000, items[2].Item.Length);
        Assert.Equal(["no_image"], (await store.ListItemsAsync(first.JobId, 2, 10)).Select(i => i.Outcome));
        Assert.Empty(await store.ListItemsAsync(second.JobId, 0, 10));
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task JobRetention_FinishedJobsOlderThanRetention_GoWithTheirReportsAndFiles_UnfinishedStay(Store kind)
    {
        await using var db = await JobDatabase.CreateAsync(kind);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero));
        var t0 = clock.GetUtcNow();
        var template = new JobInfo(Guid.NewGuid(), JobKinds.BulkEnrol, Guid.NewGuid(), Guid.NewGuid(), JobState.Queued, 0, 0, 2, t0, null, null, t0, null, "api", false, "people.zip");

        // Finished today: a completed bulk job with staged files and a report, a failed one, a cancelled one; and a
        // running job that started as long ago as the others finished.
        var completed = template with { JobId = Guid.NewGuid(), State = JobState.Completed, FinishedAt = t0 };
        var failed = template with { JobId = Guid.NewGuid(), State = JobState.Failed, FinishedAt = t0.AddHours(1), Error = "lost" };
        var cancelled = template with { JobId = Guid.NewGuid(), Kind = JobKinds.Export, State = JobState.Cancelled, FinishedAt = t0.AddHours(2) };
        var running = template with { JobId = Guid.NewGuid(), Kind = JobKinds.Reembed, State = JobState.Running, StartedAt = t0 };
        foreach (var job in new[] { completed, failed, cancelled, running })
        {
            Assert.True(await db.Jobs.CreateAsync(job));
            await db.Jobs.AddItemsAsync(job.JobId, [new JobItem("a.jpg", "no_face")]);
            await db.Enrolment.AddFilesAsync(job.JobId, [new EnrolmentFile(1, "a.jpg", "Ann", Guid.NewGuid(), [1, 2, 3])]);
        }

        var retention = new PeriodicPurge<JobRetention>(
            new JobRetention(db.Jobs, Options.Create(new JobOptions { Retention = TimeSpan.FromDays(30) }), NullLogger<JobRetention>.Instance),
            clock,
            NullLogger<JobRetention>.Instance);

        clock.Advance(TimeSpan.FromDays(30) + TimeSpan.FromMinutes(30));
        Assert.Equal(1, await retention.PurgeAsync(CancellationToken.None));
        Assert.Null(await db.Jobs.GetAsync(completed.JobId));
        Assert.Empty(await db.Jobs.ListItemsAsync(completed.JobId, 0, 10));
        Assert.Empty(await db.Enrolment.ReportAsync(completed.JobId, 0, 10));
        Assert.Single(await db.Jobs.ListItemsAsync(failed.JobId, 0, 10));
        Assert.Single(await db.Enrolment.ReportAsync(failed.JobId, 0, 10));

        clock.Advance(TimeSpan.FromDays(365));
        Assert.Equal(2, await retention.PurgeAsync(CancellationToken.None));
        Assert.Equal([running.JobId], (await db.Jobs.ListAsync(new JobQuery())).Select(j => j.JobId));
        Assert.Single(await db.Jobs.ListItemsAsync(running.JobId, 0, 10));
        Assert.Single(await db.Enrolment.ReportAsync(running.JobId, 0, 10));
        Assert.Equal(0, await retention.PurgeAsync(CancellationToken.None));
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task ReembedStore_PendingVectorsCountAndSwitch_MoveTheNewModelIntoTheFacesAtOnce_AndRecordItUntilTheCollectionIsDeleted(Store kind)
    {
        await using var db = await JobDatabase.CreateAsync(kind);
        var (store, vectors) = (db.Faces, db.Vectors);
        float[] up = [0f, 1f], tilted = [0.6f, 0.8f], diagonal = [1f, 1f];
        var collection = Guid.NewGuid();
        var other = Guid.NewGuid();
        var subject = new SubjectRecord(Guid.NewGuid(), "Ann");
        await store.AddSubjectAsync(collection, subject);
        await store.AddSubjectAsync(other, new SubjectRecord(Guid.NewGuid(), "Bob"));
        var ids = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            // Three faces of the old model (one on shard 1), one already of the new model.
            await store.AddFaceAsync(collection, new FaceRecord(id, subject.SubjectId, i == 2 ? 1 : 0, [1f, 0f, 0f], i == 3 ? "new" : "old"), new byte[] { 1, 2, 3 });
        }

        Assert.Equal([collection], await vectors.FindCollectionsWithOtherModelsAsync("new"));
        Assert.Equal("old", await vectors.FindOtherModelAsync(collection, "new"));
        Assert.Null(await vectors.FindOtherModelAsync(other, "new"));
        Assert.Equal((3L, 0L), await vectors.CountAsync(collection, "new"));
        Assert.Equal(ids[..3], (await vectors.ListPendingAsync(collection, "new", [], 10)).Select(c => c.ImageId));
        Assert.Equal([ids[1]], (await vectors.ListPendingAsync(collection, "new", [ids[0]], 1)).Select(c => c.ImageId));

        // Vectors of faces of another collection or deleted faces are not stored; a repeat replaces.
        await vectors.AddVectorsAsync(collection, "new", [(ids[0], up), (ids[2], up), (Guid.NewGuid(), diagonal)]);
        await vectors.AddVectorsAsync(other, "new", [(ids[1], up)]);
        await vectors.AddVectorsAsync(collection, "new", [(ids[0], tilted)]);
        Assert.Equal((3L, 2L), await vectors.CountAsync(collection, "new"));
        Assert.Equal([ids[1]], (await vectors.ListPendingAsync(collection, "new", [], 10)).Select(c => c.ImageId));
        var loaded = new List<(Guid, string, float[])>();
        await vectors.LoadShardVectorsAsync(collection, 0, (id, subjectId, calculator, vector) => loaded.Add((id, calculator, vector.ToArray())));
        Assert.Equal(ids[0], Assert.Single(loaded).Item1);
        Assert.Equal(tilted, loaded[0].Item3);

        Assert.Null(await vectors.GetSwitchedModelAsync(collection));
        Assert.Equal(2, await vectors.SwitchAsync(collection, "new"));
        Assert.Equal("new", await vectors.GetSwitchedModelAsync(collection));
        Assert.Null(await vectors.GetSwitchedModelAsync(other));
        var switched = (await store.GetFaceAsync(collection, ids[0]))!;
        Assert.Equal("new", switched.Calculator);
        Assert.Equal(tilted, switched.Embedding);
        Assert.Equal("old", (await store.GetFaceAsync(collection, ids[1]))!.Calculator);
        Assert.Equal((1L, 0L), await vectors.CountAsync(collection, "new"));

        // A face's second vector goes with it.
        await vectors.AddVectorsAsync(collection, "new", [(ids[1], up)]);
        await store.DeleteFacesAsync(collection, [ids[1]]);
        Assert.Equal((0L, 0L), await vectors.CountAsync(collection, "new"));
        loaded.Clear();
        await vectors.LoadShardVectorsAsync(collection, 0, (id, _, _, _) => loaded.Add((id, string.Empty, [])));
        Assert.Empty(loaded);

        // A later switch records its model; the record goes with the collection's rows.
        await vectors.SwitchAsync(collection, "newer");
        Assert.Equal("newer", await vectors.GetSwitchedModelAsync(collection));
        await store.DeleteCollectionAsync(collection);
        Assert.Null(await vectors.GetSwitchedModelAsync(collection));
    }

    [Fact]
    public async Task JobRun_CancelRequestedWhileRunning_CancelsTheWorkersTokenAtItsNextReport_AndFinishesCancelled()
    {
        using var factory = new AdminFactory();
        _ = factory.Server;
        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        var job = grains.GetGrain<IJobGrain>(Guid.NewGuid());
        var created = await job.CreateAsync(new JobSpec(JobKinds.BulkEnrol, Guid.NewGuid(), Guid.NewGuid(), 10, "system"));
        Assert.Equal((JobState.Queued, 10L), (created.State, created.Total));
        Assert.Same(created.Kind, (await job.CreateAsync(new JobSpec(JobKinds.Export, null, null, null, null))).Kind);

        await using var run = await JobRun.StartAsync(grains, created.JobId, CancellationToken.None);
        Assert.NotNull(run);
        await run.ReportAsync(3, 1);
        Assert.False(run.Token.IsCancellationRequested);
        var info = await job.GetAsync();
        Assert.Equal((JobState.Running, 3L, 1L, 10L), (info!.State, info.Done, info.Failed, info.Total));
        await run.AddItemsAsync([new JobItem("x/1.jpg", "no_face")]);

        var cancelling = await job.CancelAsync();
        Assert.Equal((JobState.Running, true), (cancelling!.State, cancelling.CancelRequested));
        await run.ReportAsync(4, 1);
        Assert.True(run.Token.IsCancellationRequested);
        await run.FinishAsync(new OperationCanceledException(run.Token));
        var finished = await job.GetAsync();
        Assert.Equal((JobState.Cancelled, 4L, (string?)null), (finished!.State, finished.Done, finished.Error));
        Assert.NotNull(finished.FinishedAt);
        Assert.Equal("x/1.jpg", Assert.Single(await job.ListItemsAsync(0, 10)).Item);

        // A queued job that is cancelled never starts; a failing worker records its error.
        var queued = grains.GetGrain<IJobGrain>(Guid.NewGuid());
        await queued.CreateAsync(new JobSpec(JobKinds.Import, null, null, null, null));
        Assert.Equal(JobState.Cancelled, (await queued.CancelAsync())!.State);
        Assert.Null(await JobRun.StartAsync(grains, queued.GetPrimaryKey(), CancellationToken.None));
        var failing = grains.GetGrain<IJobGrain>(Guid.NewGuid());
        await failing.CreateAsync(new JobSpec(JobKinds.Import, null, null, null, null));
        await using (var failingRun = await JobRun.StartAsync(grains, failing.GetPrimaryKey(), CancellationToken.None))
        {
            await failingRun!.FinishAsync(new InvalidDataException("archive truncated"));
        }

        Assert.Equal((JobState.Failed, "archive truncated"), ((await failing.GetAsync())!.State, (await failing.GetAsync())!.Error));
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task JobsApi_GlobalOwnerSeesAll_AppAdminsTheirApps_OthersNone_CancelIsAudited(Store store)
    {
        using var factory = store == Store.Postgres ? new PostgresAdminFactory() : new AdminFactory();
        using var owner = await AdminClient.SignedUpAsync(factory, "owner@example.com", Password, "Olga", "Owner");
        using var admin = await AdminClient.SignedUpAsync(factory, "admin@example.com", Password, "Adam", "Admin");
        var adminId = await admin.UserIdAsync();
        using var stranger = await AdminClient.SignedUpAsync(factory, "stranger@example.com", Password, "Sam", "Stranger");

        var appA = await owner.CreateAppAsync("A");
        var appB = await owner.CreateAppAsync("B");
        Assert.Equal(HttpStatusCode.Created, (await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appA}/invite", new { userEmail = "admin@example.com", role = "ADMINISTRATOR" })).Status);
        var (serviceA, _) = await owner.CreateServiceAsync(appA);
        var (serviceB, _) = await owner.CreateServiceAsync(appB);

        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        var jobA = Guid.NewGuid();
        var jobB = Guid.NewGuid();
        await grains.GetGrain<IJobGrain>(jobA).CreateAsync(new JobSpec(JobKinds.Reembed, serviceA, appA, 200, "system", "dlib → mobilefacenet"));
        await grains.GetGrain<IJobGrain>(jobB).CreateAsync(new JobSpec(JobKinds.Export, serviceB, appB, null, "owner@example.com"));

        var (_, all) = Ok(await owner.SendAsync(HttpMethod.Get, "/admin/jobs"));
        // Who sees which jobs; the two were created within the same millisecond at times, so their order (newest
        // first, ties by id) is not what this test is about.
        Assert.Equal(new[] { jobA, jobB }.Order(), all.EnumerateArray().Select(j => j.GetProperty("id").GetGuid()).Order());
        var listedA = all.EnumerateArray().Single(j => j.GetProperty("id").GetGuid() == jobA);
        Assert.Equal(("reembed", "queued", 200, "dlib → mobilefacenet"), (listedA.GetProperty("kind").GetString(), listedA.GetProperty("state").GetString(), listedA.GetProperty("total").GetInt32(), listedA.GetProperty("detail").GetString()));
        Assert.Equal(0, listedA.GetProperty("percent").GetDouble());
        Assert.Equal(serviceA, listedA.GetProperty("serviceId").GetGuid());

        var (_, mine) = Ok(await admin.SendAsync(HttpMethod.Get, "/admin/jobs"));
        Assert.Equal([jobA], mine.EnumerateArray().Select(j => j.GetProperty("id").GetGuid()));
        Assert.Empty(Ok(await stranger.SendAsync(HttpMethod.Get, "/admin/jobs")).Body.EnumerateArray());
        Assert.Single(Ok(await owner.SendAsync(HttpMethod.Get, "/admin/jobs?kind=export")).Body.EnumerateArray());
        Assert.Single(Ok(await owner.SendAsync(HttpMethod.Get, $"/admin/jobs?serviceId={serviceA}&active=true")).Body.EnumerateArray());

        Error(await admin.SendAsync(HttpMethod.Get, $"/admin/jobs/{jobB}"), HttpStatusCode.BadRequest, 9);
        Error(await stranger.SendAsync(HttpMethod.Post, $"/admin/jobs/{jobA}/cancel"), HttpStatusCode.BadRequest, 9);
        Error(await owner.SendAsync(HttpMethod.Get, $"/admin/jobs/{Guid.NewGuid()}"), HttpStatusCode.NotFound, 2);
        Error(await owner.SendAsync(HttpMethod.Get, "/admin/jobs/not-a-guid"), HttpStatusCode.BadRequest, 26);
        Error(await owner.SendAsync(HttpMethod.Get, "/admin/jobs?kind=copy"), HttpStatusCode.BadRequest, 26);

        var (_, cancelled) = Ok(await admin.SendAsync(HttpMethod.Post, $"/admin/jobs/{jobA}/cancel"));
        Assert.Equal(("cancelled", true), (cancelled.GetProperty("state").GetString(), cancelled.GetProperty("cancelRequested").GetBoolean()));
        Assert.Equal("cancelled", Ok(await admin.SendAsync(HttpMethod.Get, $"/admin/jobs/{jobA}")).Body.GetProperty("state").GetString());
        Assert.Empty(Ok(await admin.SendAsync(HttpMethod.Get, $"/admin/jobs/{jobA}/items")).Body.EnumerateArray());
        var again = Error(await admin.SendAsync(HttpMethod.Post, $"/admin/jobs/{jobA}/cancel"), HttpStatusCode.BadRequest, 26);
        Assert.Equal($"Job {jobA} has already finished (cancelled)", again.GetProperty("message").GetString());

        var audit = (await factory.Services.GetRequiredService<IAuditStore>().QueryAsync(new AuditQuery(Action: AuditActions.JobCancel))).Items;
        var entry = Assert.Single(audit).Entry;
        Assert.Equal(((Guid?)adminId, "job", jobA.ToString(), (Guid?)appA), (entry.ActorId, entry.TargetType, entry.TargetId, entry.AppId));
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task AbandonedTransferJobs_HeartbeatOlderThanStaleAfter_FailsExportAndImportOnly(Store store)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var node = store == Store.Postgres ? new PostgresAdminFactory() : new AdminFactory();
        using var factory = node.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(clock);
        }));
        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        var sweep = factory.Services.GetRequiredService<PeriodicPurge<AbandonedTransferJobs>>();
        async Task<IJobGrain> RunningAsync(string kind)
        {
            var job = grains.GetGrain<IJobGrain>(Guid.NewGuid());
            await job.CreateAsync(new JobSpec(kind, null, null, 10, "owner@example.com"));
            await job.StartAsync();
            return job;
        }

        var export = await RunningAsync(JobKinds.Export);
        var import = await RunningAsync(JobKinds.Import);
        var reembed = await RunningAsync(JobKinds.Reembed);
        var beating = await RunningAsync(JobKinds.Import);
        var neverStarted = grains.GetGrain<IJobGrain>(Guid.NewGuid());
        await neverStarted.CreateAsync(new JobSpec(JobKinds.Export, null, null, null, "owner@example.com"));

        clock.Advance(JobGrain.StaleAfter / 2);
        await beating.ReportAsync(new JobProgress(5, 0));
        Assert.Equal(0, await sweep.PurgeAsync(CancellationToken.None));

        // Past the limit for the three that stopped reporting and the export whose node died before starting it, not for the
        // one whose heartbeat went on.
        clock.Advance((JobGrain.StaleAfter / 2) + TimeSpan.FromSeconds(1));
        await sweep.PurgeAsync(CancellationToken.None);

        foreach (var job in new[] { export, import, neverStarted })
        {
            var info = (await job.GetAsync())!;
            Assert.Equal((JobState.Failed, AbandonedTransferJobs.Failure), (info.State, info.Error));
            Assert.Equal(clock.GetUtcNow(), info.FinishedAt);
        }

        // A re-embedding has its resumer; a transfer still reporting is alive.
        Assert.Equal(JobState.Running, (await reembed.GetAsync())!.State);
        Assert.Equal(JobState.Running, (await beating.GetAsync())!.State);
        Assert.Equal(0, await sweep.PurgeAsync(CancellationToken.None));
        Assert.Equal(JobState.Failed, (await factory.Services.GetRequiredService<IJobStore>().GetAsync(export.GetPrimaryKey()))!.State);
    }

    private static (HttpStatusCode Status, JsonElement Body) Ok((HttpStatusCode Status, JsonElement Body) response)
    {
        Assert.True(response.Status == HttpStatusCode.OK, $"{response.Status}: {response.Body}");
        return response;
    }

    private static JsonElement Error((HttpStatusCode Status, JsonElement Body) response, HttpStatusCode status, int code)
    {
        Assert.True(response.Status == status, $"{response.Status}: {response.Body}");
        Assert.Equal(code, response.Body.GetProperty("code").GetInt32());
        return response.Body;
    }

    /// <summary>A freshly migrated database of either dialect with its job store.</summary>
    private sealed class JobDatabase : IAsyncDisposable
    {
        private readonly string? _directory;
        private readonly ScratchDatabase? _database;
        private readonly NpgsqlDataSource? _dataSource;

        private JobDatabase(SqlDialect dialect, IFaceStore faces, string? directory, ScratchDatabase? database, NpgsqlDataSource? dataSource) =>
            (Jobs, Faces, Vectors, Enrolment, _directory, _database, _dataSource) =
                (new AdoJobStore(dialect), faces, new AdoReembedStore(dialect), new AdoEnrolmentStore(dialect), directory, database, dataSource);

        public IJobStore Jobs { get; }

        public IEnrolmentStore Enrolment { get; }

        public IFaceStore Faces { get; }

        public IReembedStore Vectors { get; }

        public static async Task<JobDatabase> CreateAsync(Store kind)
        {
            if (kind == Store.Sqlite)
            {
                var directory = Path.Combine(Path.GetTempPath(), "cf-job-store-" + Guid.NewGuid().ToString("N"));
                var options = Options.Create(new StorageOptions { DataDirectory = directory });
                var connections = new SqliteConnectionFactory(options);
                var sqlite = new SqliteFaceStore(connections, options, NullLogger<SqliteFaceStore>.Instance);
                await sqlite.EnsureSchemaAsync();
                return new JobDatabase(new SqliteDialect(connections), sqlite, directory, null, null);
            }

            var database = await PostgresServer.CreateDatabaseAsync("cf_jobs");
            var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
            var faces = new PostgresFaceStore(dataSource, Options.Create(new StorageOptions()), NullLogger<PostgresFaceStore>.Instance);
            await faces.EnsureSchemaAsync();
            return new JobDatabase(new PostgresDialect(dataSource), faces, null, database, dataSource);
        }

        public async ValueTask DisposeAsync()
        {
            if (_dataSource is not null)
            {
                await _dataSource.DisposeAsync();
            }

            _database?.Dispose();
            if (_directory is not null)
            {
                SqliteConnection.ClearAllPools();
                Directory.Delete(_directory, recursive: true);
            }
        }
    }
}
