using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Interfaces.Jobs;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CompreFace.Grains.Jobs;

/// <inheritdoc cref="IBulkEnrolmentGrain" />
/// <remarks>
/// The work runs off the grain's scheduler (it only calls other grains and the store), a batch of files at a time: the
/// batch's photos are analysed at once by the inference workers (stateless, spread over the silos' cores), the faces
/// go to the collection in one <see cref="IFaceCollectionGrain.ImportAsync"/> (one transaction), then the files'
/// outcomes are stored and the job's counters reported. A file is therefore processed at most once more after a crash,
/// and its example id is derived from (service, subject, content hash), so that repeat adds nothing.
/// </remarks>
internal sealed partial class BulkEnrolmentGrain(IEnrolmentStore store, ILogger<BulkEnrolmentGrain> logger) : Grain, IBulkEnrolmentGrain, IDisposable
{
    /// <summary>Files analysed at once (and committed together).</summary>
    internal const int BatchSize = 32;

    private readonly CancellationTokenSource _stopping = new();
    private Task? _run;

    public Task AddFilesAsync(IReadOnlyList<EnrolmentFile> files, CancellationToken cancellationToken = default) =>
        store.AddFilesAsync(this.GetPrimaryKey(), files, cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_run is { IsCompleted: false })
        {
            return Task.CompletedTask;
        }

        // Stay active while working (an idle grain would be collected mid-job); a deactivation stops the work, and the
        // job, still running in the list, is resumed by BulkEnrolmentResumer.
        DelayDeactivation(TimeSpan.FromDays(7));
        var grains = GrainFactory;
        var jobId = this.GetPrimaryKey();
        var stopping = _stopping.Token;
        _run = Task.Run(() => RunAsync(grains, jobId, stopping), CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<EnrolmentOutcome>> ReportAsync(int afterSeq, int limit, CancellationToken cancellationToken = default) =>
        store.ReportAsync(this.GetPrimaryKey(), afterSeq, Math.Clamp(limit, 1, 10_000), cancellationToken);

    public Task<IReadOnlyDictionary<EnrolmentFileState, long>> CountAsync(CancellationToken cancellationToken = default) =>
        store.CountAsync(this.GetPrimaryKey(), cancellationToken);

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_run is { } run)
        {
            await run.WaitAsync(cancellationToken).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RunAsync(IGrainFactory grains, Guid jobId, CancellationToken stopping)
    {
        var job = await grains.GetGrain<IJobGrain>(jobId).GetAsync(stopping);
        if (job?.ServiceId is not { } serviceId)
        {
            return;
        }

        await using var run = await JobRun.StartAsync(grains, jobId, stopping);
        if (run is null)
        {
            return;
        }

        try
        {
            var counts = await store.CountAsync(jobId, run.Token);
            var total = counts.Values.Sum();
            var done = counts.GetValueOrDefault(EnrolmentFileState.Enrolled) + counts.GetValueOrDefault(EnrolmentFileState.AlreadyEnrolled);
            var failed = counts.GetValueOrDefault(EnrolmentFileState.Failed);
            LogStarted(logger, jobId, serviceId, total, done + failed);
            if (job.Done + job.Failed == 0 && failed > 0)
            {
                // First start: the files refused at upload (no folder, bad name, empty, too large) open the job's report.
                for (var after = 0; ;)
                {
                    var page = await store.ReportAsync(jobId, after, 1000, run.Token);
                    if (page.Count == 0)
                    {
                        break;
                    }

                    await run.AddItemsAsync([.. page.Where(o => o.State == EnrolmentFileState.Failed).Select(o => new JobItem(o.Name, o.Outcome ?? "failed"))]);
                    after = page[^1].Seq;
                }
            }

            await run.ReportAsync(done, failed, total);
            var collection = grains.GetGrain<IFaceCollectionGrain>(serviceId);
            for (var after = 0; ;)
            {
                run.Token.ThrowIfCancellationRequested();
                var files = await store.PendingAsync(jobId, after, BatchSize, run.Token);
                if (files.Count == 0)
                {
                    break;
                }

                after = files[^1].Seq;
                var outcomes = await EnrolAsync(grains, collection, files, run.Token);
                await store.CompleteAsync(jobId, outcomes, CancellationToken.None);
                await run.AddItemsAsync([.. outcomes.Where(o => o.State == EnrolmentFileState.Failed).Select(o => new JobItem(o.Name, o.Outcome ?? "failed"))]);
                done += outcomes.Count(o => o.State != EnrolmentFileState.Failed);
                failed += outcomes.Count(o => o.State == EnrolmentFileState.Failed);
                await run.ReportAsync(done, failed, total);
            }

            await run.FinishAsync(null);
            LogFinished(logger, jobId, done, failed);
        }
        catch (Exception exception)
        {
            await run.FinishAsync(exception);
        }
    }

    /// <summary>One batch: already-enrolled files are skipped, the rest analysed in parallel and stored together.</summary>
    private static async Task<List<EnrolmentOutcome>> EnrolAsync(
        IGrainFactory grains, IFaceCollectionGrain collection, IReadOnlyList<EnrolmentFile> files, CancellationToken cancellationToken)
    {
        var analysed = await Task.WhenAll(files.Select(async file =>
        {
            if (file.Content is not { Length: > 0 } content)
            {
                return (file, new EnrolmentAnalysis(EnrolmentProblem.BadImage, null, null), Known: false);
            }

            if (await collection.GetFaceAsync(file.ImageId, cancellationToken) is not null)
            {
                return (file, new EnrolmentAnalysis(EnrolmentProblem.None, null, null), Known: true);
            }

            return (file, await FaceEnrolment.AnalyzeAsync(grains, content, cancellationToken), Known: false);
        }));

        var faces = analysed
            .Where(a => !a.Known && a.Item2.Problem == EnrolmentProblem.None)
            .Select(a => new TransferFace(a.file.ImageId, a.file.Subject, a.Item2.Calculator!, a.Item2.Embedding!, a.file.Content))
            .ToArray();
        var existing = new HashSet<Guid>();
        if (faces.Length > 0)
        {
            var outcome = await collection.ImportAsync([], faces, cancellationToken);
            if (outcome.FacesExisting > 0)
            {
                // The same photo twice in one archive (or a repeat after a crash): the later ones are already there.
                var seen = new HashSet<Guid>();
                foreach (var face in faces)
                {
                    if (!seen.Add(face.ImageId))
                    {
                        existing.Add(face.ImageId);
                    }
                }
            }
        }

        var counted = new HashSet<Guid>();
        return [.. analysed.Select(a => a switch
        {
            { Known: true } => Outcome(a.file, EnrolmentFileState.AlreadyEnrolled, null),
            _ when a.Item2.Problem != EnrolmentProblem.None => Outcome(a.file, EnrolmentFileState.Failed, EnrolmentAnalysis.Reason(a.Item2.Problem)),
            _ when existing.Contains(a.file.ImageId) && !counted.Add(a.file.ImageId) => Outcome(a.file, EnrolmentFileState.AlreadyEnrolled, null),
            _ => Outcome(a.file, EnrolmentFileState.Enrolled, null),
        })];
    }

    private static EnrolmentOutcome Outcome(EnrolmentFile file, EnrolmentFileState state, string? outcome) =>
        new(file.Seq, state, outcome, file.Name, file.Subject, file.ImageId);

    [LoggerMessage(EventId = 1600, Level = LogLevel.Information, Message = "Bulk enrolment {JobId} into {ServiceId}: {Total} files, {Processed} already processed")]
    private static partial void LogStarted(ILogger logger, Guid jobId, Guid serviceId, long total, long processed);

    [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "Bulk enrolment {JobId} finished: {Done} enrolled or already there, {Failed} failed")]
    private static partial void LogFinished(ILogger logger, Guid jobId, long done, long failed);
}

/// <summary>
/// Resumes bulk enrolments that were running (unfinished in the jobs list): at start (after a restart or <c>kill -9</c>), and then
/// every <see cref="Interval"/> (a job whose node died is picked up by a live one). Starting a job that runs already is a
/// no-op, so every node may ask.
/// </summary>
internal sealed partial class BulkEnrolmentResumer(IGrainFactory grains, TimeProvider time, ILogger<BulkEnrolmentResumer> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The first pass soon after start, once the silo answers.
        var wait = TimeSpan.FromSeconds(2);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            wait = Interval;
            try
            {
                var jobs = await grains.GetGrain<IJobDirectoryGrain>(0).ListAsync(new JobQuery(Kind: JobKinds.BulkEnrol, UnfinishedOnly: true), stoppingToken);
                // Only jobs that ran: a queued one is still being uploaded, and its upload starts it when complete.
                foreach (var job in jobs.Where(j => j.State == JobState.Running))
                {
                    await grains.GetGrain<IBulkEnrolmentGrain>(job.JobId).StartAsync(stoppingToken);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogResumeFailed(logger, exception.GetType().Name, exception.Message);
            }
        }
    }

    [LoggerMessage(EventId = 1602, Level = LogLevel.Warning, Message = "Bulk enrolments could not be resumed now ({Exception}: {Message}); trying again later")]
    private static partial void LogResumeFailed(ILogger logger, string exception, string message);
}
