using System.Globalization;
using System.IO.Compression;
using System.Text;
using CompreFace.Grains.Interfaces.Jobs;
using CompreFace.WebApi.Admin;
using Microsoft.Net.Http.Headers;

namespace CompreFace.WebApi.Transfer;

/// <summary>
/// Export and import of a recognition service's collection as a streamed archive (docs/export-format.md), by the
/// application's owner and administrators (and global administrators): <c>GET …/export</c>, <c>POST …/import</c>.
/// </summary>
internal static class TransferEndpoints
{
    private const string Base = "/app/{appId}/model/{modelId}";

    /// <summary>The response header that names an export's job (its entry in <c>GET /admin/jobs</c>, and what to cancel).</summary>
    public const string JobIdHeader = "X-Job-Id";

    public static void MapTransferEndpoints(this IEndpointRouteBuilder admin)
    {
        ApiException[] common = [AdminErrors.AppNotFound("{appId}"), AdminErrors.ServiceNotFound("{modelId}"), AdminErrors.ServiceNotInApp("{modelId}", "{appId}"), AdminErrors.NotAllowed(), NotRecognition()];
        admin.MapGet(Base + "/export", ExportAsync).WithName("AdminExportModel").WithTags("Transfer")
            .WithQuery(new QueryParameterDoc("images", "Include each example's stored photo (needed to import into a node with another embedding model).", "boolean"))
            .WithErrors(common);
        admin.MapPost(Base + "/import", ImportAsync).WithName("AdminImportModel").WithTags("Transfer")
            .WithMetadata(new RequestBodyDoc(CollectionArchive.ContentType, System.Text.Json.Nodes.JsonValue.Create("(a collection archive, docs/export-format.md; gzip with Content-Encoding: gzip)"), []))
            .WithMetadata(new OwnBodyLimit(sp => sp.GetRequiredService<IOptions<TransferOptions>>().Value.MaxImportSize))
            .WithErrors([.. common, ApiErrors.UnsupportedMediaType("multipart/form-data"), ApiErrors.RequestTooLarge(64L << 30),
                AdminErrors.Validation("Invalid collection archive: its version 2 is not supported (this node reads version 1)"),
                ImportCancelled(Guid.Empty, 1000, 3), ArchiveUploads.Busy(2)]);
        admin.MapBulkEnrolmentEndpoints();
    }

    /// <summary>
    /// <c>GET …/export?images=</c>: the collection as a tar archive (docs/export-format.md), streamed page by page. The
    /// audit log records the export before the first byte is sent. The export is a job of the jobs list (its id in the
    /// <see cref="JobIdHeader"/> header); cancelling the job ends the stream with an error the client sees (the connection
    /// is aborted: the archive has no <c>end.json</c>).
    /// </summary>
    public static async Task<IResult> ExportAsync(
        string appId, string modelId, bool? images, HttpContext context, [FromServices] IGrainFactory grains, [FromServices] TimeProvider time,
        [FromServices] IOptions<TransferOptions> options, [FromServices] ILoggerFactory loggers)
    {
        var service = await LoadRecognitionAsync(grains, appId, modelId, context);
        var calculator = (await FaceAnalyzer.CalculatorAsync(grains, context.RequestAborted)).Version;
        var withImages = images ?? false;
        var faces = (await grains.GetGrain<IFaceCollectionGrain>(service.ServiceId).ListFacesAsync(null, 0, 1, context.RequestAborted)).Total;
        var spec = new JobSpec(JobKinds.Export, service.ServiceId, service.AppId, faces, AdminCaller.Get(context).User.Email, withImages ? "with images" : "without images");
        var job = await TransferJob.StartAsync(grains, spec, options.Value, time, loggers.CreateLogger<TransferJob>(), context.RequestAborted);
        context.Response.Headers[JobIdHeader] = job.JobId.ToString("D");
        context.Response.Headers.CacheControl = Endpoints.FaceEndpoints.ImageCacheControl;
        var file = FileName(service.Name, time.GetUtcNow());
        return Results.Stream(
            async stream =>
            {
                await using (job)
                {
                    var counted = new CountingStream(stream);
                    try
                    {
                        var end = await CollectionExporter.WriteAsync(
                            counted, grains, service.ServiceId, service.Name, withImages, calculator, time, done => job.Progress(done, 0, counted.Count), job.Token);
                        job.Progress(end.Faces, 0, counted.Count);
                        await job.FinishAsync(null);
                    }
                    catch (Exception exception)
                    {
                        await job.FinishAsync(exception);
                        if (!job.CancelRequested)
                        {
                            throw;
                        }

                        // The answer has started (200 and part of the archive): aborting the connection is how the client
                        // learns that the archive is incomplete.
                        context.Abort();
                    }
                }
            },
            CollectionArchive.ContentType,
            file);
    }

    /// <summary>
    /// <c>POST …/import</c> with a collection archive as the body (<c>application/x-tar</c>, or gzip-compressed with
    /// <c>Content-Encoding: gzip</c>): adds its subjects and examples to this service's collection and answers what it did.
    /// The import is a job of the jobs list; cancelling it removes what it had stored (<see cref="CollectionImporter.RollBackAsync"/>)
    /// and answers 400 code 26 (<see cref="ImportCancelled"/>).
    /// </summary>
    public static async Task<IResult> ImportAsync(
        string appId, string modelId, HttpContext context, [FromServices] IGrainFactory grains, [FromServices] IOptions<TransferOptions> options,
        [FromServices] IOptions<ApiOptions> api, [FromServices] ArchiveUploads uploads, [FromServices] TimeProvider time, [FromServices] ILoggerFactory loggers)
    {
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !(mediaType.MediaType.Equals(CollectionArchive.ContentType, StringComparison.OrdinalIgnoreCase)
                 || mediaType.MediaType.Equals("application/tar", StringComparison.OrdinalIgnoreCase)
                 || mediaType.MediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase)
                 || mediaType.MediaType.Equals("application/gzip", StringComparison.OrdinalIgnoreCase)))
        {
            // Never a form type: those cross sites without a preflight.
            throw ApiErrors.UnsupportedMediaType(request.ContentType);
        }

        var service = await LoadRecognitionAsync(grains, appId, modelId, context);
        using var slot = uploads.Take();
        var calculator = await FaceAnalyzer.CalculatorAsync(grains, context.RequestAborted);
        var gzip = mediaType.MediaType.Equals("application/gzip", StringComparison.OrdinalIgnoreCase)
            || request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase);
        var spec = new JobSpec(JobKinds.Import, service.ServiceId, service.AppId, null, AdminCaller.Get(context).User.Email, gzip ? "gzip archive" : "archive");
        await using var job = await TransferJob.StartAsync(grains, spec, options.Value, time, loggers.CreateLogger<TransferJob>(), context.RequestAborted);
        var counted = new CountingStream(request.Body);
        // The archive a gzip body holds is bounded as a plain one is: a few kilobytes of zeros must not inflate into gigabytes.
        await using var inflated = gzip ? new GZipStream(counted, CompressionMode.Decompress, leaveOpen: true) : null;
        var body = inflated is null ? counted : new CountingStream(inflated, options.Value.MaxImportSize);
        var importer = new CollectionImporter(grains, service.ServiceId, calculator.Version, options.Value, api.Value.MaxFileSize, calculator.Dimension)
        {
            Progress = r => job.Progress(r.FacesAdded + r.FacesExisting, r.Problems, counted.Count),
        };
        ImportReport report;
        try
        {
            report = await importer.RunAsync(body, job.Token);

            // The tar's end-of-archive padding, so the job's bytes are the whole upload (bounded by the body limit).
            await counted.CopyToAsync(Stream.Null, job.Token);
            job.Progress(report.FacesAdded + report.FacesExisting, report.Problems, counted.Count);
        }
        catch (Exception exception) when (job.CancelRequested)
        {
            var (faces, subjects) = await importer.RollBackAsync(CancellationToken.None);
            var note = string.Create(CultureInfo.InvariantCulture, $"Cancelled; the {faces} examples and {subjects} subjects it had added were removed again");
            await job.FinishAsync(exception, note);
            throw ImportCancelled(job.JobId, faces, subjects);
        }
        catch (Exception exception)
        {
            await job.FinishAsync(exception);

            // A gzip stream that is not one.
            throw exception is InvalidDataException ? ApiErrors.Validation("Invalid collection archive: " + exception.Message) : exception;
        }

        job.SetTotal(report.FacesAdded + report.FacesExisting + report.Problems);
        await job.FinishAsync(null);
        return AdminJson.Result(new ImportResponse(
            report.SubjectsCreated, report.FacesAdded, report.FacesExisting, report.FacesReembedded, report.Problems, report.Details, job.JobId));
    }

    /// <summary>400 code 26: the import's job was cancelled; what it had stored was removed.</summary>
    internal static ApiException ImportCancelled(Guid jobId, int faces, int subjects) => AdminErrors.Validation(
        string.Create(CultureInfo.InvariantCulture, $"Import cancelled (job {jobId}); the {faces} examples and {subjects} subjects it had added were removed again"));

    /// <summary>400 code 26: only a recognition service has a collection.</summary>
    internal static ApiException NotRecognition() => AdminErrors.Validation("Only a recognition service has a collection");

    internal static async Task<FaceServiceDetails> LoadRecognitionAsync(IGrainFactory grains, string appId, string modelId, HttpContext context)
    {
        var service = await ServiceEndpoints.LoadAsync(grains, appId, modelId, AdminCaller.Get(context), AppAccess.ManageServices, context.RequestAborted);
        return service.Type == FaceServiceType.Recognition ? service : throw NotRecognition();
    }

    /// <summary>A download name from the service's name: letters, digits, <c>-</c> and <c>_</c> kept, the rest <c>_</c>.</summary>
    private static string FileName(string service, DateTimeOffset now)
    {
        var name = new StringBuilder(service.Length);
        foreach (var c in service)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        }

        return $"{name}-{now:yyyyMMdd-HHmmss}.tar";
    }
}

/// <summary>The answer of an import.</summary>
internal sealed record ImportResponse(
    int SubjectsCreated, long FacesAdded, long FacesExisting, long FacesReembedded, long Problems, IReadOnlyList<ImportProblem> ProblemDetails, Guid JobId);

/// <summary>
/// Endpoint metadata: the route takes a body larger than <see cref="ApiOptions.MaxAdminRequestSize"/> (an archive), up to
/// this limit; <see cref="AdminRequestLimit"/> applies it instead.
/// </summary>
internal sealed record OwnBodyLimit(Func<IServiceProvider, long> Limit);
