using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using static CompreFace.WebApi.Tests.ApiTestHelpers;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// The exact JSON of every plugin, through a real node with the real models, against answers captured from the node
/// before the plugin path was made generic (docs/decisions/0018-face-results-and-model-identity.md): same keys, same
/// order, same strings and literals, token for token. Only the values of <c>execution_time</c> (wall times) are masked,
/// and numbers are compared to within what ONNX Runtime's kernels for another CPU change in a model's output.
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

        AssertSameJson(await System.IO.File.ReadAllTextAsync(path), actual);
    }

    /// <summary>
    /// <paramref name="actual"/> is <paramref name="expected"/> token by token, but for numbers, which may differ by
    /// 1e-3 relative (whole numbers by one: a pixel rounded on the other side of .5): ONNX Runtime picks its kernels by
    /// CPU, and the same photo gives liveness 0.5323 on an AVX-512 machine and 0.53229 on an AVX2 one.
    /// </summary>
    private static void AssertSameJson(string expected, string actual)
    {
        var want = new Utf8JsonReader(Encoding.UTF8.GetBytes(expected));
        var got = new Utf8JsonReader(Encoding.UTF8.GetBytes(actual));
        while (want.Read())
        {
            var start = (int)Math.Max(0, got.TokenStartIndex - 60);
            var at = $"at byte {got.TokenStartIndex}: …{actual[start..Math.Min(actual.Length, start + 120)]}…";
            Assert.True(got.Read() && got.TokenType == want.TokenType, $"{want.TokenType} expected {at}");
            if (want.TokenType is JsonTokenType.PropertyName or JsonTokenType.String)
            {
                Assert.True(want.GetString() == got.GetString(), $"\"{want.GetString()}\" expected {at}");
            }
            else if (want.TokenType == JsonTokenType.Number)
            {
                var (x, y) = (want.GetDouble(), got.GetDouble());
                var whole = !Encoding.UTF8.GetString(want.ValueSpan).Any(c => c is '.' or 'e' or 'E');
                var tolerance = whole ? 1 : 1e-3 * Math.Max(1, Math.Abs(x));
                Assert.True(Math.Abs(x - y) <= tolerance, string.Create(CultureInfo.InvariantCulture, $"{x} expected, {y} {at}"));
            }
        }

        Assert.False(got.Read(), $"more than expected after byte {got.TokenStartIndex}");
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
