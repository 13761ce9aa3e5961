using System.Net;
using System.Text.Json;
using static CompreFace.WebApi.Tests.ApiTestHelpers;
using static CompreFace.WebApi.Tests.RecognitionTestClient;

namespace CompreFace.WebApi.Tests;

/// <summary><c>/api/v1/recognition/faces</c> and the static download (docs/compreface-behaviour.md#examples, docs/compreface-behaviour.md#verify-against-a-stored-example) on both stores.</summary>
[Collection(ApiTestGroup.Name)]
public sealed class FaceEndpointTests(ApiFactory sqlite, PostgresApiNode postgres)
{
    private RecognitionTestClient Client(Store store) => For(store, sqlite, postgres);

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task AddFace_Multipart_Returns201WithIdAndSubjectAsSent(Store store)
    {
        var api = Client(store);
        var name = NewSubject("Add");
        await api.CreateSubjectAsync(name);

        using var response = await api.SendAsync(
            HttpMethod.Post, $"{FacesUrl}?subject={name.ToLowerInvariant()}&det_prob_threshold=0.85", File(SharedData.SampleBytes("001_A.jpg")));

        var body = await ReadJsonAsync(response, HttpStatusCode.Created);
        AssertKeys(body, "image_id", "subject");
        Assert.True(Guid.TryParse(body.GetProperty("image_id").GetString(), out _));
        Assert.Equal(name.ToLowerInvariant(), body.GetProperty("subject").GetString());

        // The subject was found case-insensitively, not created again.
        Assert.Single(await api.SubjectsAsync(), s => s.Equals(name, StringComparison.OrdinalIgnoreCase));
        Assert.Equal([body.GetProperty("image_id").GetString()!], await api.ImageIdsOfAsync(name));
        AssertCors(response);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task AddFace_Base64_Returns201(Store store)
    {
        var api = Client(store);
        var name = NewSubject();

        using var response = await api.SendAsync(
            HttpMethod.Post, $"{FacesUrl}?subject={name}", Json(new { file = Convert.ToBase64String(SharedData.SampleBytes("002_A.jpg")) }));

        var body = await ReadJsonAsync(response, HttpStatusCode.Created);
        Assert.Equal(name, body.GetProperty("subject").GetString());
        Assert.Contains(name, await api.SubjectsAsync());
    }

    [Fact]
    public async Task AddFace_SeveralFaces_Returns400Code31()
    {
        var api = Client(Store.Sqlite);
        var name = NewSubject();

        using var response = await api.SendAsync(HttpMethod.Post, $"{FacesUrl}?subject={name}", File(SharedData.SampleBytes("000_5.jpg")));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 31, "More than one face in the source image");
        Assert.DoesNotContain(name, await api.SubjectsAsync());
    }

    [Fact]
    public async Task AddFace_NoFace_Returns400Code28()
    {
        var api = Client(Store.Sqlite);

        using var response = await api.SendAsync(HttpMethod.Post, $"{FacesUrl}?subject={NewSubject()}", File(CraftedImages.OnePixelPng, "dot.png"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 28, "No face is found in the given image");
    }

    [Theory]
    [InlineData("", 33, "Required parameter subject is missing")]
    [InlineData("?det_prob_threshold=0.8", 33, "Required parameter subject is missing")]
    [InlineData("?subject=", 26, "Subject name is empty; ")]
    [InlineData("?subject=%20%20", 26, "Subject name is empty; ")]
    public async Task AddFace_MissingOrBlankSubject_ReturnsError(string query, int code, string message)
    {
        var api = Client(Store.Sqlite);

        using var response = await api.SendAsync(HttpMethod.Post, FacesUrl + query, File(SharedData.SampleBytes("001_A.jpg")));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, code, message);
    }

    [Fact]
    public async Task AddFace_MissingFilePart_Returns400Code34()
    {
        var api = Client(Store.Sqlite);

        using var response = await api.SendAsync(HttpMethod.Post, $"{FacesUrl}?subject=x", File(SharedData.SampleBytes("001_A.jpg"), name: "image"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 34, "Required part file is missing");
    }

    [Fact]
    public async Task AddFace_NotMultipartNorJson_ReachesTheMultipartHandlerAndFailsWithCode0()
    {
        var api = Client(Store.Sqlite);
        using var content = new ByteArrayContent(SharedData.SampleBytes("001_A.jpg"));
        content.Headers.ContentType = new("image/jpeg");

        using var response = await api.SendAsync(HttpMethod.Post, $"{FacesUrl}?subject=x", content);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 0);
    }

    [Fact]
    public async Task AddFace_SubjectAsFormField_IsRead()
    {
        var api = Client(Store.Sqlite);
        var name = NewSubject();
        using var content = File(SharedData.SampleBytes("001_A.jpg"));
        content.Add(new StringContent(name), "subject");

        using var response = await api.SendAsync(HttpMethod.Post, FacesUrl, content);

        Assert.Equal(name, (await ReadJsonAsync(response, HttpStatusCode.Created)).GetProperty("subject").GetString());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AddFace_MinFaceSizeAboveTheFace_IsRefusedWithCode28AsQueryOrFormField(bool asFormField)
    {
        // Every parameter may be a form field (Spring's @RequestParam); add once read this one from the query only.
        var api = Client(Store.Sqlite);
        var name = NewSubject();
        using var content = File(SharedData.SampleBytes("001_A.jpg"));
        content.Add(new StringContent(name), "subject");
        var url = FacesUrl;
        if (asFormField)
        {
            content.Add(new StringContent("3000"), "min_face_size");
        }
        else
        {
            url += "?min_face_size=3000";
        }

        using var response = await api.SendAsync(HttpMethod.Post, url, content);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 28, "No face is found in the given image");
        Assert.DoesNotContain(name, await api.SubjectsAsync());
    }

    [Fact]
    public async Task AddFace_JsSdkSecondQuestionMark_StoresTheSubjectLiterally()
    {
        // The literal (name + 23 characters) must fit the 50-character subject bound (docs/decisions/0024).
        var api = Client(Store.Sqlite);
        var name = "C-" + Guid.NewGuid().ToString("N")[..12];
        var literal = name + "?det_prob_threshold=0.8";

        // The JS SDK builds "?subject=X?det_prob_threshold=0.8": the URL is parsed the standard way, not "fixed".
        using var response = await api.SendAsync(
            HttpMethod.Post, $"{FacesUrl}?subject={Uri.EscapeDataString(name)}?det_prob_threshold=0.8", File(SharedData.SampleBytes("001_A.jpg"), "example.jpg"));

        Assert.Equal(literal, (await ReadJsonAsync(response, HttpStatusCode.Created)).GetProperty("subject").GetString());
        Assert.Contains(literal, await api.SubjectsAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AddFace_SubjectOver50Characters_IsRefusedWithCode26AndNothingStored(bool asFormField)
    {
        // POST /subjects bounds names to 1-50; add once stored any length (a 5,000-character subject was a 201).
        var api = Client(Store.Sqlite);
        var name = NewSubject("long") + new string('x', 51 - 37);
        Assert.Equal(51, name.Length);
        using var content = File(SharedData.SampleBytes("001_A.jpg"));
        var url = FacesUrl;
        if (asFormField)
        {
            content.Add(new StringContent(name), "subject");
        }
        else
        {
            url += $"?subject={name}";
        }

        using var response = await api.SendAsync(HttpMethod.Post, url, content);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26, "Subject name size must be between 1 and 50; ");
        Assert.DoesNotContain(name, await api.SubjectsAsync());
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task AddFace_SubjectWithNul_IsRefusedWithCode26OnBothStores(Store store)
    {
        // SQLite stored it; PostgreSQL text cannot hold U+0000 and the request failed as an internal error (code 0).
        var api = Client(store);
        var name = "a\0" + NewSubject("nul");

        using var response = await api.SendAsync(HttpMethod.Post, $"{FacesUrl}?subject={Uri.EscapeDataString(name)}", File(SharedData.SampleBytes("009_C.jpg")));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26, "Subject name cannot contain the NUL character or unpaired surrogates; ");
        Assert.DoesNotContain(name, await api.SubjectsAsync());
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task ListFaces_SubjectWithNul_IsAnEmptyPage(Store store)
    {
        var page = await Client(store).ListFacesAsync("?subject=a%00b");

        Assert.Equal(0, page.GetProperty("total_elements").GetInt64());
    }

    [Fact]
    public async Task DeleteFaces_IdEscapedAsAnUnpairedSurrogate_Is400Code26()
    {
        using var response = await Client(Store.Sqlite).SendAsync(HttpMethod.Post, FacesUrl + "/delete", RawJson("[\"\\ud800\"]"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26);
    }

    [Fact]
    public async Task AddFace_JsSdkSecondQuestionMarkOver50Characters_IsRefusedWithCode26()
    {
        // The JS SDK's quirk with a long name: the literal is over the bound, so it is refused rather than stored.
        var api = Client(Store.Sqlite);
        var name = NewSubject("Person C");
        var literal = name + "?det_prob_threshold=0.8";
        Assert.True(literal.Length > 50);

        using var response = await api.SendAsync(
            HttpMethod.Post, $"{FacesUrl}?subject={Uri.EscapeDataString(name)}?det_prob_threshold=0.8", File(SharedData.SampleBytes("001_A.jpg"), "example.jpg"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26);
        Assert.DoesNotContain(literal, await api.SubjectsAsync());
    }

    [Fact]
    public async Task AddFace_Subject50Characters_IsStored()
    {
        var api = Client(Store.Sqlite);
        var name = NewSubject("fifty") + new string('y', 50 - 38);
        Assert.Equal(50, name.Length);

        using var response = await api.SendAsync(HttpMethod.Post, $"{FacesUrl}?subject={name}", File(SharedData.SampleBytes("001_A.jpg")));

        Assert.Equal(name, (await ReadJsonAsync(response, HttpStatusCode.Created)).GetProperty("subject").GetString());
    }

    [Fact]
    public async Task AddFace_TutorialTrailingSlash_IsEquivalent()
    {
        var api = Client(Store.Sqlite);
        var name = NewSubject();

        using var response = await api.SendAsync(HttpMethod.Post, $"{FacesUrl}/?subject={name}", File(SharedData.SampleBytes("001_A.jpg")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task ListFaces_Paging_FollowsSpringRulesAndReportsTotals(Store store)
    {
        var api = Client(store);
        var name = NewSubject();
        var ids = new[]
        {
            await api.AddFaceAsync(name, "001_A.jpg"),
            await api.AddFaceAsync(name, "002_A.jpg"),
            await api.AddFaceAsync(name, "003_A.jpg"),
        };

        var first = await api.ListFacesAsync($"?subject={name}&page=0&size=2");
        AssertKeys(first, "faces", "page_number", "page_size", "total_elements", "total_pages");
        Assert.Equal(2, first.GetProperty("faces").GetArrayLength());
        AssertKeys(first.GetProperty("faces")[0], "image_id", "subject");
        Assert.Equal(name, first.GetProperty("faces")[0].GetProperty("subject").GetString());
        Assert.Equal(0, first.GetProperty("page_number").GetInt32());
        Assert.Equal(2, first.GetProperty("page_size").GetInt32());
        Assert.Equal(2, first.GetProperty("total_pages").GetInt32());
        Assert.Equal(3, first.GetProperty("total_elements").GetInt64());

        var second = await api.ListFacesAsync($"?subject={name}&page=1&size=2");
        var all = first.GetProperty("faces").EnumerateArray().Concat(second.GetProperty("faces").EnumerateArray())
            .Select(static f => f.GetProperty("image_id").GetString()!);
        Assert.Equal(ids.Order(), all.Order());

        // Beyond the end: no faces, totals still there.
        var beyond = await api.ListFacesAsync($"?subject={name}&page=7&size=2");
        Assert.Equal(0, beyond.GetProperty("faces").GetArrayLength());
        Assert.Equal(7, beyond.GetProperty("page_number").GetInt32());
        Assert.Equal(3, beyond.GetProperty("total_elements").GetInt64());
        Assert.Equal(2, beyond.GetProperty("total_pages").GetInt32());

        // The filter is exact and case-sensitive; "subject=" matches nothing.
        Assert.Equal(0, (await api.ListFacesAsync($"?subject={name.ToUpperInvariant()}")).GetProperty("total_elements").GetInt64());
        Assert.Equal(0, (await api.ListFacesAsync("?subject=")).GetProperty("total_elements").GetInt64());
        Assert.True((await api.ListFacesAsync(string.Empty)).GetProperty("total_elements").GetInt64() >= 3);
    }

    [Theory]
    [InlineData("?size=0", 0, 20)]
    [InlineData("?page=-3&size=-1", 0, 20)]
    [InlineData("?page=abc&size=xyz", 0, 20)]
    [InlineData("?size=5000", 0, 2000)]
    [InlineData("?page=2&size=7&sort=id", 2, 7)]
    public async Task ListFaces_PageAndSizeBounds(string query, int page, int size)
    {
        var api = Client(Store.Sqlite);

        var body = await api.ListFacesAsync(query);

        Assert.Equal(page, body.GetProperty("page_number").GetInt32());
        Assert.Equal(size, body.GetProperty("page_size").GetInt32());
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task ListFaces_DotNetSdkEmptySubjectPage1Size1_ReturnsExactEmptyPage(Store store)
    {
        var api = Client(store);
        var name = NewSubject();
        await api.CreateSubjectAsync(name);

        using var response = await api.SendAsync(HttpMethod.Get, $"{FacesUrl}?page=1&size=1&subject={name}");

        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var expected = JsonDocument.Parse("{\"faces\":[],\"page_number\":1,\"page_size\":1,\"total_elements\":0,\"total_pages\":0}");
        using var actual = JsonDocument.Parse(text);
        Assert.True(JsonElement.DeepEquals(expected.RootElement, actual.RootElement), text);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task DeleteFacesBySubject_DeletesExamplesAndSubject(Store store)
    {
        var api = Client(store);
        var name = NewSubject();
        await api.AddFaceAsync(name, "001_A.jpg");
        await api.AddFaceAsync(name, "002_A.jpg");

        using var response = await api.SendAsync(HttpMethod.Delete, $"{FacesUrl}?subject={name}");

        var body = await ReadJsonAsync(response);
        AssertKeys(body, "deleted");
        Assert.Equal(2, body.GetProperty("deleted").GetInt32());
        Assert.Empty(await api.ImageIdsOfAsync(name));
        Assert.DoesNotContain(name, await api.SubjectsAsync());
    }

    [Fact]
    public async Task DeleteFacesBySubject_Unknown_ReturnsDeletedZero()
    {
        var api = Client(Store.Sqlite);

        using var response = await api.SendAsync(HttpMethod.Delete, $"{FacesUrl}?subject={NewSubject()}");

        Assert.Equal(0, (await ReadJsonAsync(response)).GetProperty("deleted").GetInt32());
    }

    [Theory]
    [InlineData("")]
    [InlineData("?subject=")]
    [InlineData("?subject=%20")]
    public async Task DeleteFacesBySubject_WithoutSubject_KeepsCompreFace400Code26(string query)
    {
        var api = Client(Store.Sqlite);

        using var response = await api.SendAsync(HttpMethod.Delete, FacesUrl + query);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26, "Subject name is empty; ");
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task DeleteFace_ById_ReturnsRefThen404Code44(Store store)
    {
        var api = Client(store);
        var name = NewSubject();
        var imageId = await api.AddFaceAsync(name, "001_A.jpg");

        using (var response = await api.SendAsync(HttpMethod.Delete, $"{FacesUrl}/{imageId}"))
        {
            var body = await ReadJsonAsync(response);
            AssertKeys(body, "image_id", "subject");
            Assert.Equal(imageId, body.GetProperty("image_id").GetString());
            Assert.Equal(name, body.GetProperty("subject").GetString());
        }

        Assert.Empty(await api.ImageIdsOfAsync(name));
        using var again = await api.SendAsync(HttpMethod.Delete, $"{FacesUrl}/{imageId}");
        await AssertErrorAsync(again, HttpStatusCode.NotFound, 44, $"Image {imageId} not found");
    }

    [Theory]
    [InlineData("DELETE", "/api/v1/recognition/faces/not-a-uuid")]
    [InlineData("GET", "/api/v1/recognition/faces/not-a-uuid/img")]
    [InlineData("GET", "/api/v1/static/00000000-0000-0000-0000-000000000002/images/not-a-uuid")]
    public async Task ImageIdInPath_NotUuid_Returns400Code26(string method, string url)
    {
        var api = Client(Store.Sqlite);

        using var response = await api.SendAsync(new HttpMethod(method), url);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task DeleteFaces_Bulk_ReturnsArrayOfDeletedAndSkipsUnknown(Store store)
    {
        var api = Client(store);
        var name = NewSubject();
        var first = await api.AddFaceAsync(name, "001_A.jpg");
        var second = await api.AddFaceAsync(name, "002_A.jpg");
        var kept = await api.AddFaceAsync(name, "003_A.jpg");

        using var response = await api.SendAsync(HttpMethod.Post, $"{FacesUrl}/delete", Json(new[] { first, Guid.NewGuid().ToString(), second }));

        var body = await ReadJsonAsync(response);
        Assert.Equal(JsonValueKind.Array, body.ValueKind);
        Assert.Equal(2, body.GetArrayLength());
        foreach (var face in body.EnumerateArray())
        {
            AssertKeys(face, "image_id", "subject");
            Assert.Equal(name, face.GetProperty("subject").GetString());
        }

        Assert.Equal(new[] { first, second }.Order(), body.EnumerateArray().Select(static f => f.GetProperty("image_id").GetString()!).Order());
        Assert.Equal([kept], await api.ImageIdsOfAsync(name));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("")]
    [InlineData("{\"ids\":[]}")]
    public async Task DeleteFaces_NullOrMissingBody_Returns400(string json)
    {
        var api = Client(Store.Sqlite);

        using var response = await api.SendAsync(HttpMethod.Post, $"{FacesUrl}/delete", RawJson(json));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26);
    }

    [Fact]
    public async Task DeleteFaces_NoBodyNoContentType_Returns400()
    {
        var api = Client(Store.Sqlite);

        using var response = await api.SendAsync(HttpMethod.Post, $"{FacesUrl}/delete");

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task DownloadImage_HeaderAndStaticPath_ReturnOriginalBytesNeverCached(Store store)
    {
        var api = Client(store);
        var original = SharedData.SampleBytes("001_A.jpg");
        var imageId = await api.AddFaceAsync(NewSubject(), "001_A.jpg");

        using var withKey = await api.SendAsync(HttpMethod.Get, $"{FacesUrl}/{imageId}/img");
        using var viaStatic = await api.SendAsync(HttpMethod.Get, $"/api/v1/static/{ApiFactory.RecognitionKey}/images/{imageId}", apiKey: null);

        foreach (var response in new[] { withKey, viaStatic })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
            // Deliberately not CompreFace's "public, max-age=31536000": photos are biometric data (P7).
            Assert.True(response.Headers.CacheControl is { Private: true, NoStore: true, Public: false, MaxAge: null }, response.Headers.CacheControl?.ToString());
            Assert.Equal(original, await response.Content.ReadAsByteArrayAsync());
            AssertCors(response);
        }
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task DownloadImage_UnknownOrForeign_Returns200Empty(Store store)
    {
        var api = Client(store);
        var imageId = await api.AddFaceAsync(NewSubject(), "001_A.jpg");

        var urls = new (string Url, string? Key)[]
        {
            ($"{FacesUrl}/{Guid.NewGuid()}/img", ApiFactory.RecognitionKey),
            ($"/api/v1/static/{ApiFactory.RecognitionKey}/images/{Guid.NewGuid()}", null),

            // Another service's key cannot read this collection's images (the key type is not checked).
            ($"/api/v1/static/{ApiFactory.DetectionKey}/images/{imageId}", null),
            ($"/api/v1/static/{Guid.NewGuid()}/images/{imageId}", null),
            ($"/api/v1/static/not-a-key/images/{imageId}", null),
        };
        foreach (var (url, key) in urls)
        {
            using var response = await api.SendAsync(HttpMethod.Get, url, apiKey: key);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task DownloadImage_OtherServiceKeyWithHeader_Returns404Code10()
    {
        var api = Client(Store.Sqlite);

        using var response = await api.SendAsync(HttpMethod.Get, $"{FacesUrl}/{Guid.NewGuid()}/img", apiKey: ApiFactory.DetectionKey);

        await AssertErrorAsync(response, HttpStatusCode.NotFound, 10);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task VerifyFace_Multipart_OneEntryPerFaceWithSubjectAndSimilarity(Store store)
    {
        var api = Client(store);
        var name = NewSubject();
        var imageId = await api.AddFaceAsync(name, "001_A.jpg");

        using var response = await api.SendAsync(
            HttpMethod.Post, $"{FacesUrl}/{imageId}/verify?status=true&face_plugins=landmarks", File(SharedData.SampleBytes("002_A.jpg")));

        var body = await ReadJsonAsync(response);
        AssertKeys(body, "plugins_versions", "result");
        var face = Assert.Single(body.GetProperty("result").EnumerateArray());
        AssertKeys(face, "box", "execution_time", "landmarks", "similarity", "subject");
        AssertBox(face.GetProperty("box"));
        Assert.Equal(name, face.GetProperty("subject").GetString());
        var similarity = face.GetProperty("similarity").GetDouble();
        Assert.True(similarity >= 0.5, $"same person: {similarity}");
        Assert.Equal(Math.Round(similarity, 5), similarity);
    }

    [Fact]
    public async Task VerifyFace_Base64SeveralFaces_InAreaOrder()
    {
        var api = Client(Store.Sqlite);
        var imageId = await api.AddFaceAsync(NewSubject(), "001_A.jpg");

        using var response = await api.SendAsync(
            HttpMethod.Post, $"{FacesUrl}/{imageId}/verify", Json(new { file = Convert.ToBase64String(SharedData.SampleBytes("000_5.jpg")) }));

        var body = await ReadJsonAsync(response);
        AssertKeys(body, "result");
        var faces = body.GetProperty("result").EnumerateArray().ToArray();
        Assert.Equal(5, faces.Length);
        var areas = faces.Select(Area).ToArray();
        Assert.Equal(areas.OrderDescending(), areas);
        Assert.All(faces, f => AssertKeys(f, "box", "similarity", "subject"));
    }

    [Fact]
    public async Task VerifyFace_UnknownId_Returns404Code44AfterDetection()
    {
        var api = Client(Store.Sqlite);

        using (var response = await api.SendAsync(HttpMethod.Post, $"{FacesUrl}/{Guid.NewGuid()}/verify", File(SharedData.SampleBytes("001_A.jpg"))))
        {
            await AssertErrorAsync(response, HttpStatusCode.NotFound, 44, "Image Id is incorrect");
        }

        // No face is reported first: the id is checked after detection.
        using var noFace = await api.SendAsync(HttpMethod.Post, $"{FacesUrl}/{Guid.NewGuid()}/verify", File(CraftedImages.OnePixelPng, "dot.png"));
        await AssertErrorAsync(noFace, HttpStatusCode.BadRequest, 28);
    }
}
