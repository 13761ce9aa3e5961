using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using CompreFace.Grains.Interfaces.Jobs;
using CompreFace.WebApi.Admin;
using Microsoft.Net.Http.Headers;

namespace CompreFace.WebApi.Transfer;

/// <summary>
/// Bulk enrolment (docs/export-format.md#bulk-enrolment): one archive of <c>subject/photo.jpg</c> files becomes a job in
/// the jobs list, processed in the background across the inference workers, with progress and a per-file report.
/// </summary>
internal static class BulkEnrolmentEndpoints
{
    private const string Base = "/app/{appId}/model/{modelId}/enrol";

    /// <summary>Files sent to the job's grain at once.</summary>
    private const int UploadBatch = 32;

    public static void MapBulkEnrolmentEndpoints(this IEndpointRouteBuilder admin)
    {
        ApiException[] common = [AdminErrors.AppNotFound("{appId}"), AdminErrors.ServiceNotFound("{modelId}"), AdminErrors.ServiceNotInApp("{modelId}", "{appId}"), AdminErrors.NotAllowed(), TransferEndpoints.NotRecognition()];
        admin.MapPost(Base, UploadAsync).WithName("AdminBulkEnrol").WithTags("Transfer")
            .WithQuery(new QueryParameterDoc("name", "A name for the job in the jobs list (e.g. the archive's file name)."))
            .WithMetadata(new RequestBodyDoc("application/zip", System.Text.Json.Nodes.JsonValue.Create("(a zip or tar of subject/photo.jpg files)"), []))
            .WithMetadata(new OwnBodyLimit(sp => sp.GetRequiredService<IOptions<TransferOptions>>().Value.MaxEnrolSize))
            .WithErrors([.. common, ApiErrors.UnsupportedMediaType("multipart/form-data"), ApiErrors.RequestTooLarge(4L << 30),
                AdminErrors.Validation("Invalid enrolment archive: it has more than 100000 files (Transfer:MaxEnrolFiles)"), ArchiveUploads.Busy(2)]);
        admin.MapGet(Base + "/{jobId}", StatusAsync).WithName("AdminBulkEnrolStatus").WithTags("Transfer").WithErrors([.. common, JobNotFound("{jobId}")]);
        admin.MapGet(Base + "/{jobId}/report", ReportAsync).WithName("AdminBulkEnrolReport").WithTags("Transfer").WithErrors([.. common, JobNotFound("{jobId}")]);
    }

    /// <summary>
    /// <c>POST …/enrol?name=</c> with a zip or tar of <c>subject/photo.jpg</c> files as the body: stores the files, starts
    /// the job and answers 202 with its id (follow it in <c>GET /admin/jobs/{id}</c> or <c>GET …/enrol/{jobId}</c>).
    /// </summary>
    public static async Task<IResult> UploadAsync(
        string appId, string modelId, string? name, HttpContext context, [FromServices] IGrainFactory grains,
        [FromServices] IOptions<TransferOptions> options, [FromServices] IOptions<ApiOptions> api, [FromServices] ArchiveUploads uploads)
    {
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || mediaType.MediaType.Value is not { } type
            || !(type.Equals("application/zip", StringComparison.OrdinalIgnoreCase) || type.Equals("application/x-zip-compressed", StringComparison.OrdinalIgnoreCase)
                 || type.Equals(CollectionArchive.ContentType, StringComparison.OrdinalIgnoreCase) || type.Equals("application/gzip", StringComparison.OrdinalIgnoreCase)
                 || type.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase)))
        {
            throw ApiErrors.UnsupportedMediaType(request.ContentType);
        }

        var caller = AdminCaller.Get(context);
        var service = await TransferEndpoints.LoadRecognitionAsync(grains, appId, modelId, context);
        using var slot = uploads.Take();
        var cancellationToken = context.RequestAborted;

        // A zip's directory is at its end: the body is spooled to a temporary file (deleted on close) and read from there.
        await using var spool = new FileStream(
            Path.Combine(Path.GetTempPath(), "cf-enrol-" + Guid.NewGuid().ToString("N")), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await request.Body.CopyToAsync(spool, cancellationToken);
        spool.Position = 0;

        var jobId = Guid.NewGuid();
        var detail = string.IsNullOrWhiteSpace(name) ? "archive" : name.Trim()[..Math.Min(name.Trim().Length, 100)];
        await grains.GetGrain<IJobGrain>(jobId).CreateAsync(new JobSpec(JobKinds.BulkEnrol, service.ServiceId, service.AppId, null, caller.User.Email, detail), cancellationToken);
        var worker = grains.GetGrain<IBulkEnrolmentGrain>(jobId);
        var reader = new EnrolmentArchiveReader(service.ServiceId, options.Value.MaxEnrolFiles, api.Value.MaxFileSize, options.Value.MaxEnrolSize);
        var batch = new List<EnrolmentFile>();
        long bytes = 0;
        try
        {
            await foreach (var file in reader.ReadAsync(spool, cancellationToken))
            {
                batch.Add(file);
                bytes += file.Content?.Length ?? 0;
                if (batch.Count >= UploadBatch || bytes >= CollectionImporter.BatchBytes)
                {
                    await worker.AddFilesAsync(batch.ToArray(), cancellationToken);
                    batch.Clear();
                    bytes = 0;
                }
            }

            await worker.AddFilesAsync(batch.ToArray(), cancellationToken);
            await worker.SealAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The archive could not be read to its end: the job is cancelled in the list (its run, started by the first
            // files, stops at its next report and reports the files it did not process). A client that went away
            // mid-upload cancels nothing: its job, missing its last files, fails as a lost upload after the worker's upload
            // silence, with that reason, as when this node stops here.
            await grains.GetGrain<IJobGrain>(jobId).CancelAsync(CancellationToken.None);
            throw;
        }

        return AdminJson.Result(new BulkEnrolUploadResponse(jobId, reader.Files, reader.Refused), StatusCodes.Status202Accepted);
    }

    /// <summary><c>GET …/enrol/{jobId}</c>: the job's progress with per-outcome counts and faces per second.</summary>
    public static async Task<IResult> StatusAsync(string appId, string modelId, string jobId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var (job, worker) = await LoadJobAsync(grains, appId, modelId, jobId, context);
        var counts = await worker.CountAsync(context.RequestAborted);
        var enrolled = counts.GetValueOrDefault(EnrolmentFileState.Enrolled);
        var seconds = job.StartedAt is { } started ? ((job.FinishedAt ?? job.UpdatedAt) - started).TotalSeconds : 0;
        return AdminJson.Result(new BulkEnrolStatusResponse(
            job.JobId, job.State.ToString().ToLowerInvariant(), job.Done, job.Failed, job.Total,
            job.Total is > 0 and var total ? Math.Round(100.0 * (job.Done + job.Failed) / total, 1) : null,
            enrolled, counts.GetValueOrDefault(EnrolmentFileState.AlreadyEnrolled), counts.GetValueOrDefault(EnrolmentFileState.Pending),
            seconds > 0 ? Math.Round(enrolled / seconds, 2) : null, job.Error));
    }

    /// <summary>
    /// <c>GET …/enrol/{jobId}/report</c>: every file of the archive with its outcome, as CSV
    /// (<c>file,subject,outcome,image_id</c>; outcomes <c>enrolled</c>, <c>already_enrolled</c>, <c>pending</c>, <c>not_processed</c> or the failure).
    /// </summary>
    public static async Task<IResult> ReportAsync(string appId, string modelId, string jobId, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var (job, worker) = await LoadJobAsync(grains, appId, modelId, jobId, context);
        return Results.Stream(
            async stream =>
            {
                await using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
                await writer.WriteAsync("file,subject,outcome,image_id\n");
                for (var after = 0; ;)
                {
                    var page = await worker.ReportAsync(after, 1000, context.RequestAborted);
                    if (page.Count == 0)
                    {
                        break;
                    }

                    foreach (var line in page)
                    {
                        var outcome = line.State switch
                        {
                            EnrolmentFileState.Enrolled => "enrolled",
                            EnrolmentFileState.AlreadyEnrolled => "already_enrolled",
                            EnrolmentFileState.Pending => "pending",
                            EnrolmentFileState.NotProcessed => "not_processed",
                            _ => line.Outcome ?? "failed",
                        };
                        await writer.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"{Csv(line.Name)},{Csv(line.Subject)},{outcome},{(line.State is EnrolmentFileState.Enrolled or EnrolmentFileState.AlreadyEnrolled ? line.ImageId.ToString("D") : string.Empty)}\n"));
                    }

                    after = page[^1].Seq;
                }
            },
            "text/csv; charset=utf-8",
            $"enrolment-{job.JobId:N}.csv");
    }

    /// <summary>404 code 2 for a job that is not a bulk enrolment of this service.</summary>
    internal static ApiException JobNotFound(string jobId) => new(StatusCodes.Status404NotFound, 2, $"Job {jobId} not found");

    private static async Task<(JobInfo Job, IBulkEnrolmentGrain Worker)> LoadJobAsync(
        IGrainFactory grains, string appId, string modelId, string jobId, HttpContext context)
    {
        var service = await TransferEndpoints.LoadRecognitionAsync(grains, appId, modelId, context);
        if (!Guid.TryParse(jobId, out var id))
        {
            throw AdminErrors.InvalidGuid("jobId", jobId);
        }

        var job = await grains.GetGrain<IJobGrain>(id).GetAsync(context.RequestAborted);
        return job is { Kind: JobKinds.BulkEnrol } && job.ServiceId == service.ServiceId
            ? (job, grains.GetGrain<IBulkEnrolmentGrain>(id))
            : throw JobNotFound(jobId);
    }

    /// <summary>
    /// A CSV field: quoted when it holds a comma, quote or line break; a leading formula character is defused, as is a
    /// leading tab or carriage return (spreadsheets skip them and read the formula behind).
    /// </summary>
    private static string Csv(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}

/// <summary>
/// Reads an enrolment archive (zip, tar or gzip tar, told apart by their first bytes): each regular file becomes an
/// <see cref="EnrolmentFile"/> of the subject named by its folder. Hidden files and macOS metadata are skipped; a file
/// without a folder, in a folder that is not a valid subject name, empty or over the image size limit is kept as failed
/// (with its reason, for the report) without its content.
/// </summary>
internal sealed class EnrolmentArchiveReader(Guid serviceId, int maxFiles, long maxFileSize, long maxArchiveSize)
{
    /// <summary>Files read so far.</summary>
    public int Files { get; private set; }

    /// <summary>Files refused while reading (already failed in the report).</summary>
    public int Refused { get; private set; }

    private long _inflated;

    public async IAsyncEnumerable<EnrolmentFile> ReadAsync(Stream archive, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var magic = new byte[4];
        var read = await archive.ReadAtLeastAsync(magic, 4, throwOnEndOfStream: false, cancellationToken);
        archive.Position = 0;
        if (read >= 2 && magic[0] == (byte)'P' && magic[1] == (byte)'K')
        {
            // ZipArchive holds every entry of the directory in memory (a few hundred bytes each, ten times their size in
            // the zip) up to the count the end record declares: that count is bounded first. Folders and macOS's ._
            // copies are entries too, hence the room beyond the files.
            var most = 4L * maxFiles;
            if (await DeclaredZipEntriesAsync(archive, cancellationToken) is { } declared && declared > most)
            {
                throw Invalid($"it has {declared} entries, more than {most} (4 × Transfer:MaxEnrolFiles)");
            }

            archive.Position = 0;
            ZipArchive zip;
            try
            {
                zip = new ZipArchive(archive, ZipArchiveMode.Read, leaveOpen: true);
            }
            catch (InvalidDataException exception)
            {
                throw Invalid("it is not a readable zip (" + exception.Message + ")");
            }

            using (zip)
            {
                IReadOnlyList<ZipArchiveEntry> entries;
                try
                {
                    entries = zip.Entries;
                }
                catch (InvalidDataException exception)
                {
                    throw Invalid("it is not a readable zip (" + exception.Message + ")");
                }

                foreach (var entry in entries)
                {
                    if (entry.FullName.EndsWith('/'))
                    {
                        continue;
                    }

                    var file = await ReadFileAsync(
                        entry.FullName,
                        entry.Length,
                        async (content, cancellation) =>
                        {
                            try
                            {
                                await using var data = await entry.OpenAsync(cancellation);
                                await data.ReadExactlyAsync(content, cancellation);
                            }
                            catch (Exception exception) when (exception is InvalidDataException or EndOfStreamException)
                            {
                                // Damaged data, an unsupported method or encryption, or shorter than its directory says.
                                var name = entry.FullName.Length <= 100 ? entry.FullName : entry.FullName[..100] + "…";
                                throw Invalid($"its entry '{name}' cannot be read ({exception.Message})");
                            }
                        },
                        cancellationToken);
                    if (file is not null)
                    {
                        yield return file;
                    }
                }
            }

            yield break;
        }

        // A gzip tar may hold no more than the upload limit: a few kilobytes of zeros must not inflate into gigabytes.
        await using var inflated = read >= 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(archive, CompressionMode.Decompress, leaveOpen: true) : null;
        Stream tarStream = inflated is null ? archive : new CountingStream(inflated, maxArchiveSize);
        await foreach (var entry in TarEntries.ReadAsync(tarStream, e => Invalid("it is neither a zip nor a readable tar (" + e.Message + ")"), cancellationToken))
        {
            if (!TarEntries.IsFile(entry))
            {
                continue;
            }

            var file = await ReadFileAsync(
                entry.Name,
                entry.Length,
                (content, cancellation) => entry.DataStream is { } data ? data.ReadExactlyAsync(content, cancellation) : ValueTask.CompletedTask,
                cancellationToken);
            if (file is not null)
            {
                yield return file;
            }
        }
    }

    /// <summary>The entry count a zip's end record declares (zip64's when it has one), or null when no end record is found.</summary>
    private static async Task<long?> DeclaredZipEntriesAsync(Stream zip, CancellationToken cancellationToken)
    {
        const int EndRecord = 22;
        var tail = new byte[(int)Math.Min(zip.Length, EndRecord + ushort.MaxValue)];
        var tailStart = zip.Length - tail.Length;
        zip.Position = tailStart;
        await zip.ReadExactlyAsync(tail, cancellationToken);
        for (var at = tail.Length - EndRecord; at >= 0; at--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(at)) != 0x06054b50)
            {
                continue;
            }

            var entries = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(at + 10));
            var locatorAt = tailStart + at - 20;
            if (entries != ushort.MaxValue || locatorAt < 0)
            {
                return entries;
            }

            // Zip64: the locator right before the end record gives the offset of the zip64 end record, whose count is at 32.
            var locator = new byte[20];
            zip.Position = locatorAt;
            await zip.ReadExactlyAsync(locator, cancellationToken);
            var recordAt = BinaryPrimitives.ReadInt64LittleEndian(locator.AsSpan(8));
            if (BinaryPrimitives.ReadUInt32LittleEndian(locator) != 0x07064b50 || recordAt < 0 || recordAt > zip.Length - 40)
            {
                return entries;
            }

            var record = new byte[40];
            zip.Position = recordAt;
            await zip.ReadExactlyAsync(record, cancellationToken);
            return BinaryPrimitives.ReadUInt32LittleEndian(record) == 0x06064b50 ? BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(32)) : entries;
        }

        return null;
    }

    /// <summary>
    /// One regular file of the archive, zip or tar alike: over the size limit it is kept as failed without being read,
    /// otherwise <paramref name="fill"/> reads it whole.
    /// </summary>
    private async ValueTask<EnrolmentFile?> ReadFileAsync(string path, long length, Func<byte[], CancellationToken, ValueTask> fill, CancellationToken cancellationToken)
    {
        if (Segments(path) is not { } segments)
        {
            return null;
        }

        if (length > maxFileSize)
        {
            return Make(path, segments, null, "too_large");
        }

        // The photos a zip inflates to are bounded as a gzip tar's are: a zip of zeros must not stage gigabytes.
        _inflated += length;
        if (_inflated > maxArchiveSize)
        {
            throw ApiErrors.RequestTooLarge(maxArchiveSize);
        }

        var content = new byte[length];
        await fill(content, cancellationToken);
        return Make(path, segments, content, null);
    }

    /// <summary>The path's folders and name, or null for a file that is skipped unread (hidden, or macOS metadata).</summary>
    private static string[]? Segments(string path)
    {
        // "./" (a tar made inside its folder, `tar -cf photos.tar -C photos .`) names no folder.
        var segments = path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToArray();
        return segments.Length == 0 || segments.Any(s => s.StartsWith('.') || s == "__MACOSX") ? null : segments;
    }

    private EnrolmentFile Make(string path, string[] segments, byte[]? content, string? refused)
    {

        if (++Files > maxFiles)
        {
            throw Invalid($"it has more than {maxFiles} files (Transfer:MaxEnrolFiles)");
        }

        var name = path.Length <= 300 ? path : path[..300];
        var subject = segments.Length >= 2 ? segments[^2] : string.Empty;
        refused ??= segments.Length < 2 ? "no_subject"
            : !IsValidSubject(subject) ? "invalid_subject"
            : content is not { Length: > 0 } ? "bad_image"
            : null;
        if (refused is not null)
        {
            Refused++;
            return new EnrolmentFile(Files, name, subject.Length <= 50 ? subject : subject[..50], Guid.Empty, null, EnrolmentFileState.Failed, refused);
        }

        var hash = Convert.ToHexString(SHA256.HashData(content!));
        var imageId = TransferIds.Derive(serviceId, "enrol", subject.ToUpperInvariant(), hash);
        return new EnrolmentFile(Files, name, subject, imageId, content);
    }

    private static bool IsValidSubject(string name)
    {
        try
        {
            SubjectNames.Validate(name);
            return true;
        }
        catch (ApiException)
        {
            return false;
        }
    }

    private static ApiException Invalid(string why) => ApiErrors.Validation("Invalid enrolment archive: " + why);
}

/// <summary>The answer to an upload: the job and how many files it holds (and how many were refused at once).</summary>
internal sealed record BulkEnrolUploadResponse(Guid JobId, int Files, int Refused);

/// <summary>A bulk enrolment's progress.</summary>
internal sealed record BulkEnrolStatusResponse(
    Guid JobId, string State, long Done, long Failed, long? Total, double? Percent, long Enrolled, long AlreadyEnrolled, long Pending,
    double? FacesPerSecond, string? Error);
