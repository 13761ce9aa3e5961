using System.Net;
using static CompreFace.WebApi.Tests.ApiTestHelpers;

namespace CompreFace.WebApi.Tests;

/// <summary><c>POST /api/v1/verification/verify</c> and <c>/embeddings/verify</c> against the real node.</summary>
[Collection(ApiTestGroup.Name)]
public sealed class VerificationEndpointTests(ApiFactory factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    private Task<HttpResponseMessage> VerifyAsync(HttpContent? content, string query = "", string url = VerifyUrl) =>
        _client.SendAsync(Post(url + query, content, ApiFactory.VerificationKey));

    private static MultipartFormDataContent Pair(string source, string target) =>
        Multipart(("source_image", SharedData.SampleBytes(source), source), ("target_image", SharedData.SampleBytes(target), target));

    private async Task<double> SimilarityAsync(string source, string target)
    {
        using var response = await VerifyAsync(Pair(source, target));
        var body = await ReadJsonAsync(response);
        return Assert.Single(body.GetProperty("result")[0].GetProperty("face_matches").EnumerateArray()).GetProperty("similarity").GetDouble();
    }

    [Fact]
    public async Task Verify_SamePerson_SimilarityAtLeastHalf()
    {
        Assert.True(await SimilarityAsync("001_A.jpg", "002_A.jpg") >= 0.5);
    }

    [Fact]
    public async Task Verify_DifferentPeople_SimilarityBelowHalf()
    {
        Assert.True(await SimilarityAsync("007_B.jpg", "009_C.jpg") < 0.5);
    }

    [Fact]
    public async Task Verify_Response_HasCompreFaceShapeWithVersionsInsideTheElement()
    {
        using var response = await VerifyAsync(Pair("001_A.jpg", "000_5.jpg"), "?status=true&face_plugins=landmarks");

        var body = await ReadJsonAsync(response);
        AssertKeys(body, "result");
        var element = Assert.Single(body.GetProperty("result").EnumerateArray());
        AssertKeys(element, "face_matches", "plugins_versions", "source_image_face");
        AssertKeys(element.GetProperty("source_image_face"), "box", "execution_time", "landmarks");
        var matches = element.GetProperty("face_matches").EnumerateArray().ToArray();
        Assert.Equal(5, matches.Length);
        var areas = matches.Select(Area).ToArray();
        Assert.Equal(areas.OrderDescending(), areas);
        foreach (var match in matches)
        {
            AssertKeys(match, "box", "execution_time", "landmarks", "similarity");
            AssertBox(match.GetProperty("box"));
            var similarity = match.GetProperty("similarity").GetDouble();
            Assert.InRange(similarity, 0, 1);
            Assert.Equal(Math.Round(similarity, 5), similarity);
            var probability = match.GetProperty("box").GetProperty("probability").GetDouble();
            Assert.Equal(Math.Round(probability, 5), probability);
        }

        AssertCors(response);
    }

    [Fact]
    public async Task Verify_WithoutStatus_OmitsOptionalFields()
    {
        using var response = await VerifyAsync(Pair("001_A.jpg", "002_A.jpg"));

        var element = (await ReadJsonAsync(response)).GetProperty("result")[0];
        AssertKeys(element, "face_matches", "source_image_face");
        AssertKeys(element.GetProperty("source_image_face"), "box");
        AssertKeys(element.GetProperty("face_matches")[0], "box", "similarity");
    }

    [Fact]
    public async Task Verify_Calculator_ReturnsEmbeddings()
    {
        using var response = await VerifyAsync(Pair("001_A.jpg", "002_A.jpg"), "?face_plugins=calculator");

        var element = (await ReadJsonAsync(response)).GetProperty("result")[0];
        AssertKeys(element.GetProperty("source_image_face"), "box", "embedding");
        AssertKeys(element.GetProperty("face_matches")[0], "box", "embedding", "similarity");
    }

    [Fact]
    public async Task Verify_Base64Json_Succeeds()
    {
        var body = new
        {
            source_image = Convert.ToBase64String(SharedData.SampleBytes("001_A.jpg")),
            target_image = Convert.ToBase64String(SharedData.SampleBytes("002_A.jpg")),
        };

        using var response = await VerifyAsync(Json(body), "?limit=0&det_prob_threshold=0.81&status=True");

        var element = (await ReadJsonAsync(response)).GetProperty("result")[0];
        Assert.True(element.GetProperty("face_matches")[0].GetProperty("similarity").GetDouble() >= 0.5);
        Assert.True(element.TryGetProperty("plugins_versions", out _));
    }

    [Fact]
    public async Task Verify_ChunkedMultipartWithQuotedBoundary_Succeeds()
    {
        using var content = ChunkedContent.Multipart(
            Guid.NewGuid().ToString(),
            quoteBoundary: true,
            ("source_image", SharedData.SampleBytes("001_A.jpg"), "s.jpg"),
            ("target_image", SharedData.SampleBytes("002_A.jpg"), "t.jpg"));

        using var response = await VerifyAsync(content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Verify_SourceWithSeveralFaces_Returns400Code31()
    {
        using var response = await VerifyAsync(Pair("000_5.jpg", "001_A.jpg"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 31, "More than one face in the source image");
    }

    [Fact]
    public async Task Verify_SourceWithSeveralFacesAndLimitOne_UsesTheLargest()
    {
        using var response = await VerifyAsync(Pair("000_5.jpg", "001_A.jpg"), "?limit=1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Verify_SourceWithoutFace_Returns400Code28()
    {
        using var response = await VerifyAsync(Pair("017_0.jpg", "001_A.jpg"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 28);
    }

    [Fact]
    public async Task Verify_TargetWithoutFace_Returns400Code28()
    {
        using var response = await VerifyAsync(Pair("001_A.jpg", "017_0.jpg"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 28);
    }

    [Fact]
    public async Task Verify_MissingTargetPart_Returns400Code34()
    {
        using var response = await VerifyAsync(Multipart(("source_image", SharedData.SampleBytes("001_A.jpg"), "s.jpg")));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 34, "Required part target_image is missing");
    }

    [Fact]
    public async Task Verify_TargetExtensionNotAllowed_Returns400Code21()
    {
        using var content = Multipart(("source_image", SharedData.SampleBytes("001_A.jpg"), "s.jpg"), ("target_image", SharedData.SampleBytes("002_A.jpg"), "t.pdf"));

        using var response = await VerifyAsync(content);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 21, "File [t.pdf] has an unavailable extension");
    }

    [Theory]
    [InlineData("{\"target_image\":\"QUJD\"}", "Field sourceImageBase64 cannot be empty")]
    [InlineData("{\"source_image\":\"QUJD\",\"target_image\":null}", "Field targetImageBase64 cannot be empty")]
    public async Task Verify_JsonFieldMissing_Returns400Code5(string json, string message)
    {
        using var response = await VerifyAsync(RawJson(json));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 5, message);
    }

    [Fact]
    public async Task Verify_DetectionKey_Returns404Code10()
    {
        using var response = await _client.SendAsync(Post(VerifyUrl, Pair("001_A.jpg", "002_A.jpg"), ApiFactory.DetectionKey));

        await AssertErrorAsync(response, HttpStatusCode.NotFound, 10, $"Verification service with API Key {ApiFactory.DetectionKey} not found");
    }

    [Fact]
    public async Task VerifyEmbeddings_RealEmbeddings_SortedBySimilarityAndEchoed()
    {
        var a1 = await EmbeddingAsync("001_A.jpg");
        var a2 = await EmbeddingAsync("002_A.jpg");
        var b = await EmbeddingAsync("007_B.jpg");

        using var response = await VerifyAsync(Json(new { source = a1, targets = new[] { b, a2 } }), url: EmbeddingsVerifyUrl);

        var body = await ReadJsonAsync(response);
        AssertKeys(body, "result");
        var result = body.GetProperty("result").EnumerateArray().ToArray();
        Assert.Equal(2, result.Length);
        Assert.All(result, r => AssertKeys(r, "embedding", "similarity"));
        Assert.Equal(a2, result[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetDouble()).ToArray());
        Assert.True(result[0].GetProperty("similarity").GetDouble() >= 0.5);
        Assert.True(result[1].GetProperty("similarity").GetDouble() < 0.5);
    }

    [Theory]
    [InlineData("{\"targets\":[[1,2]]}", "Field source cannot be empty")]
    [InlineData("{\"source\":[],\"targets\":[[1,2]]}", "Field source cannot be empty")]
    [InlineData("{\"source\":[1,2]}", "Field targets cannot be empty")]
    [InlineData("{\"source\":[1,2],\"targets\":[]}", "Field targets cannot be empty")]
    public async Task VerifyEmbeddings_MissingOrEmpty_Returns400Code5(string json, string message)
    {
        using var response = await VerifyAsync(RawJson(json), url: EmbeddingsVerifyUrl);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 5, message);
    }

    [Fact]
    public async Task VerifyEmbeddings_AnyLengthMatchingTheSource_IsCompared()
    {
        // CompreFace compares vectors of any length, not only the model's, as long as source and targets agree.
        using var response = await VerifyAsync(RawJson("{\"source\":[1,2,3],\"targets\":[[-1,-2,-3],[2,4,6]]}"), url: EmbeddingsVerifyUrl);

        var result = (await ReadJsonAsync(response)).GetProperty("result");
        Assert.Equal(2, result.GetArrayLength());
        Assert.Equal([2.0, 4, 6], result[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetDouble()));
        Assert.True(result[0].GetProperty("similarity").GetDouble() > result[1].GetProperty("similarity").GetDouble());
    }

    [Fact]
    public async Task VerifyEmbeddings_TargetLengthOtherThanSource_Returns400Code26()
    {
        // Java fails here with code 0; a validation code with the lengths tells the caller what is wrong (docs/compatibility.md).
        using var response = await VerifyAsync(RawJson("{\"source\":[1,2,3],\"targets\":[[1,2,3],[1,2]]}"), url: EmbeddingsVerifyUrl);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26, "Embedding dimension should be 3, but 2 was provided");
    }

    [Fact]
    public async Task VerifyEmbeddings_NonNumericValue_Returns400Code26()
    {
        using var response = await VerifyAsync(RawJson("{\"source\":[\"a\"],\"targets\":[[1]]}"), url: EmbeddingsVerifyUrl);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26);
    }

    [Fact]
    public async Task VerifyEmbeddings_Multipart_Returns415WithErrorJson()
    {
        using var response = await VerifyAsync(File([1, 2, 3]), url: EmbeddingsVerifyUrl);

        await AssertErrorAsync(response, HttpStatusCode.UnsupportedMediaType, 0, "Content type 'multipart/form-data' not supported");
    }

    private async Task<double[]> EmbeddingAsync(string sample)
    {
        using var response = await _client.SendAsync(Post(DetectUrl + "?face_plugins=calculator", File(SharedData.SampleBytes(sample)), ApiFactory.DetectionKey));
        var body = await ReadJsonAsync(response);
        return body.GetProperty("result")[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetDouble()).ToArray();
    }
}
