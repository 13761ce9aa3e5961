using System.Net;
using static CompreFace.WebApi.Tests.ApiTestHelpers;
using static CompreFace.WebApi.Tests.RecognitionTestClient;

namespace CompreFace.WebApi.Tests;

/// <summary><c>/api/v1/recognition/subjects</c> (docs/compreface-behaviour.md#subjects) on both stores.</summary>
[Collection(ApiTestGroup.Name)]
public sealed class SubjectEndpointTests(ApiFactory sqlite, PostgresApiNode postgres)
{
    private RecognitionTestClient Client(Store store) => For(store, sqlite, postgres);

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task AddSubject_New_Returns201AndIsListed(Store store)
    {
        var api = Client(store);
        var name = NewSubject();

        using var response = await api.SendAsync(HttpMethod.Post, SubjectsUrl, Json(new { subject = name }));

        var body = await ReadJsonAsync(response, HttpStatusCode.Created);
        AssertKeys(body, "subject");
        Assert.Equal(name, body.GetProperty("subject").GetString());
        Assert.Contains(name, await api.SubjectsAsync());
        AssertCors(response);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task AddSubject_ExistingNameInOtherCase_Returns400Code43(Store store)
    {
        var api = Client(store);
        var name = NewSubject("Dup");
        using (var first = await api.SendAsync(HttpMethod.Post, SubjectsUrl, Json(new { subject = name })))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        using var response = await api.SendAsync(HttpMethod.Post, SubjectsUrl, Json(new { subject = name.ToUpperInvariant() }));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 43, "Subject already exists");
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task SubjectName_WithNulOrAnUnpairedSurrogate_IsRefusedWithCode26OnAddAndRename(Store store)
    {
        // NUL: stored by SQLite, an internal error (code 0) on PostgreSQL. "\ud800": an internal error on both.
        var api = Client(store);
        var existing = NewSubject("old");
        await api.CreateSubjectAsync(existing);
        foreach (var json in new[] { "a\\u0000" + NewSubject(), "\\ud800" + NewSubject() })
        {
            using var add = await api.SendAsync(HttpMethod.Post, SubjectsUrl, RawJson($"{{\"subject\":\"{json}\"}}"));
            await AssertErrorAsync(add, HttpStatusCode.BadRequest, 26);
            using var rename = await api.SendAsync(HttpMethod.Put, $"{SubjectsUrl}/{existing}", RawJson($"{{\"subject\":\"{json}\"}}"));
            await AssertErrorAsync(rename, HttpStatusCode.BadRequest, 26);
        }

        var subjects = await api.SubjectsAsync();
        Assert.Contains(existing, subjects);
        Assert.DoesNotContain(subjects, static s => s.Contains('\0', StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("POST", SubjectsUrl, "text/plain")]
    [InlineData("PUT", SubjectsUrl + "/x", "application/xml")]
    [InlineData("POST", RecognizeUrl, "text/plain")]
    [InlineData("POST", "/api/v1/recognition/embeddings/recognize", "multipart/form-data")]
    public async Task JsonEndpoint_WrongContentType_Returns415WithErrorJson(string method, string url, string contentType)
    {
        // Spring answers 415 with an empty body; every refusal here carries {message, code} (decision 0019).
        var api = Client(Store.Sqlite);
        using var content = new ByteArrayContent("x"u8.ToArray());
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType + (contentType.StartsWith("multipart", StringComparison.Ordinal) ? "; boundary=b" : string.Empty));

        using var response = await api.SendAsync(new HttpMethod(method), url, content);

        await AssertErrorAsync(response, HttpStatusCode.UnsupportedMediaType, 0, $"Content type '{contentType}' not supported");
    }

    [Theory]
    [InlineData("{\"subject\":\"\"}", 26, "Subject name cannot be empty")]
    [InlineData("{\"subject\":\"   \"}", 26, "Subject name cannot be empty")]
    [InlineData("{}", 26, "Subject name cannot be empty")]
    [InlineData("{\"subject\":\"012345678901234567890123456789012345678901234567890\"}", 26, "Subject name size must be between 1 and 50")]
    [InlineData("{\"subject\":\"a/b\"}", 36, "The name cannot contain the following special characters: ';', '/', '\\'")]
    [InlineData("{\"subject\":\"a;b\"}", 36, null)]
    [InlineData("{\"subject\":\"a\\\\b\"}", 36, null)]
    public async Task AddSubject_InvalidName_ReturnsValidationError(string json, int code, string? message)
    {
        var api = Client(Store.Sqlite);

        using var response = await api.SendAsync(HttpMethod.Post, SubjectsUrl, RawJson(json));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, code, message);
    }

    [Theory]
    [InlineData("{\"subject\":")]
    [InlineData("")]
    public async Task AddSubject_MalformedJson_Returns400Code26(string json)
    {
        var api = Client(Store.Sqlite);

        using var response = await api.SendAsync(HttpMethod.Post, SubjectsUrl, RawJson(json));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26, null);
    }

    [Fact]
    public async Task ListSubjects_DotNetSdkTrailingSlash_IsEquivalent()
    {
        var api = Client(Store.Sqlite);

        using var response = await api.SendAsync(HttpMethod.Get, SubjectsUrl + "/");

        var body = await ReadJsonAsync(response);
        AssertKeys(body, "subjects");
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task RenameSubject_ObjectBodyWithExtraField_RenamesAndReturnsUpdatedTrue(Store store)
    {
        var api = Client(store);
        var name = NewSubject();
        var newName = NewSubject();
        await api.AddFaceAsync(name, "001_A.jpg");

        // The Python SDK adds "api_endpoint"; unknown properties are ignored.
        using var response = await api.SendAsync(
            HttpMethod.Put, $"{SubjectsUrl}/{Uri.EscapeDataString(name)}", Json(new { subject = newName, api_endpoint = name }));

        var body = await ReadJsonAsync(response);
        AssertKeys(body, "updated");
        Assert.True(body.GetProperty("updated").GetBoolean());
        var subjects = await api.SubjectsAsync();
        Assert.Contains(newName, subjects);
        Assert.DoesNotContain(name, subjects);
        Assert.Single(await api.ImageIdsOfAsync(newName));
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task RenameSubject_BareJsonStringBody_Succeeds(Store store)
    {
        var api = Client(store);
        var name = NewSubject();
        var newName = NewSubject();
        await api.CreateSubjectAsync(name);

        // The .NET SDK's RenameAsync sends the new name as a bare JSON string.
        using var response = await api.SendAsync(HttpMethod.Put, $"{SubjectsUrl}/{name}", RawJson($"\"{newName}\""));

        Assert.True((await ReadJsonAsync(response)).GetProperty("updated").GetBoolean());
        Assert.Contains(newName, await api.SubjectsAsync());
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task RenameSubject_SameName_ReturnsUpdatedFalse_CaseChangeReturnsTrue(Store store)
    {
        var api = Client(store);
        var name = NewSubject("Case");
        await api.CreateSubjectAsync(name);

        using (var same = await api.SendAsync(HttpMethod.Put, $"{SubjectsUrl}/{name}", Json(new { subject = name })))
        {
            Assert.False((await ReadJsonAsync(same)).GetProperty("updated").GetBoolean());
        }

        // The old name matches case-insensitively; a change of case alone is a rename.
        using var cased = await api.SendAsync(HttpMethod.Put, $"{SubjectsUrl}/{name.ToLowerInvariant()}", Json(new { subject = name.ToUpperInvariant() }));
        Assert.True((await ReadJsonAsync(cased)).GetProperty("updated").GetBoolean());
        Assert.Contains(name.ToUpperInvariant(), await api.SubjectsAsync());
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task RenameSubject_OntoExistingSubject_MergesExamples(Store store)
    {
        var api = Client(store);
        var from = NewSubject();
        var into = NewSubject();
        var moved = await api.AddFaceAsync(from, "001_A.jpg");
        var kept = await api.AddFaceAsync(into, "002_A.jpg");

        using var response = await api.SendAsync(HttpMethod.Put, $"{SubjectsUrl}/{from}", Json(new { subject = into.ToUpperInvariant() }));

        Assert.True((await ReadJsonAsync(response)).GetProperty("updated").GetBoolean());
        Assert.DoesNotContain(from, await api.SubjectsAsync());
        Assert.Equal(new[] { kept, moved }.Order(), (await api.ImageIdsOfAsync(into)).Order());
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task RenameSubject_Unknown_Returns404Code42(Store store)
    {
        var api = Client(store);
        var name = NewSubject();

        using var response = await api.SendAsync(HttpMethod.Put, $"{SubjectsUrl}/{name}", Json(new { subject = NewSubject() }));

        await AssertErrorAsync(response, HttpStatusCode.NotFound, 42, $"Subject {name} not found");
    }

    [Fact]
    public async Task RenameSubject_UnknownToItsOwnName_ReturnsUpdatedFalse()
    {
        // CompreFace compares the names before it looks the old one up.
        var api = Client(Store.Sqlite);
        var name = NewSubject();

        using var response = await api.SendAsync(HttpMethod.Put, $"{SubjectsUrl}/{name}", Json(new { subject = name }));

        Assert.False((await ReadJsonAsync(response)).GetProperty("updated").GetBoolean());
        Assert.DoesNotContain(name, await api.SubjectsAsync());
    }

    [Fact]
    public async Task RenameSubject_InvalidNewName_Returns400()
    {
        var api = Client(Store.Sqlite);

        using var response = await api.SendAsync(HttpMethod.Put, $"{SubjectsUrl}/{NewSubject()}", Json(new { subject = "x/y" }));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 36);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task DeleteSubject_ReturnsStoredNameAndCascadesToExamplesAndImages(Store store)
    {
        var api = Client(store);
        var name = NewSubject("Del");
        var imageId = await api.AddFaceAsync(name, "001_A.jpg");

        using var response = await api.SendAsync(HttpMethod.Delete, $"{SubjectsUrl}/{name.ToLowerInvariant()}");

        var body = await ReadJsonAsync(response);
        AssertKeys(body, "subject");
        Assert.Equal(name, body.GetProperty("subject").GetString());
        Assert.DoesNotContain(name, await api.SubjectsAsync());
        Assert.Empty(await api.ImageIdsOfAsync(name));
        using var image = await api.SendAsync(HttpMethod.Get, $"{FacesUrl}/{imageId}/img");
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Empty(await image.Content.ReadAsByteArrayAsync());
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task DeleteSubject_Unknown_Returns404Code42(Store store)
    {
        var api = Client(store);
        var name = NewSubject();

        using var response = await api.SendAsync(HttpMethod.Delete, $"{SubjectsUrl}/{name}");

        await AssertErrorAsync(response, HttpStatusCode.NotFound, 42, $"Subject {name} not found");
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task DeleteAllSubjects_ReturnsSubjectCountAndEmptiesTheCollection(Store store)
    {
        var api = Client(store);
        await api.DeleteAllSubjectsAsync();
        await api.AddFaceAsync(NewSubject(), "001_A.jpg");
        await api.CreateSubjectAsync(NewSubject());

        using var response = await api.SendAsync(HttpMethod.Delete, SubjectsUrl);

        var body = await ReadJsonAsync(response);
        AssertKeys(body, "deleted");
        Assert.Equal(2, body.GetProperty("deleted").GetInt32());
        Assert.Empty(await api.SubjectsAsync());
        Assert.Equal(0, (await api.ListFacesAsync(string.Empty)).GetProperty("total_elements").GetInt64());
    }
}
