using System.IO.Compression;
using System.Text;
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
                AdminErrors.Validation("Invalid collection archive: its version 2 is not supported (this node reads version 1)")]);
        admin.MapBulkEnrolmentEndpoints();
    }

    /// <summary>
    /// <c>GET …/export?images=</c>: the collection as a tar archive (docs/export-format.md), streamed page by page. The
    /// audit log records the export before the first byte is sent.
    /// </summary>
    public static async Task<IResult> ExportAsync(
        string appId, string modelId, bool? images, HttpContext context, [FromServices] IGrainFactory grains, [FromServices] TimeProvider time)
    {
        var service = await LoadRecognitionAsync(grains, appId, modelId, context);
        var calculator = (await FaceAnalyzer.CalculatorAsync(grains, context.RequestAborted)).Version;
        var withImages = images ?? false;
        context.Response.Headers.CacheControl = Endpoints.FaceEndpoints.ImageCacheControl;
        var file = FileName(service.Name, time.GetUtcNow());
        return Results.Stream(
            async stream => await CollectionExporter.WriteAsync(stream, grains, service.ServiceId, service.Name, withImages, calculator, time, context.RequestAborted),
            CollectionArchive.ContentType,
            file);
    }

    /// <summary>
    /// <c>POST …/import</c> with a collection archive as the body (<c>application/x-tar</c>, or gzip-compressed with
    /// <c>Content-Encoding: gzip</c>): adds its subjects and examples to this service's collection and answers what it did.
    /// </summary>
    public static async Task<IResult> ImportAsync(
        string appId, string modelId, HttpContext context, [FromServices] IGrainFactory grains, [FromServices] IOptions<TransferOptions> options,
        [FromServices] IOptions<ApiOptions> api)
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
        var calculator = (await FaceAnalyzer.CalculatorAsync(grains, context.RequestAborted)).Version;
        var gzip = mediaType.MediaType.Equals("application/gzip", StringComparison.OrdinalIgnoreCase)
            || request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase);
        await using Stream body = gzip ? new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true) : request.Body;
        var importer = new CollectionImporter(grains, service.ServiceId, calculator, options.Value, api.Value.MaxFileSize);
        ImportReport report;
        try
        {
            report = await importer.RunAsync(body, context.RequestAborted);
        }
        catch (InvalidDataException exception)
        {
            // A gzip stream that is not one.
            throw ApiErrors.Validation("Invalid collection archive: " + exception.Message);
        }

        return AdminJson.Result(new ImportResponse(
            report.SubjectsCreated, report.FacesAdded, report.FacesExisting, report.FacesReembedded, report.Problems, report.Details));
    }

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
    int SubjectsCreated, long FacesAdded, long FacesExisting, long FacesReembedded, long Problems, IReadOnlyList<ImportProblem> ProblemDetails);

/// <summary>
/// Endpoint metadata: the route takes a body larger than <see cref="ApiOptions.MaxAdminRequestSize"/> (an archive), up to
/// this limit; <see cref="AdminRequestLimit"/> applies it instead.
/// </summary>
internal sealed record OwnBodyLimit(Func<IServiceProvider, long> Limit);
