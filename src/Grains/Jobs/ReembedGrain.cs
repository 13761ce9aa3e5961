using System.ComponentModel.DataAnnotations;
using CompreFace.Grains.Collections;
using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Interfaces.Admin;
using CompreFace.Grains.Interfaces.Jobs;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace CompreFace.Grains.Jobs;

/// <summary>How re-embedding runs (configuration section <c>Reembedding</c>; docs/decisions/0034-jobs-and-re-embedding.md).</summary>
public sealed class ReembedOptions
{
    public const string SectionName = "Reembedding";

    /// <summary>
    /// Faces embedded at once per collection and inference silo (the job's faces are spread over every inference silo,
    /// docs/decisions/0037-jobs-over-every-inference-silo.md): 1 leaves the other cores of a small node to serving.
    /// </summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 1;

    /// <summary>Faces read, embedded and stored per step (one progress report each).</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 16;

    /// <summary>A pause between steps, to slow a re-embedding further on a busy node.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan Pause { get; set; } = TimeSpan.Zero;

    /// <summary>How often each node looks for re-embeddings to resume (their node stopped).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ResumeInterval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>The models of a re-embedding job, kept in its <see cref="JobInfo.Detail"/> as <c>"{serving} → {target}"</c>.</summary>
public static class ReembedModels
{
    private const string Arrow = " → ";

    public static string Format(string serving, string target) => serving + Arrow + target;

    public static (string Serving, string Target)? Parse(string? detail)
    {
        var at = detail?.IndexOf(Arrow, StringComparison.Ordinal) ?? -1;
        return at > 0 ? (detail![..at], detail[(at + Arrow.Length)..]) : null;
    }

    /// <summary>
    /// The collection's plan from the store (read at a collection's or its standby's activation): its unfinished
    /// re-embedding's models, else <see cref="SwitchedPlanAsync"/>.
    /// </summary>
    public static async Task<ModelPlan> PlanAsync(IJobStore jobs, IReembedStore vectors, Guid collectionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var running = await jobs.ListAsync(new JobQuery(Kind: JobKinds.Reembed, ServiceId: collectionId, UnfinishedOnly: true, Limit: 1), cancellationToken);
        return running.Count == 1 && Parse(running[0].Detail) is { } models
            ? new ModelPlan(models.Serving, models.Target)
            : await SwitchedPlanAsync(vectors, collectionId, cancellationToken);
    }

    /// <summary>
    /// The plan of a collection that no re-embedding is running for: the model its last switch recorded, so examples of
    /// an older model are refused after a restart as they were before it (analysed before the switch, or on a node still
    /// configured with the old model, they would be stored where searches under the new model never look); none when
    /// it was never switched (searches and adds follow their own model, decision 0018). A collection's faces cannot tell
    /// this: one never re-embedded holds one model too, and one switched keeps the faces its re-embedding could not compute.
    /// </summary>
    public static async Task<ModelPlan> SwitchedPlanAsync(IReembedStore vectors, Guid collectionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        return await vectors.GetSwitchedModelAsync(collectionId, cancellationToken) is { } model ? new ModelPlan(model, null) : ModelPlan.Any;
    }
}

/// <summary>Runs the re-embedding of one collection (key: the service id); at most one loop per collection in the cluster.</summary>
[Alias("CompreFace.Jobs.IReembedGrain")]
public interface IReembedGrain : IGrainWithGuidKey
{
    /// <summary>Starts (or resumes) the job's loop unless it runs already; returns at once.</summary>
    [Alias("RunAsync")]
    Task RunAsync(Guid jobId, CancellationToken cancellationToken = default);
}

/// <inheritdoc cref="IReembedGrain" />
/// <remarks>
/// Progress is the store itself: a face is done when its vector of the target model is stored, so a loop that starts
/// again (after a restart or a <c>kill -9</c>) asks the store for the faces still pending and never repeats a finished
/// one. Faces that cannot be computed (no stored image, no face found) are reported in the job's items and skipped.
/// </remarks>
[Reentrant]
#pragma warning disable CA1001 // The token source is disposed in OnDeactivateAsync, the end of a grain's life.
internal sealed partial class ReembedGrain(
    IFaceStore faces,
    IReembedStore vectors,
    ClusterAnalyzer analyzers,
    IOptions<ReembedOptions> options,
    TimeProvider time,
    ILogger<ReembedGrain> logger) : Grain, IReembedGrain
#pragma warning restore CA1001
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public Task RunAsync(Guid jobId, CancellationToken cancellationToken = default)
    {
        if (_loop is null || _loop.IsCompleted)
        {
            _loop = LoopAsync(jobId);
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The node stops (or the grain is moved): the job stays running and is resumed by a node's resumer.
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        _stopping.Dispose();
    }

    private async Task LoopAsync(Guid jobId)
    {
        var collectionId = this.GetPrimaryKey();
        var collection = GrainFactory.GetGrain<ICollectionReembedGrain>(collectionId);
        JobRun? run = null;
        try
        {
            run = await JobRun.StartAsync(GrainFactory, jobId, _stopping.Token);
            var job = await GrainFactory.GetGrain<IJobGrain>(jobId).GetAsync();
            if (run is null || job is null || ReembedModels.Parse(job.Detail) is not { } models)
            {
                // Cancelled before it started (or not a re-embedding): searches follow their query's model again.
                await collection.AbortReembedAsync();
                return;
            }

            await RunAsync(run, collection, collectionId, models.Serving, models.Target);
        }
        catch (Exception exception)
        {
            if (!_stopping.IsCancellationRequested)
            {
                LogFailed(logger, jobId, collectionId, exception.Message);
                await collection.AbortReembedAsync();
            }

            if (run is not null)
            {
                await run.FinishAsync(exception);
            }
        }
        finally
        {
            if (run is not null)
            {
                await run.DisposeAsync();
            }
        }
    }

    private async Task RunAsync(JobRun run, ICollectionReembedGrain collection, Guid collectionId, string serving, string target)
    {
        var settings = options.Value;
        var job = GrainFactory.GetGrain<IJobGrain>(run.JobId);
        await collection.BeginReembedAsync(serving, target);

        // Faces reported before (no image, no face) are not tried again.
        var reported = await job.ListItemsAsync(0, int.MaxValue);
        var skip = reported.Select(i => Guid.TryParse(i.Item, out var id) ? id : Guid.Empty).ToHashSet();
        var (total, done) = await vectors.CountAsync(collectionId, target, run.Token);
        long failed = reported.Count;
        var thisRun = 0;
        LogResuming(logger, run.JobId, collectionId, done, total, failed);
        await run.ReportAsync(done, failed, total);

        while (true)
        {
            run.Token.ThrowIfCancellationRequested();
            DelayDeactivation(TimeSpan.FromMinutes(10));
            var pending = await vectors.ListPendingAsync(collectionId, target, skip, settings.BatchSize, run.Token);
            if (pending.Count == 0)
            {
                break;
            }

            using var gate = new SemaphoreSlim(analyzers.Window(settings.Concurrency));
            var outcomes = await Task.WhenAll(pending.Select(async face =>
            {
                await gate.WaitAsync(run.Token);
                try
                {
                    return await EmbedAsync(collectionId, face, target, run.Token);
                }
                finally
                {
                    gate.Release();
                }
            }));

            var computed = outcomes.Where(o => o.Face is not null).Select(o => o.Face!).ToArray();
            if (computed.Length > 0)
            {
                await collection.StoreReembeddedAsync(target, computed, run.Token);
            }

            var failures = outcomes.Where(o => o.Failure is not null).Select(o => o.Failure!).ToArray();
            await run.AddItemsAsync(failures);
            foreach (var failure in failures)
            {
                skip.Add(Guid.Parse(failure.Item));
            }

            thisRun += computed.Length;
            done += computed.Length;
            failed += failures.Length;
            LogStep(logger, run.JobId, computed.Length, failures.Length, thisRun);
            await run.ReportAsync(done, failed, Math.Max(total, done + failed));
            if (settings.Pause > TimeSpan.Zero)
            {
                await Task.Delay(settings.Pause, time, run.Token);
            }
        }

        run.Token.ThrowIfCancellationRequested();
        var switched = await collection.CompleteReembedAsync(target);
        await run.ReportAsync(done, failed, Math.Max(total, done + failed));
        LogCompleted(logger, run.JobId, collectionId, switched, failed, thisRun);
        await run.FinishAsync(null);
    }

    /// <summary>One face's vector of <paramref name="target"/> from its stored image, or why there is none.</summary>
    private async Task<(ReembeddedFace? Face, JobItem? Failure)> EmbedAsync(
        Guid collectionId, ReembedCandidate face, string target, CancellationToken cancellationToken)
    {
        var id = face.ImageId.ToString();
        var image = await faces.GetImageAsync(collectionId, face.ImageId, cancellationToken);
        if (image is null || image.Length == 0)
        {
            return (null, new JobItem(id, "no_image", "No stored image (Storage:SaveImages was off when it was added): delete it or add it again"));
        }

        // The largest face, as adds keep; an image that was a face crop (added with detect_faces=false) has no face to
        // detect, so it is embedded whole, as it was then.
        foreach (var detect in new[] { true, false })
        {
            var result = await analyzers.AnalyzeAsync(
                new FaceAnalysisRequest { Image = image, Limit = 1, ComputeEmbeddings = true, DetectFaces = detect, Embedder = target },
                cancellationToken);
            if (result.Outcome != FaceAnalysisOutcome.Ok)
            {
                return (null, new JobItem(id, "bad_image", result.Detail ?? result.Outcome.ToString()));
            }

            if (result.Faces is [{ Embedding: { } vector }, ..] && result.Calculator?.Version == target)
            {
                return (new ReembeddedFace(face.ImageId, face.SubjectId, face.Shard, vector), null);
            }
        }

        return (null, new JobItem(id, "no_face", "No face found in the stored image"));
    }

    [LoggerMessage(EventId = 1520, Level = LogLevel.Information, Message = "Re-embedding job {JobId} of collection {CollectionId} running: {Done} of {Total} faces already re-embedded, {Failed} reported")]
    private static partial void LogResuming(ILogger logger, Guid jobId, Guid collectionId, long done, long total, long failed);

    [LoggerMessage(EventId = 1521, Level = LogLevel.Information, Message = "Re-embedding job {JobId}: {Computed} faces embedded, {Failed} reported; {RunTotal} embedded by this run")]
    private static partial void LogStep(ILogger logger, Guid jobId, int computed, int failed, int runTotal);

    [LoggerMessage(EventId = 1522, Level = LogLevel.Information, Message = "Re-embedding job {JobId} of collection {CollectionId} completed: {Switched} faces switched, {Failed} reported; {RunTotal} embedded by this run")]
    private static partial void LogCompleted(ILogger logger, Guid jobId, Guid collectionId, int switched, long failed, int runTotal);

    [LoggerMessage(EventId = 1523, Level = LogLevel.Warning, Message = "Re-embedding job {JobId} of collection {CollectionId} stopped: {Error}")]
    private static partial void LogFailed(ILogger logger, Guid jobId, Guid collectionId, string error);
}

/// <inheritdoc cref="IReembeddingGrain" />
internal sealed class ReembeddingGrain(IJobStore jobs, IReembedStore vectors) : Grain, IReembeddingGrain
{
    public async Task<ReembedStart> StartAsync(string target, string? createdBy, CancellationToken cancellationToken = default)
    {
        if ((await jobs.ListAsync(new JobQuery(Kind: JobKinds.Reembed, UnfinishedOnly: true, Limit: 1), cancellationToken)).Count > 0)
        {
            return new ReembedStart(true, []);
        }

        var started = new List<Guid>();
        foreach (var collectionId in await vectors.FindCollectionsWithOtherModelsAsync(target, cancellationToken))
        {
            if (await vectors.FindOtherModelAsync(collectionId, target, cancellationToken) is not { } serving)
            {
                continue;
            }

            var service = await GrainFactory.GetGrain<IFaceServiceGrain>(collectionId).GetAsync(cancellationToken);
            var (total, _) = await vectors.CountAsync(collectionId, target, cancellationToken);
            var jobId = Guid.NewGuid();
            await GrainFactory.GetGrain<IJobGrain>(jobId).CreateAsync(
                new JobSpec(JobKinds.Reembed, collectionId, service?.AppId, total, createdBy, ReembedModels.Format(serving, target)), cancellationToken);

            // The plan changes before the loop starts, so writes from now on carry both models.
            await GrainFactory.GetGrain<ICollectionReembedGrain>(collectionId).BeginReembedAsync(serving, target, cancellationToken);
            await GrainFactory.GetGrain<IReembedGrain>(collectionId).RunAsync(jobId, cancellationToken);
            started.Add(jobId);
        }

        return new ReembedStart(false, started);
    }
}

/// <summary>On every node, resumes the unfinished re-embeddings (their node stopped or was killed), at start and then periodically.</summary>
public sealed partial class ReembedScheduler(IServiceProvider services, IOptions<ReembedOptions> options, TimeProvider time, ILogger<ReembedScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ResumeInterval, time);
        do
        {
            try
            {
                var jobs = services.GetRequiredService<IJobStore>();
                var grains = services.GetRequiredService<IGrainFactory>();
                foreach (var job in await jobs.ListAsync(new JobQuery(Kind: JobKinds.Reembed, UnfinishedOnly: true), stoppingToken))
                {
                    if (job.ServiceId is { } collectionId)
                    {
                        await grains.GetGrain<IReembedGrain>(collectionId).RunAsync(job.JobId, stoppingToken);
                    }
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogResumeFailed(logger, exception.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 1530, Level = LogLevel.Warning, Message = "Looking for re-embeddings to resume failed ({Error}); trying again later")]
    private static partial void LogResumeFailed(ILogger logger, string error);
}

/// <summary>Composition of the jobs' runners on a silo.</summary>
public static class JobsServiceCollectionExtensions
{
    /// <summary>Binds <see cref="ReembedOptions"/> and the <see cref="ReembedScheduler"/> (needs the storage and the silo).</summary>
    public static IServiceCollection AddReembedding(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<ReembedOptions>().BindConfiguration(ReembedOptions.SectionName).ValidateDataAnnotations();
        services.TryAddSingletonTimeProvider();
        if (!services.Any(d => d.ServiceType == typeof(ReembedScheduler)))
        {
            services.AddSingleton<ReembedScheduler>();
            services.AddHostedService(sp => sp.GetRequiredService<ReembedScheduler>());
        }

        return services;
    }

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}
