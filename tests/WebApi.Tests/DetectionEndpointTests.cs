using System.Net;
using System.Text;
using System.Text.Json;
using static CompreFace.WebApi.Tests.ApiTestHelpers;

namespace CompreFace.WebApi.Tests;

/// <summary><c>POST /api/v1/detection/detect</c> through HTTP against the real node.</summary>
[Collection(ApiTestGroup.Name)]
public sealed class DetectionEndpointTests(ApiFactory factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    private Task<HttpResponseMessage> DetectAsync(HttpContent? content, string query = "", string? apiKey = ApiFactory.DetectionKey) =>
        _client.SendAsync(Post(DetectUrl + query, content, apiKey));

    [Fact]
    public async Task Detect_FiveFacePhoto_ReturnsFiveFacesByAreaWithUnroundedProbability()
    {
        using var response = await DetectAsync(File(SharedData.SampleBytes("000_5.jpg"), "000_5.jpg"));

        var body = await ReadJsonAsync(response);
        AssertKeys(body, "result");
        var faces = body.GetProperty("result").EnumerateArray().ToArray();
        Assert.Equal(5, faces.Length);
        foreach (var face in faces)
        {
            AssertKeys(face, "box");
            AssertBox(face.GetProperty("box"));
        }

        var areas = faces.Select(Area).ToArray();
        Assert.Equal(areas.OrderDescending(), areas);

        // Detect does not round: at least one probability has more than 5 decimals.
        Assert.Contains(faces, f => Math.Round(f.GetProperty("box").GetProperty("probability").GetDouble(), 5) != f.GetProperty("box").GetProperty("probability").GetDouble());
        AssertCors(response);
    }

    [Fact]
    public async Task Detect_PluginsAndStatus_AddLandmarksEmbeddingTimesAndVersions()
    {
        using var response = await DetectAsync(File(SharedData.SampleBytes("001_A.jpg")), "?face_plugins=landmarks,calculator&status=true");

        var body = await ReadJsonAsync(response);
        AssertKeys(body, "plugins_versions", "result");
        Assert.Equal(JsonValueKind.String, body.GetProperty("plugins_versions").GetProperty("detector").ValueKind);
        Assert.Equal(JsonValueKind.String, body.GetProperty("plugins_versions").GetProperty("calculator").ValueKind);
        var face = Assert.Single(body.GetProperty("result").EnumerateArray());
        AssertKeys(face, "box", "embedding", "execution_time", "landmarks");
        var landmarks = face.GetProperty("landmarks").EnumerateArray().ToArray();
        Assert.Equal(5, landmarks.Length);
        Assert.All(landmarks, p => Assert.Equal(2, p.EnumerateArray().Count(v => v.TryGetInt32(out _))));
        Assert.True(face.GetProperty("embedding").GetArrayLength() >= 128);
        Assert.All(face.GetProperty("embedding").EnumerateArray(), v => Assert.Equal(JsonValueKind.Number, v.ValueKind));
        Assert.Equal(JsonValueKind.Number, face.GetProperty("execution_time").GetProperty("detector").ValueKind);
    }

    [Fact]
    public async Task Detect_DotNetSdkQuery_EncodedCommasCapitalTrueAndUnknownSlugAccepted()
    {
        using var response = await DetectAsync(
            File(SharedData.SampleBytes("001_A.jpg")),
            "?limit=0&det_prob_threshold=0.85&face_plugins=landmarks%2Cgender%2Cage%2Cdetector%2Ccalculator&status=True");

        var body = await ReadJsonAsync(response);
        Assert.True(body.TryGetProperty("plugins_versions", out _));
        var face = body.GetProperty("result")[0];
        Assert.True(face.TryGetProperty("landmarks", out _));
        Assert.True(face.TryGetProperty("embedding", out _));
        Assert.True(face.TryGetProperty("execution_time", out _));
    }

    [Fact]
    public async Task Detect_PythonSdkLeadingEmptyQuerySegment_IsIgnored()
    {
        using var response = await DetectAsync(File(SharedData.SampleBytes("000_5.jpg"), "000_5.jpg"), "?&limit=0&status=true");

        var body = await ReadJsonAsync(response);
        Assert.Equal(5, body.GetProperty("result").GetArrayLength());
        Assert.True(body.TryGetProperty("plugins_versions", out _));
    }

    [Fact]
    public async Task Detect_Limit_KeepsLargestFaces()
    {
        using var all = await DetectAsync(File(SharedData.SampleBytes("000_5.jpg"), "a.jpg"));
        using var two = await DetectAsync(File(SharedData.SampleBytes("000_5.jpg"), "a.jpg"), "?limit=2");

        var allFaces = (await ReadJsonAsync(all)).GetProperty("result").EnumerateArray().ToArray();
        var twoFaces = (await ReadJsonAsync(two)).GetProperty("result").EnumerateArray().ToArray();
        Assert.Equal(2, twoFaces.Length);
        Assert.Equal(allFaces.Take(2).Select(Area), twoFaces.Select(Area));
    }

    [Fact]
    public async Task Detect_RepeatedFacePlugins_AreJoined()
    {
        using var response = await DetectAsync(File(SharedData.SampleBytes("001_A.jpg")), "?face_plugins=landmarks&face_plugins=calculator");

        var face = (await ReadJsonAsync(response)).GetProperty("result")[0];
        AssertKeys(face, "box", "embedding", "landmarks");
    }

    [Fact]
    public async Task Detect_ParametersAsFormFields_AreRead()
    {
        using var content = File(SharedData.SampleBytes("000_5.jpg"), "000_5.jpg");
        content.Add(new StringContent("1"), "limit");
        content.Add(new StringContent("landmarks"), "face_plugins");
        content.Add(new StringContent("yes"), "status");

        using var response = await DetectAsync(content);

        var body = await ReadJsonAsync(response);
        var face = Assert.Single(body.GetProperty("result").EnumerateArray());
        AssertKeys(face, "box", "execution_time", "landmarks");
        Assert.True(body.TryGetProperty("plugins_versions", out _));
    }

    [Fact]
    public async Task Detect_LimitInQueryAndForm_IsJoinedAndNoLongerAnInteger()
    {
        // Spring joins "3" and "1" into "3,1", which is not an integer (Java: 400 with an empty body; here code 26).
        using var content = File(SharedData.SampleBytes("000_5.jpg"), "000_5.jpg");
        content.Add(new StringContent("1"), "limit");

        using var response = await DetectAsync(content, "?limit=3");

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26, "Failed to convert value '3,1' of parameter 'limit'");
    }

    [Fact]
    public async Task Detect_ChunkedMultipartWithQuotedBoundary_Succeeds()
    {
        using var content = ChunkedContent.Multipart(Guid.NewGuid().ToString(), quoteBoundary: true, ("file", SharedData.SampleBytes("001_A.jpg"), Guid.NewGuid() + ".jpg"));

        using var response = await DetectAsync(content, "?limit=0&det_prob_threshold=0.85&status=True");

        Assert.Equal(1, (await ReadJsonAsync(response)).GetProperty("result").GetArrayLength());
    }

    [Fact]
    public async Task Detect_Base64Json_Succeeds()
    {
        using var response = await DetectAsync(Json(new { file = Convert.ToBase64String(SharedData.SampleBytes("000_5.jpg")) }));

        Assert.Equal(5, (await ReadJsonAsync(response)).GetProperty("result").GetArrayLength());
    }

    [Fact]
    public async Task Detect_Base64JsonWithUnknownPropertyAndUrlSafeAlphabet_Succeeds()
    {
        var base64 = Convert.ToBase64String(SharedData.SampleBytes("001_A.jpg")).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        var wrapped = string.Join("\n", base64.Chunk(76).Select(c => new string(c)));

        using var response = await DetectAsync(Json(new { file = wrapped, api_endpoint = "ignored" }));

        Assert.Equal(1, (await ReadJsonAsync(response)).GetProperty("result").GetArrayLength());
    }

    [Fact]
    public async Task Detect_TrailingSlash_IsEquivalent()
    {
        using var response = await _client.SendAsync(Post(DetectUrl + "/?limit=1", File(SharedData.SampleBytes("001_A.jpg")), ApiFactory.DetectionKey));

        Assert.Equal(1, (await ReadJsonAsync(response)).GetProperty("result").GetArrayLength());
    }

    [Fact]
    public async Task Detect_EveryAcceptedFormat_Decodes()
    {
        foreach (var name in new[] { "einstein.bmp", "einstein.gif", "einstein.jpeg", "einstein.png", "einstein.tiff", "einstein.webp" })
        {
            using var response = await DetectAsync(File(SharedData.ImgToolBytes(name), name));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task Detect_NoFace_Returns400Code28()
    {
        using var response = await DetectAsync(File(SharedData.SampleBytes("017_0.jpg")));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 28, "No face is found in the given image");
    }

    [Fact]
    public async Task Detect_EmptyBodyWithoutContentType_Returns415WithErrorJson()
    {
        // Spring answers 415 with an empty body; every refusal here carries {message, code} (decision 0019).
        using var response = await DetectAsync(null);

        await AssertErrorAsync(response, HttpStatusCode.UnsupportedMediaType, 0, "Content type '' not supported");
        AssertCors(response);
    }

    [Fact]
    public async Task Detect_WrongContentType_Returns415WithErrorJson()
    {
        using var response = await DetectAsync(new StringContent("hello", Encoding.UTF8, "text/plain"));

        await AssertErrorAsync(response, HttpStatusCode.UnsupportedMediaType, 0, "Content type 'text/plain' not supported");
    }

    [Fact]
    public async Task Detect_UrlEncodedForm_Returns415WithErrorJson()
    {
        using var response = await DetectAsync(new FormUrlEncodedContent([new("file", "x")]));

        await AssertErrorAsync(response, HttpStatusCode.UnsupportedMediaType, 0, "Content type 'application/x-www-form-urlencoded' not supported");
    }

    [Fact]
    public async Task Detect_EmptyJsonBody_Returns400Code26()
    {
        using var response = await DetectAsync(RawJson(string.Empty));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26);
    }

    [Fact]
    public async Task Detect_FilePartWithEmptyFileName_IsAFileWithAnUnavailableExtension()
    {
        // Spring treats a part with a filename parameter as a file even when it is empty: code 21, not code 34.
        var body = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\nContent-Type: image/jpeg\r\n\r\nxyz\r\n--b--\r\n";
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=b");

        using var response = await DetectAsync(content);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 21, "File [] has an unavailable extension");
    }

    [Fact]
    public async Task Detect_ParameterInQueryAndForm_JoinsBothWithACommaAsSpring()
    {
        using var content = File(SharedData.SampleBytes("009_C.jpg"));
        content.Add(new StringContent("gender"), "face_plugins");

        var face = (await ReadJsonAsync(await DetectAsync(content, "?face_plugins=age"))).GetProperty("result")[0];

        AssertKeys(face, "box", "age", "gender");
    }

    [Fact]
    public async Task Detect_EmptyMultipartBody_Returns400Code34()
    {
        using var content = new ByteArrayContent([]);
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=abc");

        using var response = await DetectAsync(content);

        // An empty body is an empty form to ASP.NET, so the part is reported missing (Spring: code 0).
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 34, "Required part file is missing");
    }

    [Fact]
    public async Task Detect_MalformedJson_Returns400Code26()
    {
        using var response = await DetectAsync(RawJson("{\"file\":"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26);
    }

    [Fact]
    public async Task Detect_NullJson_Returns400Code26()
    {
        using var response = await DetectAsync(RawJson("null"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26);
    }

    [Fact]
    public async Task Detect_JsonWithoutFile_Returns400Code5()
    {
        using var response = await DetectAsync(RawJson("{\"image\":\"abc\"}"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 5, "Field content cannot be empty");
    }

    [Fact]
    public async Task Detect_Base64Garbage_Returns400Code21()
    {
        using var response = await DetectAsync(Json(new { file = "this is *not* base64!" }));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 21, "Provided value is not Base64");
    }

    [Fact]
    public async Task Detect_Base64DataUriPrefix_Returns400Code21()
    {
        using var response = await DetectAsync(Json(new { file = "data:image/jpeg;base64," + Convert.ToBase64String(SharedData.SampleBytes("001_A.jpg")) }));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 21, "Provided value is not Base64");
    }

    [Fact]
    public async Task Detect_MissingPart_Returns400Code34()
    {
        using var content = new MultipartFormDataContent { { new StringContent("1"), "limit" } };

        using var response = await DetectAsync(content);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 34, "Required part file is missing");
    }

    [Fact]
    public async Task Detect_WrongPartName_Returns400Code34()
    {
        using var response = await DetectAsync(File(SharedData.SampleBytes("001_A.jpg"), name: "image"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 34, "Required part file is missing");
    }

    [Theory]
    [InlineData("face.txt")]
    [InlineData("face")]
    [InlineData("face.jpg.exe")]
    public async Task Detect_ExtensionNotAllowed_Returns400Code21(string fileName)
    {
        using var response = await DetectAsync(File(SharedData.SampleBytes("001_A.jpg"), fileName));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 21, $"File [{fileName}] has an unavailable extension");
    }

    [Fact]
    public async Task Detect_UpperCaseExtension_IsAccepted()
    {
        using var response = await DetectAsync(File(SharedData.SampleBytes("001_A.jpg"), "FACE.JPG"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Detect_NonImageBytesNamedJpg_Returns400Code28()
    {
        using var response = await DetectAsync(File(Encoding.UTF8.GetBytes("definitely not a picture"), "face.jpg"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 28);
    }

    [Fact]
    public async Task Detect_EmptyFile_Returns400Code28()
    {
        using var response = await DetectAsync(File([], "face.jpg"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 28);
    }

    [Fact]
    public async Task Detect_TruncatedJpeg_AnswersWithoutServerError()
    {
        using var response = await DetectAsync(File(SharedData.ImgToolBytes("truncated.jpg"), "truncated.jpg"));

        if (response.StatusCode != HttpStatusCode.OK)
        {
            await AssertErrorAsync(response, HttpStatusCode.BadRequest, 28);
        }
    }

    [Theory]
    [InlineData("corrupted.png")]
    [InlineData("empty.png")]
    public async Task Detect_BrokenPng_Returns400Code28(string name)
    {
        using var response = await DetectAsync(File(SharedData.ImgToolBytes(name), name));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 28);
    }

    [Fact]
    public async Task Detect_OnePixelImage_Returns400Code28()
    {
        using var response = await DetectAsync(File(CraftedImages.OnePixelPng, "pixel.png"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 28);
    }

    [Fact]
    public async Task Detect_PngHeaderClaiming50000Squared_Returns400Code28()
    {
        // That the decoder refuses it from the header, without allocating the pixels, is ImageDecoderTests' concern.
        using var response = await DetectAsync(File(CraftedImages.PngHeader(50000, 50000), "bomb.png"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 28);
    }

    [Fact]
    public async Task Detect_FileOverMaxFileSize_Returns400Code0()
    {
        var big = new byte[(5 * 1024 * 1024) + 1];

        using var response = await DetectAsync(File(big, "big.jpg"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 0);
    }

    [Fact]
    public async Task Detect_RequestOverMaxRequestSize_Returns413()
    {
        var huge = new byte[(10 * 1024 * 1024) + 1];
        using var content = new ByteArrayContent(huge);
        content.Headers.ContentType = new("application/json");

        using var response = await DetectAsync(content);

        await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, 0);
    }

    [Fact]
    public async Task Detect_ChunkedMultipartOverMaxRequestSize_Returns413Code0()
    {
        using var content = ChunkedContent.Multipart("b", quoteBoundary: false, ("file", new byte[(10 * 1024 * 1024) + 1], "big.jpg"));

        using var response = await DetectAsync(content);

        await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, 0);
    }

    [Theory]
    [InlineData("no boundary at all")]
    [InlineData("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\nunterminated")]
    [InlineData("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"")]
    public async Task Detect_MalformedMultipart_Returns400Code0(string body)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=b");

        using var response = await DetectAsync(content);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 0, "Something went wrong, please try again");
    }

    [Fact]
    public async Task Detect_MultipartBeyondPartOrHeaderLimits_Returns400Code0()
    {
        // ASP.NET's form reader defaults: at most 1024 parts and 16 KB of headers per part.
        var parts = new StringBuilder();
        for (var i = 0; i < 1025; i++)
        {
            parts.Append($"--b\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\n{i}\r\n");
        }

        var longHeader = $"--b\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Long: {new string('x', 17 * 1024)}\r\n\r\n1\r\n";
        foreach (var body in new[] { parts + "--b--\r\n", longHeader + "--b--\r\n" })
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=b");

            using var response = await DetectAsync(content);

            await AssertErrorAsync(response, HttpStatusCode.BadRequest, 0);
        }
    }

    [Fact]
    public async Task Detect_SdkStyleMultipartWithRepeatedFields_JoinsThemAndReadsThePhoto()
    {
        using var content = File(SharedData.SampleBytes("000_5.jpg"));
        content.Add(new StringContent("age"), "face_plugins");
        content.Add(new StringContent("gender"), "face_plugins");
        content.Add(new StringContent("2"), "limit");

        var body = await ReadJsonAsync(await DetectAsync(content));

        var faces = body.GetProperty("result");
        Assert.Equal(2, faces.GetArrayLength());
        Assert.All(faces.EnumerateArray(), f => AssertKeys(f, "box", "age", "gender"));
    }

    [Fact]
    public async Task Detect_MultipartWithoutBoundary_Returns400Code0()
    {
        // What the JS SDK sends for a file given by path.
        var body = "--------------------------05993dc9b2fcced668df3afa\r\nContent-Disposition: form-data; name=\"file\"; filename=\"example.jpg\"\r\n\r\nxyz\r\n--------------------------05993dc9b2fcced668df3afa--\r\n";
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data");

        using var response = await DetectAsync(content);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 0, "Something went wrong, please try again");
    }

    [Fact]
    public async Task Detect_NegativeLimit_Returns400Code26()
    {
        using var response = await DetectAsync(File(SharedData.SampleBytes("001_A.jpg")), "?limit=-1");

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26, "Limit should be equal or greater than 0; ");
    }

    [Theory]
    [InlineData("?limit=abc")]
    [InlineData("?det_prob_threshold=0,8")]
    [InlineData("?status=maybe")]
    public async Task Detect_UnparseableParameter_Returns400Code26(string query)
    {
        using var response = await DetectAsync(File(SharedData.SampleBytes("001_A.jpg")), query);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26);
    }

    [Theory]
    [InlineData("?det_prob_threshold=1.5")]
    [InlineData("?det_prob_threshold=-0.1")]
    public async Task Detect_ThresholdOutsideUnitInterval_Returns400Code28(string query)
    {
        using var response = await DetectAsync(File(SharedData.SampleBytes("001_A.jpg")), query);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 28);
    }
}
