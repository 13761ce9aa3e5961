using System.Net;
using static CompreFace.WebApi.Tests.ApiTestHelpers;

namespace CompreFace.WebApi.Tests;

/// <summary>What every API request goes through: CORS, the API key filter, routing errors; plus the utility endpoints.</summary>
[Collection(ApiTestGroup.Name)]
public sealed class PipelineEndpointTests(ApiFactory factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    [Theory]
    [InlineData("/api/v1/detection/detect")]
    [InlineData("/api/v1/recognition/recognize")]
    [InlineData("/core/status")]
    public async Task Options_ApiPath_Returns204WithCorsHeaders(string path)
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Options, path));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        AssertCors(response);
    }

    [Fact]
    public async Task Config_Get_ReturnsCamelCaseLimitsWithoutKey()
    {
        using var response = await _client.GetAsync("/api/v1/config");

        var body = await ReadJsonAsync(response);
        AssertKeys(body, "clientMaxBodySize", "clientMaxFileSize");
        Assert.Equal(5242880, body.GetProperty("clientMaxFileSize").GetInt64());
        Assert.Equal(10485760, body.GetProperty("clientMaxBodySize").GetInt64());
        AssertCors(response);
    }

    [Fact]
    public async Task ImagesSection_MaxFileAndRequestSize_GovernTheHttpTier()
    {
        // One options type binds Images; the HTTP tier's upload limits are copied from it, not bound a second time.
        using var node = new PartialModelsApiFactory([], new Dictionary<string, string>
        {
            ["Images:MaxFileSize"] = "1000",
            ["Images:MaxRequestSize"] = "3000",
        });
        using var client = node.CreateClient();

        var config = await ReadJsonAsync(await client.GetAsync("/api/v1/config"));
        Assert.Equal(1000, config.GetProperty("clientMaxFileSize").GetInt64());
        Assert.Equal(3000, config.GetProperty("clientMaxBodySize").GetInt64());

        using var overFile = await client.SendAsync(Post("/api/v1/detection/detect", File(new byte[1001], "a.jpg"), ApiFactory.DetectionKey));
        await AssertErrorAsync(overFile, HttpStatusCode.BadRequest, 0);
        using var overRequest = await client.SendAsync(Post("/api/v1/detection/detect", File(new byte[3001], "a.jpg"), ApiFactory.DetectionKey));
        await AssertErrorAsync(overRequest, HttpStatusCode.RequestEntityTooLarge, 0);
    }

    [Fact]
    public async Task Config_TrailingSlash_IsEquivalent()
    {
        using var response = await _client.GetAsync("/api/v1/config/");

        Assert.Equal(5242880, (await ReadJsonAsync(response)).GetProperty("clientMaxFileSize").GetInt64());
    }

    [Fact]
    public async Task CoreStatus_Get_ReturnsCompreFaceFieldsAndExecutionProvider()
    {
        using var response = await _client.GetAsync("/core/status");

        var body = await ReadJsonAsync(response);
        AssertKeys(body, "available_plugins", "build_version", "calculator_version", "execution_provider", "similarity_coefficients", "status");
        Assert.Equal("OK", body.GetProperty("status").GetString());
        Assert.Equal(2, body.GetProperty("similarity_coefficients").GetArrayLength());
        Assert.Contains(body.GetProperty("available_plugins").EnumerateObject(), p => p.Name.Contains("landmarks", StringComparison.Ordinal));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("execution_provider").GetString()));
        AssertCors(response);
    }

    [Fact]
    public async Task CoreHealthcheck_Get_ReturnsOk()
    {
        using var response = await _client.GetAsync("/core/healthcheck");

        var body = await ReadJsonAsync(response);
        AssertKeys(body, "status");
        Assert.Equal("OK", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ApiKey_Missing_Returns400Code20()
    {
        using var response = await _client.SendAsync(Post(DetectUrl, File([1]), apiKey: null));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 20, "Missing header: x-api-key");
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("00000000000000000000000000000003")]
    [InlineData("00000000-0000-0000-0000-00000000000g")]
    [InlineData("00000000-0000-0000-0000-0000000000031")]
    public async Task ApiKey_NotUuid_Returns400Code26(string key)
    {
        using var response = await _client.SendAsync(Post(DetectUrl, File([1]), key));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 26, "Service API key should be UUID");
    }

    [Fact]
    public async Task ApiKey_Unknown_Returns404Code10()
    {
        const string key = "6f1c2a3b-0000-4000-8000-000000000abc";

        using var response = await _client.SendAsync(Post(DetectUrl, File([1]), key));

        await AssertErrorAsync(response, HttpStatusCode.NotFound, 10, $"Detection service with API Key {key} not found");
    }

    [Fact]
    public async Task ApiKey_RecognitionKeyOnDetection_Returns404Code10()
    {
        using var response = await _client.SendAsync(Post(DetectUrl, File([1]), ApiFactory.RecognitionKey));

        await AssertErrorAsync(response, HttpStatusCode.NotFound, 10, $"Detection service with API Key {ApiFactory.RecognitionKey} not found");
    }

    [Fact]
    public async Task ApiKey_UpperCaseKeyAndHeaderName_AreAccepted()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, DetectUrl) { Content = File(SharedData.SampleBytes("001_A.jpg")) };
        request.Headers.Add("X-API-KEY", ApiFactory.DetectionKey.ToUpperInvariant());

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task UnknownApiPath_WithValidKey_Returns404Json()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/detection/nothing-here");
        request.Headers.Add("x-api-key", ApiFactory.DetectionKey);

        using var response = await _client.SendAsync(request);

        await AssertErrorAsync(response, HttpStatusCode.NotFound, 0);
    }

    [Fact]
    public async Task UnknownCorePath_Returns404Json()
    {
        using var response = await _client.GetAsync("/core/nothing-here");

        await AssertErrorAsync(response, HttpStatusCode.NotFound, 0);
    }

    [Fact]
    public async Task WrongMethod_OnExistingPath_Returns404Code0()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, DetectUrl);
        request.Headers.Add("x-api-key", ApiFactory.DetectionKey);

        using var response = await _client.SendAsync(request);

        await AssertErrorAsync(response, HttpStatusCode.NotFound, 0, "Request method 'GET' not supported");
        Assert.Contains("'GET'", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongMethod_OnKeylessPath_Returns404Code0()
    {
        using var response = await _client.PostAsync("/api/v1/config", null);

        await AssertErrorAsync(response, HttpStatusCode.NotFound, 0, "Request method 'POST' not supported");
    }
}
