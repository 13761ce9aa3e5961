using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using static CompreFace.WebApi.Tests.ApiTestHelpers;
using static CompreFace.WebApi.Tests.RecognitionTestClient;
using CompreFace.Grains.Interfaces;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// <c>POST /api/v1/recognition/recognize</c>, the recognition embedding endpoints (docs/compreface-behaviour.md#recognize, docs/compreface-behaviour.md#embedding-endpoints), the opt-in
/// <c>unique_subjects</c> / <c>similarity_threshold</c>, and the consistence status, on both stores where it matters.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed class RecognitionEndpointTests(ApiFactory sqlite, PostgresApiNode postgres)
{
    private const string EmbeddingsRecognizeUrl = "/api/v1/recognition/embeddings/recognize";

    /// <summary>A vector of a length no model has.</summary>
    private static readonly double[] ShortVector = [0.1, 0.2, 0.3];

    private RecognitionTestClient Client(Store store) => For(store, sqlite, postgres);

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task Recognize_EnrolledPeople_TopSubjectIsTheRightOne(Store store)
    {
        var api = Client(store);
        await api.DeleteAllSubjectsAsync();
        var a = NewSubject("A");
        var b = NewSubject("B");
        await api.AddFaceAsync(a, "001_A.jpg");
        await api.AddFaceAsync(b, "007_B.jpg");

        var body = await api.RecognizeAsync("002_A.jpg", "?prediction_count=100");

        AssertKeys(body, "result");
        var face = Assert.Single(body.GetProperty("result").EnumerateArray());
        AssertKeys(face, "box", "subjects");
        AssertBox(face.GetProperty("box"));
        var probability = face.GetProperty("box").GetProperty("probability").GetDouble();
        Assert.Equal(Math.Round(probability, 5), probability);
        var subjects = face.GetProperty("subjects").EnumerateArray().ToArray();
        AssertKeys(subjects[0], "similarity", "subject");
        Assert.Equal(a, subjects[0].GetProperty("subject").GetString());
        Assert.True(subjects[0].GetProperty("similarity").GetDouble() >= 0.5);
        var similarities = subjects.Select(static s => s.GetProperty("similarity").GetDouble()).ToArray();
        Assert.Equal(similarities.OrderDescending(), similarities);
        Assert.All(similarities, s => Assert.Equal(Math.Round(s, 5), s));
        var bEntry = Assert.Single(subjects, s => s.GetProperty("subject").GetString() == b);
        Assert.True(bEntry.GetProperty("similarity").GetDouble() < subjects[0].GetProperty("similarity").GetDouble());
    }

    [Fact]
    public async Task Recognize_PredictionCountDefaultsToOne_AndStatusAddsVersionsWithCalculator()
    {
        var api = Client(Store.Sqlite);
        await api.AddFaceAsync(NewSubject(), "001_A.jpg");
        await api.AddFaceAsync(NewSubject(), "007_B.jpg");

        var body = await api.RecognizeAsync("002_A.jpg", "?status=true&face_plugins=calculator,landmarks");

        AssertKeys(body, "plugins_versions", "result");
        Assert.Equal(JsonValueKind.String, body.GetProperty("plugins_versions").GetProperty("calculator").ValueKind);
        Assert.Equal(JsonValueKind.String, body.GetProperty("plugins_versions").GetProperty("detector").ValueKind);
        var face = body.GetProperty("result")[0];
        AssertKeys(face, "box", "embedding", "execution_time", "landmarks", "subjects");
        Assert.Single(face.GetProperty("subjects").EnumerateArray());
    }

    [Fact]
    public async Task Recognize_SeveralFaces_EachWithSubjectsInAreaOrder()
    {
        var api = Client(Store.Sqlite);
        await api.AddFaceAsync(NewSubject(), "001_A.jpg");

        var body = await api.RecognizeAsync("000_5.jpg", "?limit=3");

        var faces = body.GetProperty("result").EnumerateArray().ToArray();
        Assert.Equal(3, faces.Length);
        var areas = faces.Select(Area).ToArray();
        Assert.Equal(areas.OrderDescending(), areas);
        Assert.All(faces, f => Assert.Single(f.GetProperty("subjects").EnumerateArray()));
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task Recognize_EmptyCollection_ReturnsEmptySubjects(Store store)
    {
        var api = Client(store);
        await api.DeleteAllSubjectsAsync();

        var body = await api.RecognizeAsync("001_A.jpg");

        var face = Assert.Single(body.GetProperty("result").EnumerateArray());
        Assert.Equal(0, face.GetProperty("subjects").GetArrayLength());
    }

    [Fact]
    public async Task Recognize_Base64_AndDetectFacesFalse_TreatsWholeImageAsOneFace()
    {
        var api = Client(Store.Sqlite);
        var a = NewSubject("A");
        await api.AddFaceAsync(a, "001_A.jpg");

        using var response = await api.SendAsync(
            HttpMethod.Post, RecognizeUrl + "?detect_faces=false&prediction_count=1", Json(new { file = Convert.ToBase64String(SharedData.SampleBytes("002_A.jpg")) }));

        var face = Assert.Single((await ReadJsonAsync(response)).GetProperty("result").EnumerateArray());
        Assert.Equal(1.0, face.GetProperty("box").GetProperty("probability").GetDouble());
        Assert.Single(face.GetProperty("subjects").EnumerateArray());
    }

    [Fact]
    public async Task Recognize_NoFace_Returns400Code28()
    {
        var api = Client(Store.Sqlite);

        using var response = await api.SendAsync(HttpMethod.Post, RecognizeUrl, File(CraftedImages.OnePixelPng, "dot.png"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 28, "No face is found in the given image");
    }

    [Theory]
    [InlineData("?prediction_count=0", "prediction_count should be equal or greater than 1; ")]
    [InlineData("?prediction_count=-1", "prediction_count should be equal or greater than 1; ")]
    [InlineData("?similarity_threshold=1.5", "similarity_threshold should be between 0 and 1; ")]
    [InlineData("?unique_subjects=maybe", null)]
    public async Task Recognize_InvalidRecognitionParameter_Returns400Code26(string query, string? message)
    {
        var api = Client(Store.Sqlite);

        using var response = await api.SendAsync(HttpMethod.Post, RecognizeUrl + query, File(SharedData.SampleBytes("001_A.jpg")));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26, message);
    }

    [Fact]
    public async Task Recognize_IsCountedForTheService()
    {
        var api = Client(Store.Sqlite);
        var demo = Guid.Parse("00000000-0000-0000-0000-000000000001");
        var before = sqlite.RequestCounter.Get(demo);

        using var response = await api.SendAsync(HttpMethod.Post, RecognizeUrl + "?prediction_count=0", File(SharedData.SampleBytes("001_A.jpg")));

        // Counted even though the request then fails, as CompreFace counts it.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(before + 1, sqlite.RequestCounter.Get(demo));
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task Recognize_UniqueSubjectsOptIn_GivesOneEntryPerSubject(Store store)
    {
        var api = Client(store);
        await api.DeleteAllSubjectsAsync();
        var a = NewSubject("A");
        var b = NewSubject("B");
        await api.AddFaceAsync(a, "001_A.jpg");
        await api.AddFaceAsync(a, "003_A.jpg");
        await api.AddFaceAsync(b, "007_B.jpg");

        // CompreFace ranks examples: A appears twice.
        var compatible = (await api.RecognizeAsync("002_A.jpg", "?prediction_count=3")).GetProperty("result")[0].GetProperty("subjects");
        Assert.Equal([a, a, b], compatible.EnumerateArray().Select(static s => s.GetProperty("subject").GetString()));

        // Opt-in: each subject once, with its best example's similarity.
        var unique = (await api.RecognizeAsync("002_A.jpg", "?prediction_count=3&unique_subjects=true")).GetProperty("result")[0].GetProperty("subjects");
        Assert.Equal([a, b], unique.EnumerateArray().Select(static s => s.GetProperty("subject").GetString()));
        Assert.Equal(compatible[0].GetProperty("similarity").GetDouble(), unique[0].GetProperty("similarity").GetDouble());
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task Recognize_SimilarityThresholdOptIn_DropsWeakMatches(Store store)
    {
        var api = Client(store);
        await api.DeleteAllSubjectsAsync();
        var a = NewSubject("A");
        var b = NewSubject("B");
        await api.AddFaceAsync(a, "001_A.jpg");
        await api.AddFaceAsync(b, "007_B.jpg");

        var all = (await api.RecognizeAsync("002_A.jpg", "?prediction_count=2")).GetProperty("result")[0].GetProperty("subjects");
        Assert.Equal(2, all.GetArrayLength());
        var cut = (all[0].GetProperty("similarity").GetDouble() + all[1].GetProperty("similarity").GetDouble()) / 2;

        var filtered = (await api.RecognizeAsync("002_A.jpg", FormattableString.Invariant($"?prediction_count=2&similarity_threshold={cut}")))
            .GetProperty("result")[0].GetProperty("subjects");
        Assert.Equal([a], filtered.EnumerateArray().Select(static s => s.GetProperty("subject").GetString()));

        var none = (await api.RecognizeAsync("002_A.jpg", "?prediction_count=2&similarity_threshold=1")).GetProperty("result")[0].GetProperty("subjects");
        Assert.True(none.GetArrayLength() <= 1);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task RecognizeEmbeddings_EchoesInputAndRanksLikeRecognize(Store store)
    {
        var api = Client(store);
        await api.DeleteAllSubjectsAsync();
        var a = NewSubject("A");
        await api.AddFaceAsync(a, "001_A.jpg");
        await api.AddFaceAsync(NewSubject("B"), "007_B.jpg");
        var embedding = await EmbeddingOfAsync(api, "002_A.jpg");

        using var response = await api.SendAsync(
            HttpMethod.Post, EmbeddingsRecognizeUrl + "?prediction_count=2", Json(new { embeddings = new[] { embedding, embedding } }));

        var body = await ReadJsonAsync(response);
        AssertKeys(body, "result");
        var results = body.GetProperty("result").EnumerateArray().ToArray();
        Assert.Equal(2, results.Length);
        AssertKeys(results[0], "embedding", "similarities");
        Assert.Equal(embedding, results[0].GetProperty("embedding").EnumerateArray().Select(static v => v.GetDouble()));
        var top = results[0].GetProperty("similarities")[0];
        AssertKeys(top, "similarity", "subject");
        Assert.Equal(a, top.GetProperty("subject").GetString());
        Assert.True(top.GetProperty("similarity").GetDouble() >= 0.5);
        Assert.True(results[0].GetProperty("similarities").GetArrayLength() <= 2);
    }

    [Theory]
    [InlineData("{\"embeddings\":[]}", 5, "Field embeddings cannot be empty")]
    [InlineData("{}", 5, "Field embeddings cannot be empty")]
    [InlineData("{\"embeddings\":[[0.1,0.2,0.3]]}", 26, null)]
    [InlineData("null", 26, null)]
    public async Task RecognizeEmbeddings_BadBody_ReturnsError(string json, int code, string? message)
    {
        var api = Client(Store.Sqlite);

        using var response = await api.SendAsync(HttpMethod.Post, EmbeddingsRecognizeUrl, RawJson(json));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, code, message);
    }

    [Fact]
    public async Task RecognizeEmbeddings_PredictionCountZero_Returns400Code26()
    {
        var api = Client(Store.Sqlite);
        var embedding = await EmbeddingOfAsync(api, "001_A.jpg");

        using var response = await api.SendAsync(HttpMethod.Post, EmbeddingsRecognizeUrl + "?prediction_count=0", Json(new { embeddings = new[] { embedding } }));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26, "prediction_count should be equal or greater than 1; ");
    }

    [Fact]
    public async Task RecognizeEmbeddings_PredictionCountOverTheCap_Returns400Code26AndTheCapItselfIsServed()
    {
        var api = Client(Store.Sqlite);
        var embedding = await EmbeddingOfAsync(api, "001_A.jpg");

        using var over = await api.SendAsync(HttpMethod.Post, EmbeddingsRecognizeUrl + "?prediction_count=1001", Json(new { embeddings = new[] { embedding } }));
        await AssertErrorAsync(over, HttpStatusCode.BadRequest, 26, "prediction_count should be at most 1000; ");

        using var atCap = await api.SendAsync(HttpMethod.Post, EmbeddingsRecognizeUrl + "?prediction_count=1000", Json(new { embeddings = new[] { embedding } }));
        Assert.Equal(HttpStatusCode.OK, atCap.StatusCode);

        using var image = await api.SendAsync(HttpMethod.Post, "/api/v1/recognition/recognize?prediction_count=1001", File(SharedData.SampleBytes("001_A.jpg")));
        await AssertErrorAsync(image, HttpStatusCode.BadRequest, 26, "prediction_count should be at most 1000; ");
    }

    [Fact]
    public async Task EmbeddingRequests_OverTheVectorCap_Return400Code26BeforeAnyVectorIsLookedAt()
    {
        var api = Client(Store.Sqlite);

        // 101 vectors of a length no model has: the cap answers, not the dimension check, so nothing was searched.
        var tooMany = Enumerable.Range(0, 101).Select(_ => ShortVector).ToArray();
        using var recognize = await api.SendAsync(HttpMethod.Post, EmbeddingsRecognizeUrl, Json(new { embeddings = tooMany }));
        await AssertErrorAsync(recognize, HttpStatusCode.BadRequest, 26, "At most 100 embeddings per request, 101 were sent");

        using var verifyStored = await api.SendAsync(HttpMethod.Post, $"/api/v1/recognition/embeddings/faces/{Guid.NewGuid()}/verify", Json(new { embeddings = tooMany }));
        await AssertErrorAsync(verifyStored, HttpStatusCode.BadRequest, 26, "At most 100 embeddings per request, 101 were sent");

        using var verify = await api.SendAsync(
            HttpMethod.Post, "/api/v1/verification/embeddings/verify", Json(new { source = ShortVector, targets = tooMany }), ApiFactory.VerificationKey);
        await AssertErrorAsync(verify, HttpStatusCode.BadRequest, 26, "At most 100 targets per request, 101 were sent");

        // At the cap the request is served (here: the dimension check answers, as for any bad vector).
        using var atCap = await api.SendAsync(HttpMethod.Post, EmbeddingsRecognizeUrl, Json(new { embeddings = tooMany[..100] }));
        Assert.Equal(HttpStatusCode.BadRequest, atCap.StatusCode);
        Assert.DoesNotContain("At most", await atCap.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task VerifyEmbeddings_AgainstStoredFace_SortedDescending(Store store)
    {
        var api = Client(store);
        var imageId = await api.AddFaceAsync(NewSubject(), "001_A.jpg");
        var same = await EmbeddingOfAsync(api, "002_A.jpg");
        var other = await EmbeddingOfAsync(api, "007_B.jpg");

        using var response = await api.SendAsync(
            HttpMethod.Post, $"/api/v1/recognition/embeddings/faces/{imageId}/verify", Json(new { embeddings = new[] { other, same } }));

        var body = await ReadJsonAsync(response);
        AssertKeys(body, "result");
        var results = body.GetProperty("result").EnumerateArray().ToArray();
        Assert.Equal(2, results.Length);
        AssertKeys(results[0], "embedding", "similarity");
        Assert.Equal(same, results[0].GetProperty("embedding").EnumerateArray().Select(static v => v.GetDouble()));
        Assert.True(results[0].GetProperty("similarity").GetDouble() >= 0.5);
        Assert.True(results[1].GetProperty("similarity").GetDouble() < 0.5);
    }

    [Fact]
    public async Task VerifyEmbeddings_UnknownIdOrBadBody_ReturnErrors()
    {
        var api = Client(Store.Sqlite);
        var embedding = await EmbeddingOfAsync(api, "001_A.jpg");
        var url = $"/api/v1/recognition/embeddings/faces/{Guid.NewGuid()}/verify";

        using (var unknown = await api.SendAsync(HttpMethod.Post, url, Json(new { embeddings = new[] { embedding } })))
        {
            await AssertErrorAsync(unknown, HttpStatusCode.NotFound, 44, "Image Id is incorrect");
        }

        using (var empty = await api.SendAsync(HttpMethod.Post, url, RawJson("{\"embeddings\":[]}")))
        {
            await AssertErrorAsync(empty, HttpStatusCode.BadRequest, 5, "Field embeddings cannot be empty");
        }

        using (var wrongDimension = await api.SendAsync(HttpMethod.Post, url, RawJson("{\"embeddings\":[[1,2]]}")))
        {
            await AssertErrorAsync(wrongDimension, HttpStatusCode.BadRequest, 26);
        }

        using var notUuid = await api.SendAsync(HttpMethod.Post, "/api/v1/recognition/embeddings/faces/xyz/verify", Json(new { embeddings = new[] { embedding } }));
        await AssertErrorAsync(notUuid, HttpStatusCode.BadRequest, 26);
    }

    [Fact]
    public async Task ConsistenceStatus_WithoutKey_ReturnsCamelCaseStatus()
    {
        var api = Client(Store.Sqlite);

        using var response = await api.SendAsync(HttpMethod.Get, "/api/v1/consistence/status", apiKey: null);

        var body = await ReadJsonAsync(response);
        using var expected = JsonDocument.Parse("{\"demoFaceCollectionIsInconsistent\":false,\"dbIsInconsistent\":false,\"saveImagesToDB\":true,\"status\":\"OK\",\"migrations\":[]}");
        Assert.True(JsonElement.DeepEquals(expected.RootElement, body), body.GetRawText());
        AssertCors(response);
    }

    [Fact]
    public async Task ConsistenceStatus_ExamplesOfAnotherModel_AreReportedNeverMatchedAndClearedOnDelete()
    {
        // The shared node, not a second one: two hosts in one process share the "CompreFace" meter name, and disposing
        // one stops the other's metrics. The flags are global, so the test removes what it adds before it ends; the
        // tests of this collection run one at a time.
        var api = Client(Store.Sqlite);
        var grains = sqlite.Services.GetRequiredService<IGrainFactory>();
        var demo = await grains.GetGrain<IApiKeyGrain>(ApiFactory.RecognitionKey).GetServiceAsync();
        Assert.NotNull(demo);
        var real = NewSubject("real");
        await api.AddFaceAsync(real, "001_A.jpg");
        Assert.Equal((false, false), await ConsistenceFlagsAsync(api));

        // The same person's vector stored as if an older model had computed it: a mixed-up search would rank it first
        // with cosine 1.
        var stale = new AddFaceCommand
        {
            Subject = NewSubject("stale"),
            Embedding = Array.ConvertAll(await EmbeddingOfAsync(api, "001_A.jpg"), v => (float)v),
            Calculator = "Facenet2018",
        };
        var demoCollection = grains.GetGrain<IFaceCollectionGrain>(demo.ServiceId);
        var otherCollection = grains.GetGrain<IFaceCollectionGrain>(Guid.NewGuid());
        var staleInDemo = await demoCollection.AddFaceAsync(stale);
        Assert.Equal((true, false), await ConsistenceFlagsAsync(api));

        var body = await api.RecognizeAsync("001_A.jpg", "?prediction_count=100");
        var subjects = body.GetProperty("result")[0].GetProperty("subjects").EnumerateArray().Select(s => s.GetProperty("subject").GetString());
        Assert.Contains(real, subjects);
        Assert.DoesNotContain(stale.Subject, subjects);

        var staleElsewhere = await otherCollection.AddFaceAsync(stale);
        Assert.Equal((true, true), await ConsistenceFlagsAsync(api));

        await demoCollection.DeleteFacesAsync([staleInDemo]);
        await otherCollection.DeleteFacesAsync([staleElsewhere]);
        Assert.Equal((false, false), await ConsistenceFlagsAsync(api));
    }

    private static async Task<(bool Demo, bool Db)> ConsistenceFlagsAsync(RecognitionTestClient api)
    {
        using var response = await api.SendAsync(HttpMethod.Get, "/api/v1/consistence/status", apiKey: null);
        var body = await ReadJsonAsync(response);
        return (body.GetProperty("demoFaceCollectionIsInconsistent").GetBoolean(), body.GetProperty("dbIsInconsistent").GetBoolean());
    }

    private static async Task<double[]> EmbeddingOfAsync(RecognitionTestClient api, string sample)
    {
        using var response = await api.SendAsync(HttpMethod.Post, DetectUrl + "?face_plugins=calculator", File(SharedData.SampleBytes(sample)), ApiFactory.DetectionKey);
        var face = (await ReadJsonAsync(response)).GetProperty("result")[0];
        return face.GetProperty("embedding").EnumerateArray().Select(static v => v.GetDouble()).ToArray();
    }
}
