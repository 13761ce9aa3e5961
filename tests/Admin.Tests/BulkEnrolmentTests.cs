using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;

namespace CompreFace.Admin.Tests;

/// <summary>
/// Bulk enrolment (docs/export-format.md#bulk-enrolment) of the labelled identities of shared/data on a real node: a
/// job in the jobs list, every failure reported by file, and a re-upload of the same archive adds nothing.
/// </summary>
public sealed class BulkEnrolmentTests
{
    private const string Password = "enrol-password-1";

    /// <summary>Files that cannot be enrolled, with the reason the report must give.</summary>
    private static readonly Dictionary<string, string> Broken = new(StringComparer.Ordinal)
    {
        ["crowd/000_5.jpg"] = "several_faces",
        ["blank/grey.png"] = "no_face",
        ["blank/empty.png"] = "bad_image",
        ["broken/corrupted.png"] = "bad_image",
        ["Ann/notes.txt"] = "bad_image",
        ["stray.jpg"] = "no_subject",
    };

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task BulkEnrol_LabelledIdentities_EnrolsEachPhoto_ReportsEveryFailureByFile_AndAReuploadAddsNothing(Store store)
    {
        using var node = store == Store.Postgres ? new PostgresAdminFactory() : new AdminFactory();
        using var owner = await AdminClient.SignedUpAsync(node, "owner@example.com", Password, "Olga", "Owner");
        var app = await owner.CreateAppAsync();
        var (serviceId, key) = await owner.CreateServiceAsync(app);
        var photos = (await File.ReadAllLinesAsync(Path.Combine(SharedData.DataDirectory, "identities.csv"))).Skip(1)
            .Select(l => l.Split(',')).ToDictionary(c => $"{c[1]}/{Path.GetFileName(c[0])}", c => SharedData.Read(c[0]));
        var archive = TestArchives.Zip(photos.Concat(new Dictionary<string, byte[]>
        {
            ["crowd/000_5.jpg"] = SharedData.SampleBytes("000_5.jpg"),
            ["blank/grey.png"] = GreyPicture(),
            ["blank/empty.png"] = SharedData.ImgToolBytes("empty.png"),
            ["broken/corrupted.png"] = SharedData.ImgToolBytes("corrupted.png"),
            ["Ann/notes.txt"] = "not a photo"u8.ToArray(),
            ["stray.jpg"] = SharedData.SampleBytes("001_A.jpg"),
            ["__MACOSX/._crowd"] = [1, 2, 3],
        }));

        var first = await EnrolAsync(owner, app, serviceId, archive);
        Assert.Equal(photos.Count + Broken.Count, first.GetProperty("total").GetInt64());
        var report = await ReportAsync(owner, app, serviceId, first.GetProperty("jobId").GetGuid());
        Assert.Equal(photos.Count + Broken.Count, report.Count);
        foreach (var (file, reason) in Broken)
        {
            Assert.Equal(reason, report[file].Outcome);
        }

        // A labelled photo is enrolled under its folder's subject, or refused as one add-face request refuses it (some
        // show a second person): the same photo sent to POST /faces on another service gets the matching error.
        var (_, otherKey) = await owner.CreateServiceAsync(app);
        var refused = new List<string>();
        foreach (var file in photos.Keys)
        {
            Assert.Equal(file.Split('/')[0], report[file].Subject);
            if (report[file].Outcome == "enrolled")
            {
                continue;
            }

            refused.Add(file);
            var (added, error) = await owner.PostPhotoAsync("/api/v1/recognition/faces?subject=x", otherKey, photos[file]);
            Assert.Equal(HttpStatusCode.BadRequest, added);
            Assert.Equal(report[file].Outcome switch { "several_faces" => 31, "no_face" => 28, _ => -1 }, error.GetProperty("code").GetInt32());
        }

        Assert.True(refused.Count < photos.Count / 5, "most labelled photos show one face: " + string.Join(", ", refused));
        var enrolledCount = photos.Count - refused.Count;
        Assert.Equal((long)enrolledCount, first.GetProperty("enrolled").GetInt64());
        Assert.Equal((long)(Broken.Count + refused.Count), first.GetProperty("failed").GetInt64());
        Assert.True(first.GetProperty("facesPerSecond").GetDouble() > 0);

        // The jobs list carries the failures, by file.
        var jobId = first.GetProperty("jobId").GetGuid();
        var (status, items) = await owner.SendAsync(HttpMethod.Get, $"/admin/jobs/{jobId}/items");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Broken.Concat(refused.Select(f => new KeyValuePair<string, string>(f, report[f].Outcome))).OrderBy(b => b.Key, StringComparer.Ordinal), items.EnumerateArray()
            .Select(i => new KeyValuePair<string, string>(i.GetProperty("item").GetString()!, i.GetProperty("outcome").GetString()!)).OrderBy(b => b.Key, StringComparer.Ordinal));

        (_, var faces) = await owner.SendAsync(HttpMethod.Get, "/api/v1/recognition/faces?size=1", apiKey: key);
        Assert.Equal(enrolledCount, faces.GetProperty("total_elements").GetInt32());
        (status, var recognised) = await owner.PostPhotoAsync("/api/v1/recognition/recognize", key, SharedData.SampleBytes("002_A.jpg"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("compreface_A", recognised.GetProperty("result")[0].GetProperty("subjects")[0].GetProperty("subject").GetString());

        // The same archive again: nothing new, each photo reported as already enrolled.
        var second = await EnrolAsync(owner, app, serviceId, archive);
        Assert.Equal((0L, (long)enrolledCount), (second.GetProperty("enrolled").GetInt64(), second.GetProperty("alreadyEnrolled").GetInt64()));
        (_, faces) = await owner.SendAsync(HttpMethod.Get, "/api/v1/recognition/faces?size=1", apiKey: key);
        Assert.Equal(enrolledCount, faces.GetProperty("total_elements").GetInt32());
        var again = await ReportAsync(owner, app, serviceId, second.GetProperty("jobId").GetGuid());
        Assert.All(photos.Keys.Except(refused), file => Assert.Equal((report[file].ImageId, "already_enrolled"), (again[file].ImageId, again[file].Outcome)));
    }

    [Fact]
    public async Task BulkEnrol_Report_DefusesAFormulaBehindALeadingTab()
    {
        // A folder "\t=1+2" is a valid subject name; a spreadsheet opening the report may drop the tab and evaluate the
        // rest, so a tab (or carriage return) before a formula character is defused like the character itself.
        using var node = new AdminFactory();
        using var owner = await AdminClient.SignedUpAsync(node, "owner@example.com", Password, "Olga", "Owner");
        var app = await owner.CreateAppAsync();
        var (serviceId, _) = await owner.CreateServiceAsync(app);
        var job = await EnrolAsync(owner, app, serviceId, TestArchives.Zip([KeyValuePair.Create("\t=1+2/empty.jpg", Array.Empty<byte>())]));

        var report = await ReportAsync(owner, app, serviceId, job.GetProperty("jobId").GetGuid());
        Assert.Equal(("'\t=1+2", "bad_image"), (report["'\t=1+2/empty.jpg"].Subject, report["'\t=1+2/empty.jpg"].Outcome));
    }

    [Fact]
    public async Task BulkEnrol_Refusals_Are4xxWithCompreFaceCodes()
    {
        using var node = new AdminFactory();
        using var owner = await AdminClient.SignedUpAsync(node, "owner@example.com", Password, "Olga", "Owner");
        var app = await owner.CreateAppAsync();
        var (serviceId, _) = await owner.CreateServiceAsync(app);

        using (var form = new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "file", "a.zip" } })
        {
            using var response = await owner.Http.PostAsync(new Uri($"/admin/app/{app}/model/{serviceId}/enrol", UriKind.Relative), form);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        }

        using (var response = await PostAsync(owner, $"/admin/app/{app}/model/{serviceId}/enrol", "PK\u0003\u0004 but not a zip at all"u8.ToArray()))
        {
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal((HttpStatusCode.BadRequest, 26), (response.StatusCode, body.GetProperty("code").GetInt32()));
        }

        var (status, error) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{app}/model/{serviceId}/enrol/{Guid.NewGuid()}");
        Assert.Equal((HttpStatusCode.NotFound, 2), (status, error.GetProperty("code").GetInt32()));
    }

    [Fact]
    public async Task BulkEnrol_TarMadeInsideItsFolder_EnrolsItsDotSlashNames()
    {
        // `tar -cf photos.tar -C photos .` names every file ./subject/photo.jpg; the "." is no hidden folder.
        using var node = new AdminFactory();
        using var owner = await AdminClient.SignedUpAsync(node, "owner@example.com", Password, "Olga", "Owner");
        var app = await owner.CreateAppAsync();
        var (serviceId, _) = await owner.CreateServiceAsync(app);
        var archive = Tar(("./A/002_A.jpg", SharedData.SampleBytes("002_A.jpg")), ("./.hidden/x.jpg", [1, 2, 3]));

        var job = await EnrolAsync(owner, app, serviceId, archive);
        Assert.Equal((1L, 1L), (job.GetProperty("total").GetInt64(), job.GetProperty("enrolled").GetInt64()));
        var report = await ReportAsync(owner, app, serviceId, job.GetProperty("jobId").GetGuid());
        Assert.Equal(("A", "enrolled"), (report["./A/002_A.jpg"].Subject, report["./A/002_A.jpg"].Outcome));
    }

    [Theory]
    [InlineData(TarEntryFormat.Gnu)]
    [InlineData(TarEntryFormat.Pax)]
    public async Task BulkEnrol_TarWithLongNames_IsReadThroughItsMetadataEntries(TarEntryFormat format)
    {
        // A path over 100 characters needs a metadata entry before the file's own (GNU 'L', pax 'x'), and git archive
        // starts with a pax global header ('g'): the guard on metadata sizes must follow them, plain and gzipped.
        using var node = new AdminFactory();
        using var owner = await AdminClient.SignedUpAsync(node, "owner@example.com", Password, "Olga", "Owner");
        var app = await owner.CreateAppAsync();
        var (serviceId, _) = await owner.CreateServiceAsync(app);
        var folders = string.Concat(Enumerable.Repeat("a-rather-long-folder-name/", 8));
        using var output = new MemoryStream();
        await using (var writer = new TarWriter(output, format, leaveOpen: true))
        {
            if (format == TarEntryFormat.Pax)
            {
                await writer.WriteEntryAsync(new PaxGlobalExtendedAttributesTarEntry(new Dictionary<string, string> { ["comment"] = new string('c', 600) }));
            }

            await writer.WriteEntryAsync(format == TarEntryFormat.Gnu ? new GnuTarEntry(TarEntryType.Directory, folders) : new PaxTarEntry(TarEntryType.Directory, folders));
            foreach (var (name, photo) in new[] { ("A/002_A.jpg", "002_A.jpg"), ("B/007_B.jpg", "007_B.jpg") })
            {
                var data = new MemoryStream(SharedData.SampleBytes(photo));
                await writer.WriteEntryAsync(format == TarEntryFormat.Gnu
                    ? new GnuTarEntry(TarEntryType.RegularFile, folders + name) { DataStream = data }
                    : new PaxTarEntry(TarEntryType.RegularFile, folders + name) { DataStream = data });
            }
        }

        foreach (var archive in new[] { output.ToArray(), Gzip(output.ToArray()) })
        {
            var body = await EnrolAsync(owner, app, serviceId, archive, HttpStatusCode.Accepted);
            Assert.Equal((2, 0), (body.GetProperty("files").GetInt32(), body.GetProperty("refused").GetInt32()));
        }
    }

    [Fact]
    public async Task BulkEnrol_GzipTarDecompressingBeyondMaxEnrolSize_Is413()
    {
        using var node = new SmallLimitsNode();
        using var owner = await AdminClient.SignedUpAsync(node, "owner@example.com", Password, "Olga", "Owner");
        var app = await owner.CreateAppAsync();
        var (serviceId, _) = await owner.CreateServiceAsync(app);

        // 8 MiB of zeros: a few kilobytes once compressed, eight times the node's 1 MiB archive limit once read.
        var bomb = Gzip(Tar(("A/zeros.jpg", new byte[8 << 20])));
        Assert.True(bomb.Length < SmallLimitsNode.Limit, bomb.Length.ToString(CultureInfo.InvariantCulture));
        var body = await EnrolAsync(owner, app, serviceId, bomb, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, body.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task BulkEnrol_ZipDeclaringMoreEntriesThanFourTimesMaxEnrolFiles_IsRefusedBeforeItsDirectoryIsRead()
    {
        using var node = new SmallLimitsNode();
        using var owner = await AdminClient.SignedUpAsync(node, "owner@example.com", Password, "Olga", "Owner");
        var app = await owner.CreateAppAsync();
        var (serviceId, _) = await owner.CreateServiceAsync(app);

        // One photo among 40 macOS metadata entries: 41 entries, where 10 photos allow 40 (each entry of a zip's directory
        // costs memory whether it is a photo or not).
        var archive = TestArchives.Zip(Enumerable.Range(0, 40).Select(i => KeyValuePair.Create(string.Create(CultureInfo.InvariantCulture, $"__MACOSX/A/._{i}.jpg"), new byte[] { 1 }))
            .Append(KeyValuePair.Create("A/002_A.jpg", SharedData.SampleBytes("002_A.jpg"))));
        var body = await EnrolAsync(owner, app, serviceId, archive, HttpStatusCode.BadRequest);
        Assert.Equal((26, "Invalid enrolment archive: it has 41 entries, more than 40 (4 × Transfer:MaxEnrolFiles)"), (body.GetProperty("code").GetInt32(), body.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task BulkEnrol_ZipInflatingBeyondMaxEnrolSize_Is413()
    {
        using var node = new SmallLimitsNode();
        using var owner = await AdminClient.SignedUpAsync(node, "owner@example.com", Password, "Olga", "Owner");
        var app = await owner.CreateAppAsync();
        var (serviceId, _) = await owner.CreateServiceAsync(app);

        // Three "photos" of 600 KB of zeros, each under the photo limit: a few kilobytes deflated, 1.8 MB inflated, where
        // the node takes archives of 1 MiB.
        byte[] bomb;
        using (var output = new MemoryStream())
        {
            using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            {
                for (var i = 0; i < 3; i++)
                {
                    await using var entry = await zip.CreateEntry(string.Create(CultureInfo.InvariantCulture, $"A/zeros{i}.jpg"), CompressionLevel.SmallestSize).OpenAsync();
                    await entry.WriteAsync(new byte[600 * 1024]);
                }
            }

            bomb = output.ToArray();
        }

        Assert.True(bomb.Length < SmallLimitsNode.Limit / 10, bomb.Length.ToString(CultureInfo.InvariantCulture));
        var body = await EnrolAsync(owner, app, serviceId, bomb, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, body.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task BulkEnrol_ZipEntryThatCannotBeInflated_Is400Code26NamingIt()
    {
        using var node = new AdminFactory();
        using var owner = await AdminClient.SignedUpAsync(node, "owner@example.com", Password, "Olga", "Owner");
        var app = await owner.CreateAppAsync();
        var (serviceId, _) = await owner.CreateServiceAsync(app);

        // A deflated photo whose first block header is made reserved (type 11): the zip's directory is fine, the entry is not.
        byte[] archive;
        using (var output = new MemoryStream())
        {
            using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            await using (var entry = await zip.CreateEntry("A/002_A.jpg", CompressionLevel.Optimal).OpenAsync())
            {
                await entry.WriteAsync(SharedData.SampleBytes("002_A.jpg"));
            }

            archive = output.ToArray();
        }

        archive[30 + "A/002_A.jpg".Length + BitConverter.ToUInt16(archive, 28)] = 0xFF;
        var body = await EnrolAsync(owner, app, serviceId, archive, HttpStatusCode.BadRequest);
        Assert.Equal(26, body.GetProperty("code").GetInt32());
        Assert.StartsWith("Invalid enrolment archive: its entry 'A/002_A.jpg' cannot be read", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    /// <summary>A node whose archives may be 1 MiB at most (<c>Transfer:MaxEnrolSize</c>, <c>Transfer:MaxImportSize</c>), with 10 photos at most.</summary>
    internal sealed class SmallLimitsNode : AdminFactory
    {
        public const long Limit = 1 << 20;

        public const int MaxFiles = 10;

        protected override void ConfigureStore(IWebHostBuilder builder)
        {
            builder.UseSetting("Transfer:MaxConcurrentUploads", "1");
            builder.UseSetting("Transfer:MaxEnrolSize", Limit.ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Transfer:MaxImportSize", Limit.ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Transfer:MaxEnrolFiles", MaxFiles.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>A tar of <paramref name="files"/>, in their order.</summary>
    internal static byte[] Tar(params (string Name, byte[] Data)[] files)
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, data) in files)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            }
        }

        return output.ToArray();
    }

    internal static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private static async Task<JsonElement> EnrolAsync(AdminClient client, Guid app, Guid serviceId, byte[] archive)
    {
        using var response = await PostAsync(client, $"/admin/app/{app}/model/{serviceId}/enrol?name=identities.zip", archive);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{response.StatusCode} {text}");
        var jobId = JsonDocument.Parse(text).RootElement.GetProperty("jobId").GetGuid();

        // Polled as the UI does, until the job ends (the deadline only bounds a hang).
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var (status, body) = await client.SendAsync(HttpMethod.Get, $"/admin/app/{app}/model/{serviceId}/enrol/{jobId}");
            Assert.Equal(HttpStatusCode.OK, status);
            if (body.GetProperty("state").GetString() is "completed" or "failed" or "cancelled")
            {
                Assert.Equal("completed", body.GetProperty("state").GetString());
                return body;
            }

            Assert.True(DateTime.UtcNow < deadline, "the enrolment did not finish: " + body);
            await Task.Delay(200);
        }
    }

    private static async Task<Dictionary<string, (string Subject, string Outcome, string ImageId)>> ReportAsync(AdminClient client, Guid app, Guid serviceId, Guid jobId)
    {
        using var response = await client.Http.GetAsync(new Uri($"/admin/app/{app}/model/{serviceId}/enrol/{jobId}/report", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("file,subject,outcome,image_id", lines[0]);
        return lines.Skip(1).Select(l => l.Split(',')).ToDictionary(c => c[0], c => (c[1], c[2], c[3]));
    }

    /// <summary>Posts <paramref name="archive"/> to the service's enrol route, asserts the answer's status and returns its body.</summary>
    private static async Task<JsonElement> EnrolAsync(AdminClient owner, Guid app, Guid serviceId, byte[] archive, HttpStatusCode expected)
    {
        using var response = await PostAsync(owner, $"/admin/app/{app}/model/{serviceId}/enrol", archive);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {body}");
        return body;
    }

    private static async Task<HttpResponseMessage> PostAsync(AdminClient client, string path, byte[] archive)
    {
        var content = new ByteArrayContent(archive);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return await client.Http.PostAsync(new Uri(path, UriKind.Relative), content);
    }

    /// <summary>A 96×96 plain grey picture: decodable, without a face.</summary>
    private static byte[] GreyPicture()
    {
        using var bitmap = new SkiaSharp.SKBitmap(96, 96);
        bitmap.Erase(new SkiaSharp.SKColor(128, 128, 128));
        using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
