using System.Formats.Tar;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.Admin.Tests;

/// <summary>
/// Export and import of a collection (docs/export-format.md) on real nodes with the real models and the labelled photos
/// of shared/data: what a fresh service on another node recognises after an import is what the source recognised.
/// </summary>
public sealed class TransferTests
{
    private const string Password = "transfer-password-1";

    [Theory]
    [StorePair(Store.Sqlite, Store.Postgres)]
    [StorePair(Store.Postgres, Store.Sqlite)]
    public async Task ExportImport_IntoAFreshServiceOfAnotherNode_RecognisesIdentically_AndARepeatAddsNothing(Store sourceStore, Store targetStore)
    {
        using var sourceNode = Node(sourceStore);
        using var targetNode = Node(targetStore);
        using var source = await OwnerAsync(sourceNode);
        using var target = await OwnerAsync(targetNode);
        var sourceApp = await source.CreateAppAsync();
        var (sourceId, sourceKey) = await source.CreateServiceAsync(sourceApp);
        var (enrolled, queries) = LabelledPhotos();
        foreach (var (identity, photo) in enrolled)
        {
            var (status, body) = await source.PostPhotoAsync($"/api/v1/recognition/faces?subject={identity}", sourceKey, SharedData.Read(photo));
            Assert.True(status == HttpStatusCode.Created, $"{photo}: {status} {body}");
        }

        // A subject without examples travels too.
        var (added, _) = await source.SendAsync(HttpMethod.Post, "/api/v1/recognition/subjects", new { subject = "Nobody yet" }, sourceKey);
        Assert.Equal(HttpStatusCode.Created, added);

        var archive = await DownloadAsync(source, $"/admin/app/{sourceApp}/model/{sourceId}/export?images=true");
        var names = EntryNames(archive);
        Assert.Equal("manifest.json", names[0]);
        Assert.Equal("end.json", names[^1]);
        Assert.Equal(enrolled.Count, names.Count(n => n.StartsWith("images/", StringComparison.Ordinal)));

        var targetApp = await target.CreateAppAsync();
        var (targetId, targetKey) = await target.CreateServiceAsync(targetApp);
        var report = await ImportAsync(target, $"/admin/app/{targetApp}/model/{targetId}/import", archive);
        Assert.Equal(HttpStatusCode.OK, report.Status);
        Assert.Equal(enrolled.Count, report.Body.GetProperty("facesAdded").GetInt64());
        Assert.Equal(0, report.Body.GetProperty("facesReembedded").GetInt64());
        Assert.Equal(0, report.Body.GetProperty("problems").GetInt64());
        Assert.Equal(enrolled.Select(e => e.Identity).Distinct().Count() + 1, report.Body.GetProperty("subjectsCreated").GetInt32());

        Assert.Equal(await SubjectsAsync(source, sourceKey), await SubjectsAsync(target, targetKey));
        (_, var details) = await target.SendAsync(HttpMethod.Get, $"/admin/app/{targetApp}/model/{targetId}");
        Assert.Equal(enrolled.Count, details.GetProperty("imageCount").GetInt64());
        foreach (var photo in queries)
        {
            var expected = await RecognizeAsync(source, sourceKey, photo);
            Assert.Equal(expected, await RecognizeAsync(target, targetKey, photo));
        }

        // The same archive again: every example is already there.
        report = await ImportAsync(target, $"/admin/app/{targetApp}/model/{targetId}/import", archive);
        Assert.Equal(HttpStatusCode.OK, report.Status);
        Assert.Equal((0L, (long)enrolled.Count, 0), (report.Body.GetProperty("facesAdded").GetInt64(), report.Body.GetProperty("facesExisting").GetInt64(), report.Body.GetProperty("subjectsCreated").GetInt32()));

        // Both sides are in the audit logs, without names or vectors.
        Assert.Equal(["with images"], await AuditDetailsAsync(source, "service.export"));
        Assert.Equal(
            [$"0 faces added, {enrolled.Count} already there, 0 re-embedded, 0 problems", $"{enrolled.Count} faces added, 0 already there, 0 re-embedded, 0 problems"],
            await AuditDetailsAsync(target, "service.import"));
    }

    [Fact]
    public async Task Import_OfAnotherModel_ReembedsFromTheImages_AndRecognisesAsTheSource()
    {
        using var node = new AdminFactory();
        using var owner = await OwnerAsync(node);
        var app = await owner.CreateAppAsync();
        var (sourceId, sourceKey) = await owner.CreateServiceAsync(app);
        var (enrolled, queries) = LabelledPhotos();
        foreach (var (identity, photo) in enrolled.Take(6))
        {
            var (status, body) = await owner.PostPhotoAsync($"/api/v1/recognition/faces?subject={identity}", sourceKey, SharedData.Read(photo));
            Assert.True(status == HttpStatusCode.Created, $"{photo}: {status} {body}");
        }

        // As if exported by a node with another embedder: the vectors are useless here, the photos are not.
        var archive = RewriteFaces(await DownloadAsync(owner, $"/admin/app/{app}/model/{sourceId}/export?images=true"), face =>
        {
            face["calculator"] = "legacy/other-model";
            face["embedding"] = Convert.ToBase64String(new byte[128 * 4]);
        });
        var (targetId, targetKey) = await owner.CreateServiceAsync(app);
        var report = await ImportAsync(owner, $"/admin/app/{app}/model/{targetId}/import", archive);

        Assert.Equal(HttpStatusCode.OK, report.Status);
        Assert.Equal((6L, 6L, 0L), (report.Body.GetProperty("facesAdded").GetInt64(), report.Body.GetProperty("facesReembedded").GetInt64(), report.Body.GetProperty("problems").GetInt64()));
        foreach (var photo in queries.Take(8))
        {
            Assert.Equal(await RecognizeAsync(owner, sourceKey, photo), await RecognizeAsync(owner, targetKey, photo));
        }

        // Without images, another model's examples cannot be used: each is reported by id, none stored.
        var withoutImages = RewriteFaces(await DownloadAsync(owner, $"/admin/app/{app}/model/{sourceId}/export"), face => face["calculator"] = "legacy/other-model");
        var (thirdId, _) = await owner.CreateServiceAsync(app);
        report = await ImportAsync(owner, $"/admin/app/{app}/model/{thirdId}/import", withoutImages);
        Assert.Equal(HttpStatusCode.OK, report.Status);
        Assert.Equal((0L, 6L), (report.Body.GetProperty("facesAdded").GetInt64(), report.Body.GetProperty("problems").GetInt64()));
        Assert.All(report.Body.GetProperty("problemDetails").EnumerateArray(), p => Assert.Equal("no_image_to_reembed", p.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task Transfer_Refusals_Are4xxWithCompreFaceCodes()
    {
        using var node = new AdminFactory();
        using var owner = await OwnerAsync(node);
        var app = await owner.CreateAppAsync();
        var (serviceId, key) = await owner.CreateServiceAsync(app);
        var (status, body) = await owner.PostPhotoAsync("/api/v1/recognition/faces?subject=Ann", key, SharedData.SampleBytes("001_A.jpg"));
        Assert.Equal(HttpStatusCode.Created, status);
        var import = $"/admin/app/{app}/model/{serviceId}/import";
        var archive = await DownloadAsync(owner, $"/admin/app/{app}/model/{serviceId}/export");

        // A form body (cross-site without a preflight) and garbage.
        using (var form = new MultipartFormDataContent { { new ByteArrayContent(archive), "file", "a.tar" } })
        {
            using var response = await owner.Http.PostAsync(new Uri(import, UriKind.Relative), form);
            await AssertErrorAsync(response, HttpStatusCode.UnsupportedMediaType, 0);
        }

        await AssertErrorAsync(await PostArchiveAsync(owner, import, Encoding.UTF8.GetBytes("not a tar at all, but long enough to be read as one header.....")), HttpStatusCode.BadRequest, 26);

        // Another version, a cut-off archive (no end.json: what came before is stored, the answer says so).
        var v2 = Rewrite(archive, (name, data) => name == "manifest.json" ? Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(data).Replace("\"version\":1", "\"version\":2", StringComparison.Ordinal)) : data);
        await AssertErrorAsync(await PostArchiveAsync(owner, import, v2), HttpStatusCode.BadRequest, 26, "version 2");
        var (otherId, _) = await owner.CreateServiceAsync(app);
        var cut = Rewrite(archive, (name, data) => name == "end.json" ? null : data);
        await AssertErrorAsync(await PostArchiveAsync(owner, $"/admin/app/{app}/model/{otherId}/import", cut), HttpStatusCode.BadRequest, 26, "end.json");

        // Only recognition services have a collection; a plain member may not export or import.
        var (detectionId, _) = await owner.CreateServiceAsync(app, "DETECTION");
        (status, body) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{app}/model/{detectionId}/export");
        Assert.Equal((HttpStatusCode.BadRequest, 26), (status, body.GetProperty("code").GetInt32()));
        using var member = await AdminClient.SignedUpAsync(node, "member@example.com", Password, "Mel", "Member");
        (status, _) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{app}/invite", new { userEmail = "member@example.com", role = "USER" });
        Assert.Equal(HttpStatusCode.Created, status);
        (status, body) = await member.SendAsync(HttpMethod.Get, $"/admin/app/{app}/model/{serviceId}/export");
        Assert.Equal((HttpStatusCode.BadRequest, 9), (status, body.GetProperty("code").GetInt32()));
        await AssertErrorAsync(await PostArchiveAsync(member, import, archive), HttpStatusCode.BadRequest, 9);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task Export_IsAJobWithProgress_AndCancellingItEndsTheStreamWithAnErrorTheClientSees(Store store)
    {
        // On Kestrel (not the in-memory test server, which buffers a whole answer): a client that stops reading holds
        // the export back, as a real slow download does.
        using var node = Node(store);
        OnKestrel(node);
        using var owner = await OwnerAsync(node);
        var app = await owner.CreateAppAsync();
        var (serviceId, _) = await CollectionWithImagesAsync(owner, app, copies: 16);

        // A complete export: its job is listed (same rules as every job) with its faces and the archive's bytes.
        using (var response = await owner.Http.GetAsync(new Uri($"/admin/app/{app}/model/{serviceId}/export", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var archive = await response.Content.ReadAsByteArrayAsync();
            var jobId = Guid.Parse(Assert.Single(response.Headers.GetValues("X-Job-Id")));
            var job = await JobAsync(owner, jobId);
            Assert.Equal(("export", "completed", 48L, 48L, (long)archive.Length), (job.GetProperty("kind").GetString(), job.GetProperty("state").GetString(), job.GetProperty("done").GetInt64(), job.GetProperty("total").GetInt64(), job.GetProperty("bytes").GetInt64()));
            Assert.Equal(("without images", serviceId, 100.0), (job.GetProperty("detail").GetString(), job.GetProperty("serviceId").GetGuid(), job.GetProperty("percent").GetDouble()));
            var (_, listed) = await owner.SendAsync(HttpMethod.Get, $"/admin/jobs?kind=export&serviceId={serviceId}");
            Assert.Equal([jobId], listed.EnumerateArray().Select(j => j.GetProperty("id").GetGuid()));
        }

        // With images the archive is megabytes: a client with a small socket buffer reads the start and stops reading,
        // which holds the export back as a slow download does; the job is cancelled through the jobs API, and the rest of
        // the stream fails instead of ending like a complete archive.
        using var slow = await SlowReaderAsync(node);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/admin/app/{app}/model/{serviceId}/export?images=true", UriKind.Relative));
        using var stream = await slow.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        var cancelled = Guid.Parse(Assert.Single(stream.Headers.GetValues("X-Job-Id")));
        await using var body = await stream.Content.ReadAsStreamAsync();
        var start = new byte[4096];
        await body.ReadExactlyAsync(start);
        Assert.Equal("running", (await JobAsync(owner, cancelled)).GetProperty("state").GetString());
        var (status, answer) = await owner.SendAsync(HttpMethod.Post, $"/admin/jobs/{cancelled}/cancel");
        Assert.True(status == HttpStatusCode.OK, answer.ToString());
        Assert.True(answer.GetProperty("cancelRequested").GetBoolean());

        // The export learns of the cancel at its next progress report, while the client is not reading; what the client
        // reads afterwards ends in an error, not in a complete archive.
        var ended = await WaitForJobAsync(owner, $"/admin/jobs?kind=export&serviceId={serviceId}", j => j.GetProperty("state").GetString() != "running");
        await Assert.ThrowsAnyAsync<IOException>(() => body.CopyToAsync(Stream.Null));
        Assert.Equal(("cancelled", "with images"), (ended.GetProperty("state").GetString(), ended.GetProperty("detail").GetString()));
        Assert.True(ended.GetProperty("done").GetInt64() < 48, ended.ToString());
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task Import_IsAJob_AndCancellingItRemovesTheExamplesAndSubjectsItAdded(Store store)
    {
        using var node = Node(store);
        using var owner = await OwnerAsync(node);
        var app = await owner.CreateAppAsync();
        var (sourceId, sourceKey) = await owner.CreateServiceAsync(app);
        var (status, body) = await owner.PostPhotoAsync("/api/v1/recognition/faces?subject=Ann", sourceKey, SharedData.SampleBytes("001_A.jpg"));
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        var (archive, firstChunkEnd) = Synthetic(await DownloadAsync(owner, $"/admin/app/{app}/model/{sourceId}/export"), faces: 1200, subjects: 12);

        // The whole archive: a completed job with the archive's bytes and the examples as done.
        var (completeId, _) = await owner.CreateServiceAsync(app);
        var report = await ImportAsync(owner, $"/admin/app/{app}/model/{completeId}/import", archive);
        var job = await JobAsync(owner, report.Body.GetProperty("jobId").GetGuid());
        Assert.Equal(("import", "completed", 1200L, 1200L, (long)archive.Length), (job.GetProperty("kind").GetString(), job.GetProperty("state").GetString(), job.GetProperty("done").GetInt64(), job.GetProperty("total").GetInt64(), job.GetProperty("bytes").GetInt64()));

        // The same archive, sent up to its first 1000 examples (two stored batches), then the job is cancelled.
        var (targetId, targetKey) = await owner.CreateServiceAsync(app);
        Assert.Equal(HttpStatusCode.Created, (await owner.SendAsync(HttpMethod.Post, "/api/v1/recognition/subjects", new { subject = "Person 00" }, targetKey)).Status);
        var upload = new System.IO.Pipelines.Pipe();
        var content = new StreamContent(upload.Reader.AsStream());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        var answer = owner.Http.PostAsync(new Uri($"/admin/app/{app}/model/{targetId}/import", UriKind.Relative), content);
        await upload.Writer.WriteAsync(archive.AsMemory(0, firstChunkEnd));
        var running = await WaitForJobAsync(owner, $"/admin/jobs?kind=import&serviceId={targetId}", j => j.GetProperty("done").GetInt64() >= 1000);
        Assert.Equal("running", running.GetProperty("state").GetString());
        (status, body) = await owner.SendAsync(HttpMethod.Get, "/api/v1/recognition/faces?size=1", apiKey: targetKey);
        Assert.Equal(1000, body.GetProperty("total_elements").GetInt32());
        var jobId = running.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await owner.SendAsync(HttpMethod.Post, $"/admin/jobs/{jobId}/cancel")).Status);

        using (var response = await answer)
        {
            await upload.Writer.CompleteAsync();
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal((HttpStatusCode.BadRequest, 26), (response.StatusCode, error.GetProperty("code").GetInt32()));
            Assert.Equal($"Import cancelled (job {jobId}); the 1000 examples and 11 subjects it had added were removed again", error.GetProperty("message").GetString());
        }

        // Nothing half-imported stays: no example, and only the subject that was there before.
        (_, body) = await owner.SendAsync(HttpMethod.Get, "/api/v1/recognition/faces?size=1", apiKey: targetKey);
        Assert.Equal(0, body.GetProperty("total_elements").GetInt32());
        Assert.Equal(["Person 00"], await SubjectsAsync(owner, targetKey));
        job = await JobAsync(owner, jobId);
        Assert.Equal(("cancelled", "Cancelled; the 1000 examples and 11 subjects it had added were removed again"), (job.GetProperty("state").GetString(), job.GetProperty("error").GetString()));
    }

    [Theory, Stores(Store.Postgres)]
    public async Task Export_CancelledThroughAnotherNodeOfTheCluster_EndsWithAnErrorOnTheNodeThatServesIt(Store store)
    {
        Assert.Equal(Store.Postgres, store);
        await using var database = await PostgresServer.CreateDatabaseAsync("cf_transfer_cluster");
        var clusterId = "transfer-" + Guid.NewGuid().ToString("N");
        using var serving = new ClusterNode(database.ConnectionString, clusterId);
        using var other = new ClusterNode(database.ConnectionString, clusterId);
        OnKestrel(serving);
        _ = other.Server;
        var hosts = await serving.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);
        using var owner = await OwnerAsync(serving);
        var app = await owner.CreateAppAsync();
        var (serviceId, _) = await CollectionWithImagesAsync(owner, app, copies: 16);

        using var slow = await SlowReaderAsync(serving);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/admin/app/{app}/model/{serviceId}/export?images=true", UriKind.Relative));
        using var stream = await slow.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var jobId = Guid.Parse(Assert.Single(stream.Headers.GetValues("X-Job-Id")));
        await using var body = await stream.Content.ReadAsStreamAsync();
        await body.ReadExactlyAsync(new byte[4096]);

        // The other node of the cluster sees the job and takes the cancel; the export, on the first node, stops.
        using var elsewhere = AdminClient.Create(other);
        await elsewhere.LoginAsync("owner@example.com", Password);
        Assert.Equal("running", (await JobAsync(elsewhere, jobId)).GetProperty("state").GetString());
        var (status, answer) = await elsewhere.SendAsync(HttpMethod.Post, $"/admin/jobs/{jobId}/cancel");
        Assert.True(status == HttpStatusCode.OK, answer.ToString());
        var ended = await WaitForJobAsync(elsewhere, $"/admin/jobs?kind=export&serviceId={serviceId}", j => j.GetProperty("state").GetString() != "running");
        await Assert.ThrowsAnyAsync<IOException>(() => body.CopyToAsync(Stream.Null));
        Assert.Equal("cancelled", ended.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Import_ChunkOfMoreThan1000Lines_Is400Code26()
    {
        using var node = new AdminFactory();
        using var owner = await OwnerAsync(node);
        var (app, _, _, exported) = await ExportOfOneExampleAsync(owner);

        // The format's chunks hold 1000 lines at most; an importer that believes a 64 MB chunk holds examples waiting for
        // their images (or subjects for one transaction) by the hundred thousand.
        var archive = Rewrite(exported, (name, data) =>
            !name.StartsWith("faces/", StringComparison.Ordinal) ? data : Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 1001).Select(_ =>
            {
                var face = JsonNode.Parse(Encoding.UTF8.GetString(data).Split('\n')[0])!.AsObject();
                face["id"] = Guid.NewGuid().ToString();
                return face.ToJsonString() + "\n";
            }))));
        var (targetId, _) = await owner.CreateServiceAsync(app);
        await AssertErrorAsync(await PostArchiveAsync(owner, $"/admin/app/{app}/model/{targetId}/import", archive), HttpStatusCode.BadRequest, 26, "has more than 1000 lines");
    }

    [Fact]
    public async Task Import_VectorOfAnotherDimension_IsReportedNotStored_AndTheCollectionStillRecognises()
    {
        using var node = new AdminFactory();
        using var owner = await OwnerAsync(node);
        var (app, sourceId, sourceKey, exported) = await ExportOfOneExampleAsync(owner);

        // The node's own model named, with a 3-d vector: nothing this collection could compare with its 512-d examples.
        var archive = RewriteFaces(exported, face =>
        {
            face["id"] = Guid.NewGuid().ToString();
            face["embedding"] = Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes<float>([0f, 1f, 0f]));
        });
        var report = await ImportAsync(owner, $"/admin/app/{app}/model/{sourceId}/import", archive);
        Assert.Equal((0L, 1L), (report.Body.GetProperty("facesAdded").GetInt64(), report.Body.GetProperty("problems").GetInt64()));
        Assert.Equal("invalid_embedding", report.Body.GetProperty("problemDetails")[0].GetProperty("reason").GetString());

        var (status, body) = await owner.PostPhotoAsync("/api/v1/recognition/recognize", sourceKey, SharedData.SampleBytes("002_A.jpg"));
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal("Ann", body.GetProperty("result")[0].GetProperty("subjects")[0].GetProperty("subject").GetString());
    }

    [Fact]
    public async Task Import_GzipArchiveDecompressingBeyondMaxImportSize_Is413()
    {
        using var node = new BulkEnrolmentTests.SmallLimitsNode();
        using var owner = await OwnerAsync(node);
        var (app, _, _, exported) = await ExportOfOneExampleAsync(owner);

        // A valid archive with a stray 8 MiB entry of zeros: a few kilobytes once compressed, eight times the node's 1 MiB
        // archive limit once read.
        var entries = new List<(string, byte[])>();
        await using (var reader = new TarReader(new MemoryStream(exported)))
        {
            while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
            {
                using var data = new MemoryStream();
                await entry.DataStream!.CopyToAsync(data);
                entries.Add((entry.Name, data.ToArray()));
            }
        }

        entries.Insert(entries.Count - 1, ("images/stray", new byte[8 << 20]));
        var bomb = BulkEnrolmentTests.Gzip(BulkEnrolmentTests.Tar([.. entries]));
        Assert.True(bomb.Length < BulkEnrolmentTests.SmallLimitsNode.Limit, bomb.Length.ToString(CultureInfo.InvariantCulture));
        var (target, _) = await owner.CreateServiceAsync(app);
        var content = new ByteArrayContent(bomb);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        await AssertErrorAsync(await owner.Http.PostAsync(new Uri($"/admin/app/{app}/model/{target}/import", UriKind.Relative), content), HttpStatusCode.RequestEntityTooLarge, 0);
    }

    [Fact]
    public async Task Import_PaxHeaderClaimingAGigabyte_IsRefusedAtItsHeader_WithoutWaitingForItsData()
    {
        using var node = new AdminFactory();
        using var owner = await OwnerAsync(node);
        var app = await owner.CreateAppAsync();
        var (serviceId, _) = await owner.CreateServiceAsync(app);

        // One 512-byte header of pax metadata (type 'x') claiming 1 GiB, and an upload that stays open: a reader that
        // believes the header allocates the gigabyte and waits for it.
        var upload = new System.IO.Pipelines.Pipe();
        var content = new StreamContent(upload.Reader.AsStream());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        var answer = owner.Http.PostAsync(new Uri($"/admin/app/{app}/model/{serviceId}/import", UriKind.Relative), content);
        await upload.Writer.WriteAsync(MetadataHeader((byte)'x', 1L << 30));
        try
        {
            // The bound only turns a hang into a failure.
            await AssertErrorAsync(await answer.WaitAsync(TimeSpan.FromSeconds(30)), HttpStatusCode.BadRequest, 26, "metadata");
        }
        finally
        {
            await upload.Writer.CompleteAsync();
        }
    }

    [Fact]
    public async Task ArchiveUploads_BeyondMaxConcurrentUploads_Are429_UntilOneEnds()
    {
        using var node = new BulkEnrolmentTests.SmallLimitsNode();
        using var owner = await OwnerAsync(node);
        var (app, _, _, exported) = await ExportOfOneExampleAsync(owner);
        var (target, _) = await owner.CreateServiceAsync(app);
        var import = $"/admin/app/{app}/model/{target}/import";

        // An import whose body has not arrived holds the node's one upload slot (its job runs from the first byte read).
        var upload = new System.IO.Pipelines.Pipe();
        var content = new StreamContent(upload.Reader.AsStream());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        var held = owner.Http.PostAsync(new Uri(import, UriKind.Relative), content);
        await WaitForJobAsync(owner, $"/admin/jobs?kind=import&serviceId={target}", j => j.GetProperty("state").GetString() == "running");

        // Meanwhile a bulk enrolment (the other kind of upload) and a second import are refused, before their bodies are read.
        var enrolment = TestArchives.Zip([KeyValuePair.Create("Ann/002_A.jpg", SharedData.SampleBytes("002_A.jpg"))]);
        using (var zip = new ByteArrayContent(enrolment))
        {
            zip.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
            await AssertErrorAsync(await owner.Http.PostAsync(new Uri($"/admin/app/{app}/model/{target}/enrol", UriKind.Relative), zip),
                HttpStatusCode.TooManyRequests, 0, "Transfer:MaxConcurrentUploads");
        }

        await AssertErrorAsync(await PostArchiveAsync(owner, import, exported), HttpStatusCode.TooManyRequests, 0, "retry later");

        // The held import completes; its slot is free again.
        await upload.Writer.WriteAsync(exported);
        await upload.Writer.CompleteAsync();
        using (var answer = await held.WaitAsync(TimeSpan.FromMinutes(1)))
        {
            Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
        }

        var again = await ImportAsync(owner, import, exported);
        Assert.Equal(1L, again.Body.GetProperty("facesExisting").GetInt64());
    }

    /// <summary>A ustar header of a metadata entry (pax 'x'/'g', GNU 'L'/'K') whose size field says <paramref name="size"/>.</summary>
    internal static byte[] MetadataHeader(byte type, long size)
    {
        var header = new byte[512];
        Encoding.ASCII.GetBytes("PaxHeaders/manifest.json").CopyTo(header, 0);
        Encoding.ASCII.GetBytes("0000644\0").CopyTo(header, 100);
        Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(header, 124);
        Encoding.ASCII.GetBytes("00000000000\0").CopyTo(header, 136);
        header[156] = type;
        Encoding.ASCII.GetBytes("ustar\000").CopyTo(header, 257);
        "        "u8.CopyTo(header.AsSpan(148));
        var sum = header.Sum(b => (int)b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(header, 148);
        return header;
    }

    /// <summary>Serves <paramref name="node"/> on Kestrel on a free port (its clients go there).</summary>
    private static void OnKestrel(AdminFactory node)
    {
        node.UseKestrel(0);
        node.StartServer();
        var addresses = node.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
        node.ClientOptions.BaseAddress = new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    /// <summary>The owner, logged in on a client whose socket has a small receive buffer: what it does not read holds the server back.</summary>
    private static async Task<AdminClient> SlowReaderAsync(AdminFactory node)
    {
        var handler = new SocketsHttpHandler
        {
            CookieContainer = new CookieContainer(),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        };
        var slow = AdminClient.Over(new HttpClient(handler) { BaseAddress = node.ClientOptions.BaseAddress });
        await slow.LoginAsync("owner@example.com", Password);
        return slow;
    }

    /// <summary>A node of a PostgreSQL cluster (membership in the shared database, mutual TLS between silos).</summary>
    private sealed class ClusterNode(string postgres, string clusterId) : AdminFactory
    {
        protected override void ConfigureStore(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            builder.UseSetting("ConnectionStrings:Postgres", postgres);
            builder.UseSetting("Cluster:Mode", "Postgres");
            builder.UseSetting("Cluster:ClusterId", clusterId);
            builder.UseSetting("Cluster:AdvertisedAddress", "127.0.0.1");
            foreach (var (key, value) in ClusterCertificates.Shared.Settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }

    /// <summary>
    /// A service whose collection holds <paramref name="copies"/> × 3 examples with photos: three enrolled photos,
    /// exported and imported again under new ids (no inference for the copies).
    /// </summary>
    private static async Task<(Guid ServiceId, string Key)> CollectionWithImagesAsync(AdminClient owner, Guid app, int copies)
    {
        var (sourceId, sourceKey) = await owner.CreateServiceAsync(app);
        foreach (var (identity, photo) in LabelledPhotos().Enrolled.Take(3))
        {
            var (status, body) = await owner.PostPhotoAsync($"/api/v1/recognition/faces?subject={identity}", sourceKey, SharedData.Read(photo));
            Assert.True(status == HttpStatusCode.Created, $"{photo}: {status} {body}");
        }

        var exported = await DownloadAsync(owner, $"/admin/app/{app}/model/{sourceId}/export?images=true");
        var entries = new List<(string Name, byte[] Data)>();
        await using (var reader = new TarReader(new MemoryStream(exported)))
        {
            while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
            {
                using var data = new MemoryStream();
                await entry.DataStream!.CopyToAsync(data);
                entries.Add((entry.Name, data.ToArray()));
            }
        }

        var faces = entries.Single(e => e.Name.StartsWith("faces/", StringComparison.Ordinal)).Data;
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            void Write(string name, byte[] data) => writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            foreach (var (name, data) in entries.Where(e => !e.Name.StartsWith("faces/", StringComparison.Ordinal) && !e.Name.StartsWith("images/", StringComparison.Ordinal) && e.Name != "end.json"))
            {
                Write(name, data);
            }

            for (var copy = 0; copy < copies; copy++)
            {
                var lines = Encoding.UTF8.GetString(faces).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
                var images = new List<(string, byte[])>();
                foreach (var line in lines)
                {
                    var image = entries.Single(e => e.Name == line["image"]!.GetValue<string>()).Data;
                    line["id"] = Guid.NewGuid().ToString();
                    line["image"] = "images/" + line["id"]!.GetValue<string>();
                    images.Add((line["image"]!.GetValue<string>(), image));
                }

                Write(string.Create(CultureInfo.InvariantCulture, $"faces/{copy + 1:D6}.ndjson"), Encoding.UTF8.GetBytes(string.Join('\n', lines.Select(l => l.ToJsonString())) + "\n"));
                foreach (var (name, data) in images)
                {
                    Write(name, data);
                }
            }

            Write("end.json", Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"subjects\":3,\"faces\":{copies * 3},\"images\":{copies * 3}}}")));
        }

        var (targetId, targetKey) = await owner.CreateServiceAsync(app);
        var report = await ImportAsync(owner, $"/admin/app/{app}/model/{targetId}/import", output.ToArray());
        Assert.Equal(copies * 3, report.Body.GetProperty("facesAdded").GetInt64());
        return (targetId, targetKey);
    }

    /// <summary>
    /// An archive of <paramref name="faces"/> examples over <paramref name="subjects"/> subjects, all with the vector of
    /// the one example of <paramref name="exported"/> (an export without images), in chunks of 1000; and where its first
    /// chunk ends.
    /// </summary>
    private static (byte[] Archive, int FirstChunkEnd) Synthetic(byte[] exported, int faces, int subjects)
    {
        string? manifest = null;
        JsonObject? face = null;
        using (var reader = new TarReader(new MemoryStream(exported)))
        {
            while (reader.GetNextEntry(copyData: true) is { } entry)
            {
                using var data = new StreamReader(entry.DataStream!);
                var text = data.ReadToEnd();
                if (entry.Name == "manifest.json")
                {
                    manifest = text;
                }
                else if (entry.Name.StartsWith("faces/", StringComparison.Ordinal))
                {
                    face = JsonNode.Parse(text.Split('\n')[0])!.AsObject();
                }
            }
        }

        var names = Enumerable.Range(0, subjects).Select(i => string.Create(CultureInfo.InvariantCulture, $"Person {i:D2}")).ToList();
        var firstChunkEnd = 0;
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            void Write(string name, string text) => writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
            Write("manifest.json", manifest!);
            Write("subjects/000001.ndjson", string.Concat(names.Select(n => JsonSerializer.Serialize(new { subject = n }) + "\n")));
            for (var chunk = 0; chunk * 1000 < faces; chunk++)
            {
                var lines = Enumerable.Range(chunk * 1000, Math.Min(1000, faces - (chunk * 1000))).Select(i =>
                {
                    var line = face!.DeepClone().AsObject();
                    line["id"] = Guid.NewGuid().ToString();
                    line["subject"] = names[i % subjects];
                    return line.ToJsonString() + "\n";
                });
                Write(string.Create(CultureInfo.InvariantCulture, $"faces/{chunk + 1:D6}.ndjson"), string.Concat(lines));
                if (chunk == 0)
                {
                    // The writer writes each entry through at once.
                    firstChunkEnd = (int)output.Length;
                }
            }

            Write("end.json", string.Create(CultureInfo.InvariantCulture, $"{{\"subjects\":{subjects},\"faces\":{faces},\"images\":0}}"));
        }

        return (output.ToArray(), firstChunkEnd);
    }

    private static async Task<JsonElement> JobAsync(AdminClient client, Guid jobId)
    {
        var (status, body) = await client.SendAsync(HttpMethod.Get, $"/admin/jobs/{jobId}");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body;
    }

    /// <summary>Polls a jobs list until its first job satisfies <paramref name="until"/> (a minute at most).</summary>
    private static async Task<JsonElement> WaitForJobAsync(AdminClient client, string list, Func<JsonElement, bool> until)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var last = default(JsonElement);
        while (clock.Elapsed < TimeSpan.FromMinutes(1))
        {
            (_, last) = await client.SendAsync(HttpMethod.Get, list);
            if (last.GetArrayLength() > 0 && until(last[0]))
            {
                return last[0];
            }

            await Task.Delay(100);
        }

        Assert.Fail($"no job of {list} got there: {last}");
        return last;
    }

    private static AdminFactory Node(Store store) => store == Store.Postgres ? new PostgresAdminFactory() : new AdminFactory();

    private static async Task<AdminClient> OwnerAsync(AdminFactory node)
    {
        var client = AdminClient.Create(node);
        await client.RegisterAsync("owner@example.com", Password, "Olga", "Owner");
        await client.LoginAsync("owner@example.com", Password);
        return client;
    }

    /// <summary>The first photo of every labelled identity with several photos to enrol, the others to recognise.</summary>
    private static (List<(string Identity, string Photo)> Enrolled, List<string> Queries) LabelledPhotos()
    {
        var rows = File.ReadAllLines(Path.Combine(SharedData.DataDirectory, "identities.csv")).Skip(1)
            .Select(l => l.Split(',')).Select(c => (Photo: c[0], Identity: c[1])).ToList();
        var enrolled = new List<(string, string)>();
        var queries = new List<string>();
        foreach (var group in rows.GroupBy(r => r.Identity).Where(g => g.Count() > 1))
        {
            enrolled.Add((group.Key, group.First().Photo));
            queries.AddRange(group.Skip(1).Select(r => r.Photo));
        }

        return (enrolled, queries);
    }

    /// <summary>A new application and recognition service holding one example of Ann, and its export.</summary>
    private static async Task<(Guid App, Guid ServiceId, string Key, byte[] Exported)> ExportOfOneExampleAsync(AdminClient owner)
    {
        var app = await owner.CreateAppAsync();
        var (serviceId, key) = await owner.CreateServiceAsync(app);
        var (status, body) = await owner.PostPhotoAsync("/api/v1/recognition/faces?subject=Ann", key, SharedData.SampleBytes("001_A.jpg"));
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        return (app, serviceId, key, await DownloadAsync(owner, $"/admin/app/{app}/model/{serviceId}/export"));
    }

    private static async Task<byte[]> DownloadAsync(AdminClient client, string path)
    {
        using var response = await client.Http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-tar", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl is { NoStore: true, Private: true }, $"Cache-Control: {response.Headers.CacheControl}");
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static async Task<HttpResponseMessage> PostArchiveAsync(AdminClient client, string path, byte[] archive)
    {
        var content = new ByteArrayContent(archive);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        return await client.Http.PostAsync(new Uri(path, UriKind.Relative), content);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ImportAsync(AdminClient client, string path, byte[] archive)
    {
        using var response = await PostArchiveAsync(client, path, archive);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode} {text}");
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, int code, string? message = null)
    {
        using (response)
        {
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal((status, code), (response.StatusCode, body.GetProperty("code").GetInt32()));
            Assert.Contains(message ?? string.Empty, body.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    private static async Task<string> RecognizeAsync(AdminClient client, string key, string photo)
    {
        var (status, body) = await client.PostPhotoAsync("/api/v1/recognition/recognize?prediction_count=3", key, SharedData.Read(photo));
        Assert.True(status == HttpStatusCode.OK, $"{photo}: {status} {body}");
        return body.GetProperty("result").GetRawText();
    }

    private static async Task<string[]> SubjectsAsync(AdminClient client, string key)
    {
        var (_, body) = await client.SendAsync(HttpMethod.Get, "/api/v1/recognition/subjects", apiKey: key);
        return [.. body.GetProperty("subjects").EnumerateArray().Select(s => s.GetString()!)];
    }

    /// <summary>The details of the node's events of <paramref name="action"/>, newest first.</summary>
    private static async Task<string[]> AuditDetailsAsync(AdminClient client, string action)
    {
        var (status, body) = await client.SendAsync(HttpMethod.Get, $"/admin/audit?action={action}");
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. body.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("details").GetString() ?? string.Empty)];
    }

    private static List<string> EntryNames(byte[] archive)
    {
        var names = new List<string>();
        using var reader = new TarReader(new MemoryStream(archive));
        while (reader.GetNextEntry() is { } entry)
        {
            names.Add(entry.Name);
        }

        return names;
    }

    /// <summary>A copy of the archive with each entry's content changed (null drops the entry).</summary>
    private static byte[] Rewrite(byte[] archive, Func<string, byte[], byte[]?> change)
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        using (var reader = new TarReader(new MemoryStream(archive)))
        {
            while (reader.GetNextEntry(copyData: true) is { } entry)
            {
                using var data = new MemoryStream();
                entry.DataStream?.CopyTo(data);
                if (change(entry.Name, data.ToArray()) is { } content)
                {
                    writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, entry.Name) { DataStream = new MemoryStream(content) });
                }
            }
        }

        return output.ToArray();
    }

    private static byte[] RewriteFaces(byte[] archive, Action<JsonObject> change) =>
        Rewrite(archive, (name, data) =>
        {
            if (!name.StartsWith("faces/", StringComparison.Ordinal))
            {
                return data;
            }

            var lines = Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
            {
                var face = JsonNode.Parse(line)!.AsObject();
                change(face);
                return face.ToJsonString();
            });
            return Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
        });
}

/// <summary>A (source store, target store) row; skipped like <see cref="StoresAttribute"/> when PostgreSQL is not available.</summary>
public sealed class StorePairAttribute : Xunit.Sdk.DataAttribute
{
    private readonly Store _source;
    private readonly Store _target;

    public StorePairAttribute(Store source, Store target)
    {
        (_source, _target) = (source, target);
        if ((source == Store.Postgres || target == Store.Postgres) && PostgresServer.SkipReason is { } reason)
        {
            Skip = $"PostgreSQL row skipped: {reason}";
        }
    }

    public override IEnumerable<object[]> GetData(System.Reflection.MethodInfo testMethod) => [[_source, _target]];
}
