using System.Net;
using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Interfaces.Jobs;
using CompreFace.Grains.Jobs;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CompreFace.Admin.Tests;

/// <summary>
/// A bulk enrolment whose upload is lost (docs/decisions/0036-bulk-enrolment-pipeline.md, item 4): the node that received
/// the archive sent the job its first files, then died, so no more files come and the upload never ends. The job waits
/// <see cref="BulkEnrolmentGrain.UploadSilence"/> on the node's (fake) clock, then fails with its reason; files it never
/// processed are reported, their photos dropped, none left pending. The analyses are held by an
/// <see cref="AnalysisGate"/>, so one is still in flight when the job fails. A job whose node stopped before it was even
/// started stays queued until a node's <see cref="BulkEnrolmentResumer"/> starts it, then fails the same way; so does one
/// whose client went away mid-upload (the endpoint cancels nothing then).
/// </summary>
public sealed class BulkEnrolmentLostUploadTests
{
    private const string Password = "lost-upload-1";

    private const string UploadLost =
        "The upload of this archive stopped before its end (the node that received it stopped, or the client went away); upload the archive again: the photos enrolled so far are reported as already enrolled.";

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task BulkEnrol_UploadLostMidway_FailsAfterTwoSilentMinutes_WithItsReason_AndLeavesNoFilePending(Store store)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var gate = new AnalysisGate();
        await using var database = store == Store.Postgres ? await PostgresServer.CreateDatabaseAsync("cf_bulk_lost_upload") : null;
        using var node = new FakeClockNode(clock, database?.ConnectionString, gate);
        using var owner = await AdminClient.SignedUpAsync(node, "owner@example.com", Password, "Olga", "Owner");
        var grains = node.Services.GetRequiredService<IGrainFactory>();
        var enrolled = SharedData.SampleBytes("002_A.jpg");
        var cutShort = SharedData.SampleBytes("007_B.jpg");

        // What the upload endpoint does with an archive's first batch; then its node stops: no more batches, no end.
        var (app, jobId, job, serviceId) = await QueuedJobAsync(owner, grains);
        gate.Hold(cutShort);
        await grains.GetGrain<IBulkEnrolmentGrain>(jobId).AddFilesAsync(
            [File(serviceId, 1, "A/002_A.jpg", enrolled), File(serviceId, 2, "B/007_B.jpg", cutShort)]);

        // The first photo is enrolled (its step is stored once it has waited a second on the node's clock).
        await gate.ReturnedAsync(enrolled);
        var started = clock.GetUtcNow();
        var info = await AdvanceUntilAsync(clock, job, TimeSpan.FromSeconds(1), j => j.Done == 1);
        Assert.Equal(JobState.Running, info.State);

        // The silence: the clock moves in steps shorter than a grain call's timeout until the job ends.
        info = await AdvanceUntilAsync(clock, job, TimeSpan.FromSeconds(5), j => j.IsFinished);
        Assert.InRange(clock.GetUtcNow() - started, BulkEnrolmentGrain.UploadSilence, BulkEnrolmentGrain.UploadSilence + TimeSpan.FromSeconds(15));
        Assert.Equal(JobState.Failed, info.State);
        Assert.Equal(UploadLost, info.Error);
        Assert.Equal((1L, 0L, 2L), (info.Done, info.Failed, info.Total));

        // Nothing half-uploaded stays pending: the photo whose analysis was cut short is reported, and its bytes are gone.
        var worker = grains.GetGrain<IBulkEnrolmentGrain>(jobId);
        var report = await worker.ReportAsync(0, 10);
        Assert.Equal(
            [EnrolmentFileState.Enrolled, EnrolmentFileState.NotProcessed],
            report.Select(r => r.State));
        Assert.Equal(0, (await worker.CountAsync()).GetValueOrDefault(EnrolmentFileState.Pending));
        var csv = await owner.Http.GetStringAsync(new Uri($"/admin/app/{app}/model/{serviceId}/enrol/{jobId}/report", UriKind.Relative));
        Assert.EndsWith("\nB/007_B.jpg,B,not_processed,\n", csv, StringComparison.Ordinal);
        Assert.Empty(await node.Services.GetRequiredService<IEnrolmentStore>().PendingAsync(jobId, 0, 10));
        var (status, body) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{app}/model/{serviceId}/enrol/{jobId}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("failed", 0L, 1L), (body.GetProperty("state").GetString(), body.GetProperty("pending").GetInt64(), body.GetProperty("enrolled").GetInt64()));
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task BulkEnrol_NodeStoppedBeforeTheJobStarted_QueuedJobFailsAfterTheSilence_AndLeavesNoFilePending(Store store)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var database = store == Store.Postgres ? await PostgresServer.CreateDatabaseAsync("cf_bulk_lost_queued") : null;
        using var node = new FakeClockNode(clock, database?.ConnectionString);
        using var owner = await AdminClient.SignedUpAsync(node, "owner@example.com", Password, "Olga", "Owner");
        var grains = node.Services.GetRequiredService<IGrainFactory>();

        // The upload's node created the job and stored its first files, then stopped before the job was started: queued,
        // with a staged photo, and nothing will come.
        var (_, jobId, job, serviceId) = await QueuedJobAsync(owner, grains);
        var staged = node.Services.GetRequiredService<IEnrolmentStore>();
        await staged.AddFilesAsync(jobId, [File(serviceId, 1, "A/002_A.jpg", SharedData.SampleBytes("002_A.jpg"))]);

        // A node's resumer starts it once it has been queued longer than an upload's silence; the run enrols the staged photo,
        // hears nothing more either, and fails the job with the files it received as its total.
        var info = await AdvanceUntilAsync(clock, job, TimeSpan.FromSeconds(5), j => j.IsFinished, TimeSpan.FromMinutes(10));
        Assert.Equal(JobState.Failed, info.State);
        Assert.Equal(UploadLost, info.Error);
        Assert.Equal((1L, 0L, 1L), (info.Done, info.Failed, info.Total));
        Assert.Equal(
            [(EnrolmentFileState.Enrolled, (string?)null)],
            (await grains.GetGrain<IBulkEnrolmentGrain>(jobId).ReportAsync(0, 10)).Select(r => (r.State, r.Outcome)));
        Assert.Empty(await staged.PendingAsync(jobId, 0, 10));
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task BulkEnrol_ClientGoneMidUpload_JobFailsAsALostUpload_AndLeavesNoFilePending(Store store)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var hold = new SecondBatchHold();
        await using var database = store == Store.Postgres ? await PostgresServer.CreateDatabaseAsync("cf_bulk_lost_client") : null;
        using var node = new FakeClockNode(clock, database?.ConnectionString, hold);
        using var owner = await AdminClient.SignedUpAsync(node, "owner@example.com", Password, "Olga", "Owner");
        var grains = node.Services.GetRequiredService<IGrainFactory>();
        var app = await owner.CreateAppAsync();
        var (serviceId, _) = await owner.CreateServiceAsync(app);

        // A first batch of files refused at upload (no folder: no inference needed), then one photo in the next batch, whose
        // delivery to the job is held until the client has gone.
        var stray = SharedData.SampleBytes("002_A.jpg");
        var archive = TestArchives.Zip(Enumerable.Range(1, 32).Select(i => KeyValuePair.Create($"stray{i:00}.jpg", stray))
            .Append(KeyValuePair.Create("A/002_A.jpg", stray)));
        using var content = new ByteArrayContent(archive);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/zip");
        using var leaving = new CancellationTokenSource();
        var leave = Task.Run(async () =>
        {
            await hold.ReachedAsync();
            await leaving.CancelAsync();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => owner.Http.PostAsync(new Uri($"/admin/app/{app}/model/{serviceId}/enrol", UriKind.Relative), content, leaving.Token));
        await leave;

        var listed = Assert.Single(await grains.GetGrain<IJobDirectoryGrain>(0).ListAsync(new JobQuery(Kind: JobKinds.BulkEnrol)));
        var job = grains.GetGrain<IJobGrain>(listed.JobId);
        var info = await AdvanceUntilAsync(clock, job, TimeSpan.FromSeconds(5), j => j.IsFinished);
        Assert.Equal(JobState.Failed, info.State);
        Assert.Equal(UploadLost, info.Error);
        Assert.Equal((0L, 32L, 32L), (info.Done, info.Failed, info.Total));
        Assert.Empty(await node.Services.GetRequiredService<IEnrolmentStore>().PendingAsync(listed.JobId, 0, 10));
    }

    /// <summary>Holds the second <see cref="IBulkEnrolmentGrain.AddFilesAsync"/> (an upload's second batch) before it leaves its node, until the call is cancelled.</summary>
    private sealed class SecondBatchHold : Orleans.IOutgoingGrainCallFilter
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _batches;

        /// <summary>Completes when the second batch is held.</summary>
        public Task ReachedAsync() => _reached.Task.WaitAsync(TimeSpan.FromMinutes(1));

        public async Task Invoke(Orleans.IOutgoingGrainCallContext context)
        {
            if (context.InterfaceMethod?.Name == nameof(IBulkEnrolmentGrain.AddFilesAsync) && Interlocked.Increment(ref _batches) == 2)
            {
                _reached.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.Request.GetCancellationToken());
            }

            await context.Invoke();
        }
    }

    [Fact]
    public async Task BulkEnrol_FilesArrivingAfterTheJobWasCancelled_AreNotProcessed_AndTheirPhotosDropped()
    {
        using var node = new AdminFactory();
        using var owner = await AdminClient.SignedUpAsync(node, "owner@example.com", Password, "Olga", "Owner");
        var grains = node.Services.GetRequiredService<IGrainFactory>();

        // The upload endpoint created the job, and its owner cancelled it in the jobs list while the archive was still
        // being read (here, before its first files): the files that still come must not stay pending, photos stored.
        var (_, jobId, job, serviceId) = await QueuedJobAsync(owner, grains);
        var (status, body) = await owner.SendAsync(HttpMethod.Post, $"/admin/jobs/{jobId}/cancel");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var worker = grains.GetGrain<IBulkEnrolmentGrain>(jobId);
        await worker.AddFilesAsync([File(serviceId, 1, "A/002_A.jpg", SharedData.SampleBytes("002_A.jpg"))]);
        await worker.SealAsync();

        // The run the files start finds the job ended; the bound only turns "pending for good" into a failure.
        var staged = node.Services.GetRequiredService<IEnrolmentStore>();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while ((await staged.PendingAsync(jobId, 0, 10)).Count > 0)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "the cancelled job's file stays pending, its photo stored");
            await Task.Delay(100);
        }

        Assert.Equal([EnrolmentFileState.NotProcessed], (await worker.ReportAsync(0, 10)).Select(r => r.State));
        Assert.Equal(JobState.Cancelled, (await job.GetAsync())!.State);
    }

    /// <summary>A queued bulk enrolment job for a new service, as the upload endpoint creates it before any file.</summary>
    private static async Task<(Guid App, Guid JobId, IJobGrain Job, Guid ServiceId)> QueuedJobAsync(AdminClient owner, IGrainFactory grains)
    {
        var app = await owner.CreateAppAsync();
        var (serviceId, _) = await owner.CreateServiceAsync(app);
        var jobId = Guid.NewGuid();
        var job = grains.GetGrain<IJobGrain>(jobId);
        await job.CreateAsync(new JobSpec(JobKinds.BulkEnrol, serviceId, app, null, "owner@example.com", "archive.zip"));
        return (app, jobId, job, serviceId);
    }

    /// <summary>A file of an upload, as the endpoint reads it from the archive.</summary>
    private static EnrolmentFile File(Guid serviceId, int seq, string name, byte[] photo)
    {
        var subject = name.Split('/')[0];
        return new EnrolmentFile(
            seq, name, subject, TransferIds.Derive(serviceId, "enrol", subject.ToUpperInvariant(), Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(photo))), photo);
    }

    /// <summary>
    /// Moves the node's clock by <paramref name="step"/> until the job satisfies <paramref name="until"/> (at most five
    /// minutes of the node's time, or <paramref name="most"/>); the real wait between steps lets the node act on each.
    /// </summary>
    private static async Task<JobInfo> AdvanceUntilAsync(FakeTimeProvider clock, IJobGrain job, TimeSpan step, Func<JobInfo, bool> until, TimeSpan? most = null)
    {
        var limit = clock.GetUtcNow() + (most ?? TimeSpan.FromMinutes(5));
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var info = await job.GetAsync() ?? throw new InvalidOperationException("the job does not exist");
            if (until(info))
            {
                return info;
            }

            Assert.True(clock.GetUtcNow() < limit && waited.Elapsed < TimeSpan.FromMinutes(1), $"the job did not get there: {info}");
            clock.Advance(step);
            await Task.Delay(100);
        }
    }
}
