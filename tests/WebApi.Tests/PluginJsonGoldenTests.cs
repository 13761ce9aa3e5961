using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using static CompreFace.WebApi.Tests.ApiTestHelpers;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// The exact JSON of every plugin, through a real node with the real models, against answers captured from the node
/// before the plugin path was made generic (docs/decisions/0018-face-results-and-model-identity.md): same keys, same
/// order, same number formatting, byte for byte. Only the values of <c>execution_time</c> (wall times) are masked.
/// Set <c>COMPREFACE_UPDATE_GOLDEN=1</c> to rewrite the files after a deliberate change of the models or the JSON.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed partial class PluginJsonGoldenTests(ApiFactory factory)
{
    private const string AllPlugins = "age,gender,pose,mask,landmarks68,liveness,expression,quality";

    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public Task Detect_EveryPluginWithStatusAndCalculator_JsonUnchanged() =>
        AssertGoldenAsync(DetectUrl + $"?face_plugins={AllPlugins},calculator&status=true", File(SharedData.SampleBytes("000_5.jpg")), ApiFactory.DetectionKey);

    [Fact]
    public Task Detect_PluginsInRequestOrderWithFivePoints_JsonUnchanged() =>
        AssertGoldenAsync(DetectUrl + "?face_plugins=quality,mask,expression,age,liveness,pose,gender,landmarks&status=true", File(SharedData.SampleBytes("009_C.jpg")), ApiFactory.DetectionKey);

    [Fact]
    public Task Recognize_EveryPluginWithoutDetection_JsonUnchanged() =>
        AssertGoldenAsync("/api/v1/recognition/recognize" + $"?face_plugins={AllPlugins},landmarks&detect_faces=false&status=true", File(SharedData.SampleBytes("009_C.jpg")), ApiFactory.RecognitionKey);

    [Fact]
    public Task Verify_EveryPlugin_JsonUnchanged() =>
        AssertGoldenAsync(
            VerifyUrl + $"?face_plugins={AllPlugins},landmarks",
            Multipart(("source_image", SharedData.SampleBytes("009_C.jpg"), "s.jpg"), ("target_image", SharedData.SampleBytes("000_5.jpg"), "t.jpg")),
            ApiFactory.VerificationKey);

    private async Task AssertGoldenAsync(string url, HttpContent content, string key, [CallerMemberName] string name = "")
    {
        using var response = await _client.SendAsync(Post(url, content, key));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var actual = Masked(text);
        var path = Path.Combine(GoldenDirectory(), name + ".json");
        if (Environment.GetEnvironmentVariable("COMPREFACE_UPDATE_GOLDEN") == "1")
        {
            await System.IO.File.WriteAllTextAsync(path, actual);
        }

        Assert.Equal(await System.IO.File.ReadAllTextAsync(path), actual);
    }

    // Wall times differ from run to run; their keys and order do not. Matches may depend on what other tests enrolled.
    private static string Masked(string json) =>
        SubjectsPattern().Replace(
            ExecutionTimePattern().Replace(json, m => NumberPattern().Replace(m.Value, ":0")),
            "\"subjects\":[]");

    private static string GoldenDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "CompreFace.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "WebApi.Tests", "Golden");
            }
        }

        throw new DirectoryNotFoundException("The tests must run inside the repository.");
    }

    [GeneratedRegex("\"execution_time\":\\{[^}]*\\}")]
    private static partial Regex ExecutionTimePattern();

    [GeneratedRegex(":[-0-9.eE+]+")]
    private static partial Regex NumberPattern();

    [GeneratedRegex("\"subjects\":\\[[^\\]]*\\]")]
    private static partial Regex SubjectsPattern();
}
