using System.Text.Json;
using CompreFace.Grains.Interfaces;
using CompreFace.Inference;
using CompreFace.Inference.Plugins;
using CompreFace.WebApi.Binding;
using CompreFace.WebApi.Contracts;
using CompreFace.WebApi.Faces;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// CompreFace's presentation of the worker's model facts, in the one mapper that applies it (the endpoint tests check
/// the same rules through a real node; these pin each rule on its own, with exact numbers).
/// </summary>
public sealed class FaceMapperTests
{
    private static readonly CalculatorIdentity Calculator = new("test.Calculator@1", 1.1, 6.3, 3);

    [Fact]
    public void Detection_BoxOutsideThePicture_RoundedClampedAndProbabilityUnrounded()
    {
        var result = Result([Face(new FaceBox(0.123456789, -3.4f, 10.6f, 830.2f, 20.4f))]);

        var box = FaceMapper.Detection(result, Parameters()).Result[0].Box;

        Assert.Equal(new BoxDto(0.123456789, 819, 20, 0, 11), box);
    }

    [Fact]
    public void Recognition_NoPluginsNoStatus_WritesSubjectsThenBoxInCompreFaceOrder()
    {
        var result = Result([Face(new FaceBox(0.123456789, 1.2f, 2.7f, 30.5001f, 40f))]);

        var response = FaceMapper.Recognition(result, Parameters(), [[new SubjectSimilarityDto("Rita", 0.98765)]]);

        Assert.Equal(
            """{"result":[{"subjects":[{"subject":"Rita","similarity":0.98765}],"box":{"probability":0.12346,"x_max":31,"y_max":40,"x_min":1,"y_min":3}}]}""",
            JsonSerializer.Serialize(response, ApiJson.Options));
    }

    [Fact]
    public void Detection_StatusWithPlugins_TimesSharedPerFaceAndLandmarkPluginsLeftOut()
    {
        var faces = new[] { Face(Box(), landmarks68: true), Face(Box(), landmarks68: true) };
        var result = Result(faces) with
        {
            Calculator = Calculator,
            PluginVersions = new Dictionary<string, string> { ["age"] = "age@1", ["landmarks68"] = "lm@1" },
            Timings = new AnalysisTimings
            {
                DetectMs = 10,
                EmbedMs = 4,
                PluginsMs = new Dictionary<string, double> { ["age"] = 6, ["landmarks68"] = 2 },
            },
        };

        var response = FaceMapper.Detection(result, Parameters("age,landmarks68", status: true));

        Assert.Equal(["detector", "calculator", "age"], response.PluginsVersions!.Keys);
        Assert.Equal(["det@1", "test.Calculator@1", "age@1"], response.PluginsVersions.Values);
        Assert.All(response.Result, face =>
        {
            Assert.Equal(new Dictionary<string, double> { ["detector"] = 5, ["calculator"] = 2, ["age"] = 3 }, face.ExecutionTime);
            using var json = JsonDocument.Parse(JsonSerializer.Serialize(face, ApiJson.Options));
            var landmarks = json.RootElement.GetProperty("landmarks");
            Assert.Equal(68, landmarks.GetArrayLength());
            Assert.Equal("[3,5]", landmarks[67].GetRawText());
            Assert.Equal("""{"probability":0.9,"high":30,"low":25}""", json.RootElement.GetProperty("age").GetRawText());
            Assert.Equal(["box", "age", "landmarks", "execution_time"], json.RootElement.EnumerateObject().Select(p => p.Name));
        });
    }

    [Fact]
    public void Detection_PluginsAskedFor_WrittenWithCompreFaceKeysInOrder()
    {
        var face = Face(new FaceBox(0.5, 1, 2, 3, 4)) with
        {
            Plugins =
            [
                .. Face(Box()).Plugins,
                PluginValue.From("pose", new HeadPose(1.5, -2.25, 3)),
                PluginValue.From("mask", new MaskEstimate(0.75, "without_mask")),
                PluginValue.From("quality", new QualityEstimate(0.5, 0.25, 0.125, 1, 0.875)),
            ],
        };

        var response = FaceMapper.Detection(Result([face]), Parameters("age,gender,pose,mask,quality"));

        Assert.Equal(
            """{"result":[{"box":{"probability":0.5,"x_max":3,"y_max":4,"x_min":1,"y_min":2},"age":{"probability":0.9,"high":30,"low":25},"gender":{"probability":0.8,"value":"female"},"pose":{"pitch":1.5,"roll":-2.25,"yaw":3},"mask":{"probability":0.75,"value":"without_mask"},"quality":{"score":0.5,"sharpness":0.25,"size":0.125,"frontal":1,"confidence":0.875}}]}""",
            JsonSerializer.Serialize(response, ApiJson.Options));
    }

    [Fact]
    public void Detection_PluginOutputNotAskedFor_IsOmitted()
    {
        var result = Result([Face(Box(), landmarks68: true) with { Embedding = [1f, 0f, 0f] }]);

        var face = FaceMapper.Detection(result, Parameters("landmarks")).Result[0];

        Assert.Equal(
            """{"box":{"probability":0.99,"x_max":50,"y_max":60,"x_min":10,"y_min":10},"landmarks":[[1,2],[4,5],[7,8],[10,11],[13,14]]}""",
            JsonSerializer.Serialize(face, ApiJson.Options));
    }

    [Fact]
    public void FaceVerification_TwoFaces_ScoredWithTheResultsCalculator()
    {
        var result = Result([Face(Box()) with { Embedding = [1f, 0f, 0f] }, Face(Box()) with { Embedding = [0f, 1f, 0f] }]) with
        {
            Calculator = Calculator,
        };

        var response = FaceMapper.FaceVerification(result, Parameters(), new StoredFace("Rita", [1f, 0f, 0f]));

        Assert.Equal(["Rita", "Rita"], response.Result.Select(f => f.Subject));
        Assert.Equal(Similarity.FromDistance(0, Calculator.C0, Calculator.C1), response.Result[0].Similarity);
        Assert.Equal(Similarity.FromDistance(Math.Sqrt(2), Calculator.C0, Calculator.C1), response.Result[1].Similarity);
    }

    private static FaceRequestParameters Parameters(string? plugins = null, bool status = false) =>
        new(0, null, FacePlugins.Parse(plugins), status);

    private static FaceBox Box() => new(0.99, 10, 10, 50, 60);

    private static FaceAnalysisResult Result(FaceData[] faces) => new()
    {
        Faces = faces,
        DetectorVersion = "det@1",
        Width = 819,
        Height = 546,
    };

    private static FaceData Face(FaceBox box, bool landmarks68 = false) => new()
    {
        Box = box,
        Landmarks = [new(1.2f, 2.4f), new(4f, 5f), new(7f, 8f), new(10f, 11f), new(13f, 14f)],
        Plugins =
        [
            PluginValue.From("age", new AgeEstimate(0.9, 30, 25, 27.4)),
            PluginValue.From("gender", new GenderEstimate(0.8, "female")),
            .. landmarks68 ? [PluginValue.From("landmarks68", Enumerable.Range(0, 68).Select(_ => new PointF(2.6f, 4.5001f)).ToArray())] : Array.Empty<PluginValue>(),
        ],
    };
}
