using System.Globalization;
using CompreFace.Grains.Interfaces.Jobs;

namespace CompreFace.WebApi.Admin;

/// <summary>
/// The jobs list (docs/decisions/0034-jobs-and-re-embedding.md): long-running work (re-embedding, export, import, bulk
/// enrolment) with its progress, its report of failed items, and cancel. The global owner and administrators see every
/// job; an application's owner and administrators see the jobs of its services; anyone else sees none.
/// </summary>
internal static class JobEndpoints
{
    /// <summary>The most jobs one list answers.</summary>
    public const int MaxLimit = 500;

    public static void MapJobEndpoints(this IEndpointRouteBuilder admin)
    {
        var notFound = new[] { JobNotFound("{jobId}"), AdminErrors.InvalidGuid("jobId", "{jobId}"), AdminErrors.NotAllowed() };
        admin.MapGet("/jobs", ListAsync).WithName("AdminListJobs").WithTags("Jobs")
            .WithErrors(AdminErrors.Validation("Unknown job kind 'copy'"), AdminErrors.InvalidGuid("serviceId", "{serviceId}"));
        admin.MapGet("/jobs/{jobId}", GetAsync).WithName("AdminGetJob").WithTags("Jobs").WithErrors(notFound);
        admin.MapGet("/jobs/{jobId}/items", ItemsAsync).WithName("AdminJobItems").WithTags("Jobs").WithErrors(notFound);
        admin.MapPost("/jobs/{jobId}/cancel", CancelAsync).WithName("AdminCancelJob").WithTags("Jobs")
            .WithErrors([.. notFound, JobFinished("{jobId}", JobState.Completed)]);
    }

    /// <summary>
    /// <c>GET /admin/jobs?kind=&amp;serviceId=&amp;active=&amp;limit=</c>: jobs newest first (default 100, at most 500);
    /// <c>active=true</c> keeps only queued and running ones.
    /// </summary>
    public static async Task<IResult> ListAsync(string? kind, string? serviceId, bool? active, int? limit, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var caller = AdminCaller.Get(context);
        if (kind is not null && kind is not (JobKinds.Reembed or JobKinds.Export or JobKinds.Import or JobKinds.BulkEnrol))
        {
            throw AdminErrors.Validation(string.Create(CultureInfo.InvariantCulture, $"Unknown job kind '{kind}'"));
        }

        Guid? service = string.IsNullOrWhiteSpace(serviceId) ? null
            : Guid.TryParse(serviceId, out var id) ? id : throw AdminErrors.InvalidGuid("serviceId", serviceId);
        var query = new JobQuery(await VisibleAppsAsync(grains, caller, context.RequestAborted), kind, service, active == true, Math.Clamp(limit ?? 100, 1, MaxLimit));
        var jobs = await grains.GetGrain<IJobDirectoryGrain>(0).ListAsync(query, context.RequestAborted);
        return AdminJson.Result(jobs.Select(ToResponse).ToList());
    }

    /// <summary><c>GET /admin/jobs/{jobId}</c>: one job.</summary>
    public static async Task<IResult> GetAsync(string jobId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var (_, job) = await LoadAsync(grains, jobId, context);
        return AdminJson.Result(ToResponse(job));
    }

    /// <summary><c>GET /admin/jobs/{jobId}/items?offset=&amp;limit=</c>: the job's report of failed items, in order (default 1000, at most 10000).</summary>
    public static async Task<IResult> ItemsAsync(string jobId, int? offset, int? limit, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var (grain, _) = await LoadAsync(grains, jobId, context);
        var items = await grain.ListItemsAsync(Math.Max(0, offset ?? 0), Math.Clamp(limit ?? 1000, 1, 10_000), context.RequestAborted);
        return AdminJson.Result(items.Select(i => new JobItemResponse(i.Item, i.Outcome, i.Message)).ToList());
    }

    /// <summary>
    /// <c>POST /admin/jobs/{jobId}/cancel</c>: a queued job is cancelled at once; a running one stops at its worker's
    /// next progress report (<c>cancelRequested: true</c> until then). A finished job: 400 code 26.
    /// </summary>
    public static async Task<IResult> CancelAsync(string jobId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var (grain, job) = await LoadAsync(grains, jobId, context);
        if (job.IsFinished)
        {
            throw JobFinished(jobId, job.State);
        }

        var cancelled = await grain.CancelAsync(context.RequestAborted) ?? throw JobNotFound(jobId);
        return AdminJson.Result(ToResponse(cancelled));
    }

    /// <summary>404 code 2 (the admin API's "not found" family) for an unknown job.</summary>
    internal static ApiException JobNotFound(string jobId) => new(StatusCodes.Status404NotFound, 2, $"Job {jobId} not found");

    /// <summary>400 code 26: the job has already ended.</summary>
    internal static ApiException JobFinished(string jobId, JobState state) =>
        AdminErrors.Validation($"Job {jobId} has already finished ({StateName(state)})");

    /// <summary>The state as the API writes it.</summary>
    public static string StateName(JobState state) => state.ToString().ToLowerInvariant();

    /// <summary>
    /// The applications whose jobs the caller sees: null (all) for a global owner or administrator, else those where
    /// they are owner or administrator.
    /// </summary>
    private static async Task<IReadOnlyList<Guid>?> VisibleAppsAsync(IGrainFactory grains, AdminCaller caller, CancellationToken cancellationToken)
    {
        if (caller.IsGlobalAdmin)
        {
            return null;
        }

        return (await grains.GetGrain<IUserGrain>(caller.UserId).ListApplicationsAsync(cancellationToken))
            .Where(a => a.RoleOf(caller.UserId) is Role.Owner or Role.Administrator)
            .Select(a => a.AppId)
            .ToList();
    }

    private static async Task<(IJobGrain Grain, JobInfo Job)> LoadAsync(IGrainFactory grains, string jobId, HttpContext context)
    {
        var id = Guid.TryParse(jobId, out var parsed) ? parsed : throw AdminErrors.InvalidGuid("jobId", jobId);
        var grain = grains.GetGrain<IJobGrain>(id);
        var job = await grain.GetAsync(context.RequestAborted) ?? throw JobNotFound(jobId);
        var visible = await VisibleAppsAsync(grains, AdminCaller.Get(context), context.RequestAborted);
        return visible is null || (job.AppId is { } app && visible.Contains(app)) ? (grain, job) : throw AdminErrors.NotAllowed();
    }

    internal static JobResponse ToResponse(JobInfo job) => new(
        job.JobId, job.Kind, job.ServiceId, job.AppId, StateName(job.State), job.Done, job.Failed, job.Total,
        job.Total is > 0 ? Math.Round(100.0 * Math.Min(job.Done + job.Failed, job.Total.Value) / job.Total.Value, 1) : job.State == JobState.Completed ? 100.0 : null,
        job.CreatedAt, job.StartedAt, job.FinishedAt, job.UpdatedAt, job.Error, job.CreatedBy, job.CancelRequested, job.Detail, job.Bytes);
}

/// <summary>
/// A job as the admin API shows it; <c>percent</c> is (done + failed) / total when the total is known; <c>bytes</c> is an
/// export's or import's archive size so far (null for other kinds); <c>error</c> says why a job failed, or what a
/// cancelled one left behind.
/// </summary>
internal sealed record JobResponse(
    Guid Id, string Kind, Guid? ServiceId, Guid? AppId, string State, long Done, long Failed, long? Total, double? Percent,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, DateTimeOffset UpdatedAt, string? Error, string? CreatedBy,
    bool CancelRequested, string? Detail, long? Bytes);

/// <summary>One item of a job's report.</summary>
internal sealed record JobItemResponse(string Item, string Outcome, string? Message);
