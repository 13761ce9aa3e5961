using System.Text.Json;
using static CompreFace.WebApi.Tests.ApiTestHelpers;

namespace CompreFace.WebApi.Tests;

/// <summary>The face plugins (<c>face_plugins</c>, docs/compreface-behaviour.md#common-parameters and docs/compreface-behaviour.md#face-object) through HTTP against the real node and real models.</summary>
[Collection(ApiTestGroup.Name)]
public sealed class PluginEndpointTests(ApiFactory factory)
{
    private const string RecognizeUrl = "/api/v1/recognition/recognize";
    private static readonly string[] Genders = ["male", "female"];
    private static readonly string[] LivenessValues = ["real", "spoof"];

    private readonly HttpClient _client = factory.CreateClient();

    private async Task<JsonElement> DetectAsync(string sample, string query)
    {
        using var response = await _client.SendAsync(Post(DetectUrl + query, File(SharedData.SampleBytes(sample)), ApiFactory.DetectionKey));
        return await ReadJsonAsync(response);
    }

    [Fact]
    public async Task Detect_AgeGenderPoseMaskLandmarks_ReturnsExactlyTheCompreFaceFields()
    {
        var body = await DetectAsync("000_5.jpg", "?face_plugins=age,gender,pose,mask,landmarks");

        AssertKeys(body, "result");
        var faces = body.GetProperty("result").EnumerateArray().ToArray();
        Assert.Equal(5, faces.Length);
        foreach (var face in faces)
        {
            AssertKeys(face, "age", "box", "gender", "landmarks", "mask", "pose");
            var age = face.GetProperty("age");
            AssertKeys(age, "high", "low", "probability");
            Assert.InRange(age.GetProperty("low").GetInt32(), 0, age.GetProperty("high").GetInt32());
            Assert.InRange(age.GetProperty("probability").GetDouble(), 0, 1);
            var gender = face.GetProperty("gender");
            AssertKeys(gender, "probability", "value");
            Assert.Contains(gender.GetProperty("value").GetString(), Genders);
            Assert.InRange(gender.GetProperty("probability").GetDouble(), 0.5, 1);
            var pose = face.GetProperty("pose");
            AssertKeys(pose, "pitch", "roll", "yaw");
            Assert.All(pose.EnumerateObject(), a => Assert.InRange(a.Value.GetDouble(), -99, 99));
            var mask = face.GetProperty("mask");
            AssertKeys(mask, "probability", "value");
            Assert.Equal("without_mask", mask.GetProperty("value").GetString());
            Assert.Equal(5, face.GetProperty("landmarks").GetArrayLength());
        }
    }

    [Fact]
    public async Task Detect_PluginsWithStatus_ExecutionTimeAndVersionsPerPlugin()
    {
        var body = await DetectAsync("009_C.jpg", "?face_plugins=age,gender,pose,mask,landmarks&status=true");

        AssertKeys(body, "plugins_versions", "result");
        var versions = body.GetProperty("plugins_versions");
        AssertKeys(versions, "age", "detector", "gender", "mask", "pose");
        Assert.All(versions.EnumerateObject(), v => Assert.Matches(@"^\w+\.\w+@\w+$", v.Value.GetString()));
        var face = Assert.Single(body.GetProperty("result").EnumerateArray());
        Assert.Equal("male", face.GetProperty("gender").GetProperty("value").GetString());
        var times = face.GetProperty("execution_time");
        AssertKeys(times, "age", "detector", "gender", "mask", "pose");
        Assert.All(times.EnumerateObject(), t => Assert.True(t.Value.GetDouble() > 0, t.Name));
    }

    [Fact]
    public async Task Detect_UnknownSlug_IsIgnored()
    {
        var body = await DetectAsync("009_C.jpg", "?face_plugins=bogus,gender,landmarks2d106&status=true");

        AssertKeys(body.GetProperty("plugins_versions"), "detector", "gender");
        var face = Assert.Single(body.GetProperty("result").EnumerateArray());
        AssertKeys(face, "box", "execution_time", "gender");
    }

    [Fact]
    public async Task Detect_Landmarks68_SixtyEightPointsUnderLandmarksWithoutVersionOrTime()
    {
        var body = await DetectAsync("009_C.jpg", "?face_plugins=landmarks68&status=true");

        AssertKeys(body.GetProperty("plugins_versions"), "detector");
        var face = Assert.Single(body.GetProperty("result").EnumerateArray());
        AssertKeys(face, "box", "execution_time", "landmarks");
        var box = face.GetProperty("box");
        var points = face.GetProperty("landmarks").EnumerateArray().ToArray();
        Assert.Equal(68, points.Length);
        Assert.True(points.Count(p => p[0].GetInt32() >= box.GetProperty("x_min").GetInt32() - 5 && p[0].GetInt32() <= box.GetProperty("x_max").GetInt32() + 5) >= 60);
    }

    [Fact]
    public async Task Detect_LivenessAndExpression_OptInFields()
    {
        var body = await DetectAsync("009_C.jpg", "?face_plugins=liveness,expression&status=true");

        AssertKeys(body.GetProperty("plugins_versions"), "detector", "expression", "liveness");
        var face = Assert.Single(body.GetProperty("result").EnumerateArray());
        AssertKeys(face, "box", "execution_time", "expression", "liveness");
        Assert.Contains(face.GetProperty("liveness").GetProperty("value").GetString(), LivenessValues);
        Assert.InRange(face.GetProperty("liveness").GetProperty("probability").GetDouble(), 0.5, 1);
        AssertKeys(face.GetProperty("expression"), "probability", "value");
        AssertKeys(face.GetProperty("execution_time"), "detector", "expression", "liveness");
    }

    [Fact]
    public async Task Verify_Plugins_OnSourceAndTargetFaces()
    {
        using var content = Multipart(("source_image", SharedData.SampleBytes("009_C.jpg"), "a.jpg"), ("target_image", SharedData.SampleBytes("000_5.jpg"), "b.jpg"));
        using var response = await _client.SendAsync(Post(VerifyUrl + "?face_plugins=gender,pose&status=true", content, ApiFactory.VerificationKey));

        var body = await ReadJsonAsync(response);
        var result = Assert.Single(body.GetProperty("result").EnumerateArray());
        AssertKeys(result.GetProperty("plugins_versions"), "calculator", "detector", "gender", "pose");
        AssertKeys(result.GetProperty("source_image_face"), "box", "execution_time", "gender", "pose");
        var matches = result.GetProperty("face_matches").EnumerateArray().ToArray();
        Assert.Equal(5, matches.Length);
        Assert.All(matches, m => AssertKeys(m, "box", "execution_time", "gender", "pose", "similarity"));
    }

    [Fact]
    public async Task Recognize_DetectFacesFalse_SkipsPoseAndMaskButKeepsAge()
    {
        using var response = await _client.SendAsync(Post(
            RecognizeUrl + "?face_plugins=age,pose,mask&detect_faces=false", File(SharedData.SampleBytes("009_C.jpg")), ApiFactory.RecognitionKey));

        var body = await ReadJsonAsync(response);
        var face = Assert.Single(body.GetProperty("result").EnumerateArray());
        AssertKeys(face, "age", "box", "subjects");
    }

    [Fact]
    public async Task Recognize_Plugins_AddFieldsBesideSubjects()
    {
        using var response = await _client.SendAsync(Post(
            RecognizeUrl + "?face_plugins=gender,mask", File(SharedData.SampleBytes("009_C.jpg")), ApiFactory.RecognitionKey));

        var body = await ReadJsonAsync(response);
        var face = Assert.Single(body.GetProperty("result").EnumerateArray());
        AssertKeys(face, "box", "gender", "mask", "subjects");
    }

    [Fact]
    public async Task CoreStatus_AvailablePlugins_ListsEverySlugWithLandmarksFirst()
    {
        using var response = await _client.GetAsync("/core/status");

        var plugins = (await ReadJsonAsync(response)).GetProperty("available_plugins").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["landmarks", "calculator", "age", "gender", "pose", "mask", "landmarks68", "liveness", "expression", "quality"], plugins);
    }

    [Fact]
    public async Task Detect_Quality_ScoreAndItsParts()
    {
        var body = await DetectAsync("009_C.jpg", "?face_plugins=quality&status=true");

        AssertKeys(body.GetProperty("plugins_versions"), "detector", "quality");
        var face = Assert.Single(body.GetProperty("result").EnumerateArray());
        var quality = face.GetProperty("quality");
        AssertKeys(quality, "confidence", "frontal", "score", "sharpness", "size");
        Assert.All(quality.EnumerateObject(), q => Assert.InRange(q.Value.GetDouble(), 0, 1));
        Assert.InRange(quality.GetProperty("score").GetDouble(), 0.6, 1);
    }

    [Fact]
    public async Task Detect_MinFaceSize_DropsSmallerFacesAndNoneLeftIsCode28()
    {
        var body = await DetectAsync("000_5.jpg", "?min_face_size=70");
        Assert.Equal(4, body.GetProperty("result").GetArrayLength());

        using var response = await _client.SendAsync(Post(DetectUrl + "?min_face_size=5000", File(SharedData.SampleBytes("000_5.jpg")), ApiFactory.DetectionKey));
        await AssertErrorAsync(response, System.Net.HttpStatusCode.BadRequest, 28);
    }

    [Fact]
    public async Task Detect_MinQuality_OutOfRangeIsCode26AndOneDropsEverything()
    {
        using var bad = await _client.SendAsync(Post(DetectUrl + "?min_quality=1.5", File(SharedData.SampleBytes("009_C.jpg")), ApiFactory.DetectionKey));
        await AssertErrorAsync(bad, System.Net.HttpStatusCode.BadRequest, 26);

        using var none = await _client.SendAsync(Post(DetectUrl + "?min_quality=1", File(SharedData.SampleBytes("009_C.jpg")), ApiFactory.DetectionKey));
        await AssertErrorAsync(none, System.Net.HttpStatusCode.BadRequest, 28);
    }

    [Fact]
    public async Task AddExample_MinFaceSizeAboveTheFace_IsNotEnrolled()
    {
        using var response = await _client.SendAsync(Post(
            "/api/v1/recognition/faces?subject=quality-gate&min_face_size=5000", File(SharedData.SampleBytes("009_C.jpg")), ApiFactory.RecognitionKey));
        await AssertErrorAsync(response, System.Net.HttpStatusCode.BadRequest, 28);
    }

    [Fact]
    public async Task CoreStatus_PluginModelsMissing_NodeStartsAndListsThemUnavailable()
    {
        // A folder without the converted AIZOO mask net and face-api age/gender and 68-point nets (e.g. filled by hand).
        using var node = new PartialModelsApiFactory(["mask_aizoo_260.onnx", "age_gender_faceapi.onnx", "landmark68_faceapi.onnx"]);
        using var client = node.CreateClient();

        using var status = await client.GetAsync("/core/status");
        var plugins = (await ReadJsonAsync(status)).GetProperty("available_plugins").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["landmarks", "calculator", "pose", "liveness", "expression", "quality"], plugins);

        using var detect = await client.SendAsync(Post(DetectUrl + "?face_plugins=mask,gender,pose", File(SharedData.SampleBytes("009_C.jpg")), ApiFactory.DetectionKey));
        var face = Assert.Single((await ReadJsonAsync(detect)).GetProperty("result").EnumerateArray());
        AssertKeys(face, "box", "pose");
    }

    [Fact]
    public async Task Detect_PoseEstimatorLandmarks_WithoutHopeNetAgreesWithItOnTurnedFaces()
    {
        var hopenet = await DetectAsync("012_4.jpg", "?face_plugins=pose");
        using var node = new PartialModelsApiFactory(["headpose_hopenet_faceplugin.onnx"], new Dictionary<string, string> { ["Plugins:PoseEstimator"] = "landmarks" });
        using var client = node.CreateClient();

        using var response = await client.SendAsync(Post(DetectUrl + "?face_plugins=pose&status=true", File(SharedData.SampleBytes("012_4.jpg")), ApiFactory.DetectionKey));
        var body = await ReadJsonAsync(response);
        Assert.Equal("compreface.PoseEstimator@landmark68_solve", body.GetProperty("plugins_versions").GetProperty("pose").GetString());
        var solved = body.GetProperty("result").EnumerateArray().ToArray();
        var reference = hopenet.GetProperty("result").EnumerateArray().ToArray();
        Assert.Equal(reference.Length, solved.Length);
        var turned = 0;
        for (var i = 0; i < solved.Length; i++)
        {
            AssertKeys(solved[i].GetProperty("pose"), "pitch", "roll", "yaw");
            var expected = reference[i].GetProperty("pose").GetProperty("yaw").GetDouble();
            if (Math.Abs(expected) >= 20)
            {
                turned++;
                Assert.Equal(Math.Sign(expected), Math.Sign(solved[i].GetProperty("pose").GetProperty("yaw").GetDouble()));
            }
        }

        Assert.True(turned >= 3, $"{turned} turned faces");
    }
}
