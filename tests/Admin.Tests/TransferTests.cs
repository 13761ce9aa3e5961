using System.Formats.Tar;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

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
        using var member = AdminClient.Create(node);
        await member.RegisterAsync("member@example.com", Password, "Mel", "Member");
        await member.LoginAsync("member@example.com", Password);
        (status, _) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{app}/invite", new { userEmail = "member@example.com", role = "USER" });
        Assert.Equal(HttpStatusCode.Created, status);
        (status, body) = await member.SendAsync(HttpMethod.Get, $"/admin/app/{app}/model/{serviceId}/export");
        Assert.Equal((HttpStatusCode.BadRequest, 9), (status, body.GetProperty("code").GetInt32()));
        await AssertErrorAsync(await PostArchiveAsync(member, import, archive), HttpStatusCode.BadRequest, 9);
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
