using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Interfaces.Jobs;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CompreFace.Grains.Jobs;

/// <inheritdoc cref="IBulkEnrolmentGrain" />
/// <remarks>
/// The work runs off the grain's scheduler (it only calls other grains and the store) as a pipeline without barriers
/// (docs/decisions/0036-bulk-enrolment-pipeline.md): files are read from the store a page at a time, a page's
/// already-enrolled files are found with one query, and the rest flow through a sliding window of
/// <see cref="WindowPerSilo"/> analyses per inference silo, spread over the cluster by <see cref="ClusterAnalyzer"/>
/// (docs/decisions/0037-jobs-over-every-inference-silo.md); a committer takes the
/// analysed files as they finish, up to <see cref="CommitSize"/> at a time, and stores their faces in
/// one <see cref="IFaceCollectionGrain.ImportAsync"/> (one transaction), then their outcomes, failures and the job's
/// counters, while the next analyses run. A file is therefore processed at most once more after a crash, and its
/// example id is derived from (service, subject, content hash), so that repeat adds nothing.
/// </remarks>
internal sealed partial class BulkEnrolmentGrain(
    IEnrolmentStore store, IFaceStore faces, ClusterAnalyzer analyzers, TimeProvider time, ILogger<BulkEnrolmentGrain> logger)
    : Grain, IBulkEnrolmentGrain, IDisposable
{
    /// <summary>Most analysed photos stored in one step: one transaction of faces, one of outcomes, one progress report.</summary>
    internal const int CommitSize = 32;

    /// <summary>Files read from the store per query (the next page is read while the window still has work).</summary>
    private const int ReadSize = 64;

    /// <summary>How long an analysed photo waits for a full step before a smaller one is stored (progress keeps moving on a slow node).</summary>
    private static readonly TimeSpan CommitDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Photos being analysed at once on each inference silo: twice the cores keeps a silo's inference workers busy while
    /// each photo crosses the grain calls, and a recognition request queues behind at most about one bulk photo per
    /// worker. The job's window is this times the inference silos when its run starts (their core counts are not in
    /// Orleans' manifest: the silos are taken to be alike, each as this node).
    /// </summary>
    private static readonly int WindowPerSilo = 2 * Environment.ProcessorCount;

    /// <summary>How many times one step is sent to a collection whose models keep changing before the job fails.</summary>
    private const int MaxPlanChanges = 3;

    /// <summary>How often a run waiting for the upload's next files reports (the job's heartbeat; a cancel is seen there).</summary>
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Released when files arrive or the upload ends, so that a run waiting for them goes on.</summary>
    private readonly SemaphoreSlim _arrived = new(0);
    private Task? _run;

    /// <summary>Set once <see cref="SealAsync"/> stored the total: no more files will come.</summary>
    private volatile bool _sealed;

    /// <summary>When files last arrived (or this activation's run started): an upload silent for longer than <see cref="UploadSilence"/> is taken as lost.</summary>
    private long _lastArrival;

    /// <summary>How long a run waits for the next files of an upload that has not ended before it fails the job.</summary>
    internal static TimeSpan UploadSilence { get; } = TimeSpan.FromMinutes(2);

    public async Task AddFilesAsync(IReadOnlyList<EnrolmentFile> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);

        // Files refused while reading the archive wait in the queue with their reason, so that the run reports them like
        // any other failure, once, after a restart too.
        await store.AddFilesAsync(
            this.GetPrimaryKey(), [.. files.Select(f => f.State == EnrolmentFileState.Failed ? f with { State = EnrolmentFileState.Pending } : f)], cancellationToken);
        Interlocked.Exchange(ref _lastArrival, time.GetTimestamp());
        Wake();
        await StartAsync(cancellationToken);
    }

    public async Task SealAsync(CancellationToken cancellationToken = default)
    {
        // The total is stored before the answer: a run resumed after a restart knows from it that the upload was whole.
        var jobId = this.GetPrimaryKey();
        var counts = await store.CountAsync(jobId, cancellationToken);
        await GrainFactory.GetGrain<IJobGrain>(jobId).ReportAsync(
            new JobProgress(Processed(counts), counts.GetValueOrDefault(EnrolmentFileState.Failed), counts.Values.Sum()), cancellationToken);
        _sealed = true;
        Wake();
        await StartAsync(cancellationToken);
    }

    /// <summary>
    /// Wakes a run waiting for files. One pending wake is enough (the run reads every file stored before it): without the
    /// check, the wakes of an upload's thousands of batches would pile up and the run would spin through them with empty
    /// reads once it caught up.
    /// </summary>
    private void Wake()
    {
        if (_arrived.CurrentCount == 0)
        {
            _arrived.Release();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_run is { IsCompleted: false })
        {
            return Task.CompletedTask;
        }

        // Stay active while working (an idle grain would be collected mid-job); a deactivation stops the work, and the
        // job, still running in the list, is resumed by BulkEnrolmentResumer.
        DelayDeactivation(TimeSpan.FromDays(7));
        Interlocked.CompareExchange(ref _lastArrival, time.GetTimestamp(), 0);
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

    public void Dispose()
    {
        _stopping.Dispose();
        _arrived.Dispose();
    }

    /// <summary>Files enrolled or found enrolled already.</summary>
    private static long Processed(IReadOnlyDictionary<EnrolmentFileState, long> counts) =>
        counts.GetValueOrDefault(EnrolmentFileState.Enrolled) + counts.GetValueOrDefault(EnrolmentFileState.AlreadyEnrolled);

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
            // The job ended before this run (cancelled while its archive was still being read): the files that came since
            // will never be processed, so they are reported as such and their photos dropped, as when a run is cancelled.
            var left = await store.AbandonPendingAsync(jobId, CancellationToken.None);
            if (left > 0)
            {
                LogAbandoned(logger, jobId, left);
            }

            return;
        }

        try
        {
            // The job's total is set once the upload has ended (SealAsync); until then files may still come.
            var counts = await store.CountAsync(jobId, run.Token);
            var progress = new Progress(Processed(counts), counts.GetValueOrDefault(EnrolmentFileState.Failed), job.Total);
            var files = counts.Values.Sum();
            LogStarted(logger, jobId, serviceId, files, progress.Done + progress.Failed);
            using var pipeline = new Pipeline(this, store, faces, analyzers, time, grains, run, serviceId, progress, logger);
            await pipeline.ReportAsync();
            await pipeline.RunAsync();
            await run.FinishAsync(null);
            LogFinished(logger, jobId, progress.Done, progress.Failed);
            pipeline.Stages.Log(logger, jobId);
        }
        catch (Exception exception)
        {
            if (run.Ends(exception))
            {
                // Failed (its upload was lost, say) or cancelled: files it never processed (the upload's last ones, or analyses
                // cut short) are reported as such and their photos dropped, rather than left pending for good; the total
                // becomes the files received, of which done + failed were processed.
                var left = await store.AbandonPendingAsync(jobId, CancellationToken.None);
                if (left > 0)
                {
                    LogAbandoned(logger, jobId, left);
                }

                var counts = await store.CountAsync(jobId, CancellationToken.None);
                await run.ReportAsync(Processed(counts), counts.GetValueOrDefault(EnrolmentFileState.Failed), counts.Values.Sum());
            }

            await run.FinishAsync(exception);
        }
    }

    /// <summary>The job's counters, updated by the committer; the total once the upload has ended.</summary>
    private sealed class Progress(long done, long failed, long? total)
    {
        public long Done { get; set; } = done;

        public long Failed { get; set; } = failed;

        public long? Total { get; set; } = total;
    }

    /// <summary>What one file came to before it is stored: a face to add, a failure, or already there.</summary>
    private readonly record struct Analysed(EnrolmentFile File, EnrolmentAnalysis Analysis, bool Known);

    /// <summary>
    /// One run of the job: a reader (pages of pending files, one existence query each) feeding a sliding window of
    /// analyses, and a committer storing what finished. The committer's steps overlap the next analyses; only the
    /// window's size bounds the photos in memory.
    /// </summary>
    private sealed class Pipeline(
        BulkEnrolmentGrain owner, IEnrolmentStore store, IFaceStore faces, ClusterAnalyzer analyzers, TimeProvider time, IGrainFactory grains, JobRun run, Guid serviceId, Progress progress, ILogger logger)
        : IDisposable
    {
        private readonly SemaphoreSlim _reporting = new(1);
        private readonly Channel<Analysed> _analysed = Channel.CreateUnbounded<Analysed>(new UnboundedChannelOptions { SingleReader = true });
        private readonly IFaceCollectionGrain _collection = grains.GetGrain<IFaceCollectionGrain>(serviceId);
        private long _stepStarted;

        /// <summary>
        /// The collection's models, learnt again with each page of files: while it is re-embedded (serving → target), each
        /// photo is embedded with both, as an add is, so recognition finds it before the switch and the re-embedding has
        /// nothing left to compute for it. A switch between a page's analyses and its commit is handled by the
        /// collection (it serves the target vector then); a re-embedding that started (or switched) after a page was
        /// analysed makes the collection refuse the step, whose photos are then analysed again (<see cref="EnrolAsync"/>).
        /// </summary>
        private volatile ModelPlan _plan = ModelPlan.Any;

        public StageTimes Stages { get; } = new();

        public async Task RunAsync()
        {
            var started = Stopwatch.GetTimestamp();
            var committer = CommitLoopAsync();
            Exception? failure = null;
            try
            {
                await Parallel.ForEachAsync(
                    PendingAsync(run.Token),
                    new ParallelOptions { MaxDegreeOfParallelism = analyzers.Window(WindowPerSilo), CancellationToken = run.Token },
                    async (file, token) =>
                    {
                        if (file.Known || file.File.Outcome is not null || file.File.Content is not { Length: > 0 } content)
                        {
                            await _analysed.Writer.WriteAsync(file, token);
                            return;
                        }

                        var t = Stopwatch.GetTimestamp();
                        var plan = _plan;
                        var analysis = await FaceEnrolment.AnalyzeAsync(analyzers.AnalyzeAsync, content, plan.Serving, plan.Target, token);
                        StageTimes.Add(ref Stages.AnalyseTicks, t);
                        await _analysed.Writer.WriteAsync(file with { Analysis = analysis }, token);
                    });
            }
            catch (Exception exception)
            {
                // The analysed files still reach the store before the failure (or the cancel) ends the run.
                failure = exception;
            }

            _analysed.Writer.Complete();
            await committer;
            Stages.WallTicks = Stopwatch.GetTimestamp() - started;
            if (failure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }
        }

        public void Dispose() => _reporting.Dispose();

        /// <summary>
        /// Adds to the counters and reports them (the committer after each step; the reader, adding nothing, as the heartbeat
        /// while it waits for files), one at a time so that the job's counters never go back.
        /// </summary>
        public async Task ReportAsync(long done = 0, long failed = 0)
        {
            await _reporting.WaitAsync(CancellationToken.None);
            try
            {
                progress.Done += done;
                progress.Failed += failed;
                await run.ReportAsync(progress.Done, progress.Failed, progress.Total);
            }
            finally
            {
                _reporting.Release();
            }
        }

        /// <summary>
        /// Pending files in archive order, a page per query; a page's already-enrolled files are marked with one query. While
        /// the upload goes on, the reader waits for its next files (processing starts with the upload's first files, not after
        /// its last); it ends when no file is pending after the upload has ended.
        /// </summary>
        private async IAsyncEnumerable<Analysed> PendingAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var jobId = run.JobId;
            for (var after = 0; ;)
            {
                // Read before the page: a page read after the upload ended holds its last files.
                var ended = progress.Total is not null || owner._sealed;
                var t = Stopwatch.GetTimestamp();
                var files = await store.PendingAsync(jobId, after, ReadSize, cancellationToken);
                StageTimes.Add(ref Stages.ReadTicks, t);
                if (files.Count == 0)
                {
                    if (ended)
                    {
                        await _reporting.WaitAsync(cancellationToken);
                        progress.Total ??= (await store.CountAsync(jobId, cancellationToken)).Values.Sum();
                        _reporting.Release();
                        yield break;
                    }

                    await WaitForFilesAsync(cancellationToken);
                    continue;
                }

                after = files[^1].Seq;
                _plan = await _collection.GetModelPlanAsync(cancellationToken);
                t = Stopwatch.GetTimestamp();
                var known = await faces.FindFacesAsync(serviceId, [.. files.Select(f => f.ImageId)], cancellationToken);
                StageTimes.Add(ref Stages.KnownTicks, t);
                foreach (var file in files)
                {
                    yield return file.Content is { Length: > 0 }
                        ? new Analysed(file, new EnrolmentAnalysis(EnrolmentProblem.None, null, null), known.Contains(file.ImageId))
                        : new Analysed(file, new EnrolmentAnalysis(EnrolmentProblem.BadImage, null, null), false);
                }
            }
        }

        /// <summary>Waits for the upload's next files or its end, reporting every <see cref="Heartbeat"/>; fails when the upload fell silent.</summary>
        private async Task WaitForFilesAsync(CancellationToken cancellationToken)
        {
            if (time.GetElapsedTime(Interlocked.Read(ref owner._lastArrival)) > UploadSilence)
            {
                throw new InvalidOperationException(
                    "The upload of this archive stopped before its end (the node that received it stopped, or the client went away); upload the archive again: the photos enrolled so far are reported as already enrolled.");
            }

            var t = Stopwatch.GetTimestamp();
            using var heartbeat = new CancellationTokenSource(Heartbeat, time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, heartbeat.Token);
            try
            {
                await owner._arrived.WaitAsync(wait.Token);
            }
            catch (OperationCanceledException) when (heartbeat.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // A heartbeat; its report also sees a cancel requested meanwhile (an archive that cannot be read to its end cancels its job).
                await ReportAsync();
            }

            StageTimes.Add(ref Stages.UploadWaitTicks, t);
        }

        /// <summary>
        /// Stores analysed files in steps of <see cref="CommitSize"/>, or fewer once the first of a step has
        /// waited <see cref="CommitDelay"/> (progress keeps moving on a slow node), until the analyses end.
        /// </summary>
        private async Task CommitLoopAsync()
        {
            var reader = _analysed.Reader;
            var batch = new List<Analysed>(CommitSize);
            var open = true;
            while (open || batch.Count > 0)
            {
                var t = Stopwatch.GetTimestamp();
                if (batch.Count == 0)
                {
                    open = await reader.WaitToReadAsync(CancellationToken.None);
                }
                else if (batch.Count < CommitSize && open)
                {
                    // Wait for more until the step's first file has waited long enough.
                    var left = CommitDelay - time.GetElapsedTime(_stepStarted);
                    if (left > TimeSpan.Zero)
                    {
                        using var timeout = new CancellationTokenSource(left, time);
                        try
                        {
                            open = await reader.WaitToReadAsync(timeout.Token);
                        }
                        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                        {
                        }
                    }
                }

                StageTimes.Add(ref Stages.CommitIdleTicks, t);
                while (batch.Count < CommitSize && reader.TryRead(out var item))
                {
                    if (batch.Count == 0)
                    {
                        _stepStarted = time.GetTimestamp();
                    }

                    batch.Add(item);
                }

                if (batch.Count > 0 && (batch.Count >= CommitSize || !open || time.GetElapsedTime(_stepStarted) >= CommitDelay))
                {
                    // Committed even when the run is being cancelled: these files were analysed, their outcome is known.
                    await CommitAsync(batch);
                    batch.Clear();
                }
            }
        }

        /// <summary>
        /// Stores the step's new faces in one <see cref="IFaceCollectionGrain.EnrolAsync"/>. When the collection's models
        /// changed since its photos were analysed (a re-embedding started or switched meanwhile), the collection refuses
        /// the step; its photos are analysed again under the plan of now (the entries of <paramref name="batch"/> are
        /// replaced) and the step is sent again. Returns the faces stored and what the collection did.
        /// </summary>
        private async Task<(Analysed[] Added, ImportOutcome? Outcome)> EnrolAsync(List<Analysed> batch)
        {
            for (var attempt = 1; ; attempt++)
            {
                var add = batch.Where(a => !a.Known && a.File.Outcome is null && a.Analysis.Problem == EnrolmentProblem.None).ToArray();
                if (add.Length == 0)
                {
                    return (add, null);
                }

                var t = Stopwatch.GetTimestamp();
                try
                {
                    var outcome = await _collection.EnrolAsync(
                        [.. add.Select(a => new TransferFace(a.File.ImageId, a.File.Subject, a.Analysis.Calculator!, a.Analysis.Embedding!, a.File.Content, a.Analysis.AlsoCalculator, a.Analysis.AlsoEmbedding))],
                        CancellationToken.None);
                    StageTimes.Add(ref Stages.ImportTicks, t);
                    return (add, outcome);
                }
                catch (ModelPlanChangedException changed) when (attempt < MaxPlanChanges)
                {
                    var plan = _plan = changed.Plan;
                    LogPlanChanged(logger, run.JobId, add.Length, plan.Serving, plan.Target);
                    var again = Enumerable.Range(0, batch.Count).Where(i => add.Contains(batch[i])).ToArray();
                    var analyses = await Task.WhenAll(again.Select(i => FaceEnrolment.AnalyzeAsync(analyzers.AnalyzeAsync, batch[i].File.Content!, plan.Serving, plan.Target, CancellationToken.None)));
                    for (var k = 0; k < again.Length; k++)
                    {
                        batch[again[k]] = batch[again[k]] with { Analysis = analyses[k] };
                    }
                }
            }
        }

        /// <summary>One step: the new faces in one import, then the files' outcomes, failures and counters.</summary>
        private async Task CommitAsync(List<Analysed> batch)
        {
            var repeated = new HashSet<Guid>();
            var (add, outcome) = await EnrolAsync(batch);
            if (add.Length > 0)
            {
                if (outcome!.FacesExisting > 0)
                {
                    // The same photo twice in one archive (or a repeat after a crash): the later ones are already there.
                    var seen = new HashSet<Guid>();
                    foreach (var a in add)
                    {
                        if (!seen.Add(a.File.ImageId))
                        {
                            repeated.Add(a.File.ImageId);
                        }
                    }
                }
            }

            var counted = new HashSet<Guid>();
            EnrolmentOutcome[] outcomes = [.. batch.Select(a => a switch
            {
                { Known: true } => Outcome(a.File, EnrolmentFileState.AlreadyEnrolled, null),
                { File.Outcome: { } refused } => Outcome(a.File, EnrolmentFileState.Failed, refused),
                _ when a.Analysis.Problem != EnrolmentProblem.None => Outcome(a.File, EnrolmentFileState.Failed, EnrolmentAnalysis.Reason(a.Analysis.Problem)),
                _ when repeated.Contains(a.File.ImageId) && !counted.Add(a.File.ImageId) => Outcome(a.File, EnrolmentFileState.AlreadyEnrolled, null),
                _ => Outcome(a.File, EnrolmentFileState.Enrolled, null),
            })];
            var started = Stopwatch.GetTimestamp();
            await store.CompleteAsync(run.JobId, outcomes, CancellationToken.None);
            StageTimes.Add(ref Stages.OutcomeTicks, started);
            started = Stopwatch.GetTimestamp();
            await run.AddItemsAsync([.. outcomes.Where(o => o.State == EnrolmentFileState.Failed).Select(o => new JobItem(o.Name, o.Outcome ?? "failed"))]);
            var failed = outcomes.Count(o => o.State == EnrolmentFileState.Failed);
            await ReportAsync(outcomes.Length - failed, failed);
            StageTimes.Add(ref Stages.ProgressTicks, started);
            Stages.Commits++;
        }
    }

    /// <summary>
    /// Where a run's time went (the breakdown docs/performance.md gives), logged when it ends. Analysis is summed over
    /// photos (it overlaps itself: divide by the window for wall time); the rest are the reader's and committer's own waits.
    /// </summary>
    internal sealed class StageTimes
    {
        public long ReadTicks;
        public long KnownTicks;
        public long AnalyseTicks;
        public long ImportTicks;
        public long OutcomeTicks;
        public long ProgressTicks;
        public long CommitIdleTicks;
        public long UploadWaitTicks;
        public long WallTicks;
        public int Commits;

        public static void Add(ref long field, long started) => Interlocked.Add(ref field, Stopwatch.GetTimestamp() - started);

        public void Log(ILogger logger, Guid jobId)
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                var ms = Array.ConvertAll([WallTicks, ReadTicks, UploadWaitTicks, KnownTicks, AnalyseTicks, ImportTicks, OutcomeTicks, ProgressTicks, CommitIdleTicks], t => t * 1000 / Stopwatch.Frequency);
                LogStages(logger, jobId, ms[0], ms[1], ms[2], ms[3], ms[4], Commits, ms[5], ms[6], ms[7], ms[8]);
            }
        }
    }

    private static EnrolmentOutcome Outcome(EnrolmentFile file, EnrolmentFileState state, string? outcome) =>
        new(file.Seq, state, outcome, file.Name, file.Subject, file.ImageId);

    [LoggerMessage(EventId = 1600, Level = LogLevel.Information, Message = "Bulk enrolment {JobId} into {ServiceId}: {Total} files, {Processed} already processed")]
    private static partial void LogStarted(ILogger logger, Guid jobId, Guid serviceId, long total, long processed);

    [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "Bulk enrolment {JobId} finished: {Done} enrolled or already there, {Failed} failed")]
    private static partial void LogFinished(ILogger logger, Guid jobId, long done, long failed);

    [LoggerMessage(EventId = 5350, Level = LogLevel.Information, Message = "Bulk enrolment {JobId}: the collection's models changed since {Faces} photos were analysed; analysing them again for {Serving} and {Target}")]
    private static partial void LogPlanChanged(ILogger logger, Guid jobId, int faces, string? serving, string? target);

    [LoggerMessage(EventId = 5351, Level = LogLevel.Warning, Message = "Bulk enrolment {JobId} ended with {Files} files not processed; their photos are dropped and the report says not_processed")]
    private static partial void LogAbandoned(ILogger logger, Guid jobId, int files);

    [LoggerMessage(EventId = 5200, Level = LogLevel.Information, Message = "Bulk enrolment {JobId} stages: wall {WallMs} ms; reader: read {ReadMs} ms, waiting for the upload {UploadWaitMs} ms, known-check {KnownMs} ms; analyses (summed over photos) {AnalyseMs} ms; committer: {Commits} steps, faces {ImportMs} ms, outcomes {OutcomeMs} ms, items + progress {ProgressMs} ms, waiting for analyses {IdleMs} ms")]
    private static partial void LogStages(ILogger logger, Guid jobId, long wallMs, long readMs, long uploadWaitMs, long knownMs, long analyseMs, int commits, long importMs, long outcomeMs, long progressMs, long idleMs);
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
                // Jobs that ran, and jobs queued for longer than an upload's silence: a queued job is being uploaded (its
                // first files start it), unless the node receiving it stopped before they reached the job; started, such a
                // job waits for files like any run and fails as a lost upload, its staged files reported.
                var now = time.GetUtcNow();
                foreach (var job in jobs.Where(j => j.State == JobState.Running || (j.State == JobState.Queued && now - j.UpdatedAt > BulkEnrolmentGrain.UploadSilence)))
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
