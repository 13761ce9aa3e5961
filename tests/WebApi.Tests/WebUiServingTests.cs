using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// The web UI's files at <c>/</c> (decision 0013) beside the APIs: every module the UI imports is served, and no UI file
/// shadows <c>/api</c>, <c>/admin</c> or <c>/core</c>, whose unmatched paths keep CompreFace's errors.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed partial class WebUiServingTests(ApiFactory factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Root_ServesTheUiShell_RevalidatedAndNotSniffed()
    {
        using var response = await _client.GetAsync(new Uri("/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<script type=\"module\" src=\"js/main.js\">", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Root_UiPolicy_RunsOnlyItsOwnScriptsAndIsNeverFramed()
    {
        using var response = await _client.GetAsync(new Uri("/", UriKind.Relative));

        // A stored name that reached a DOM sink could run nothing: no inline script or handler, no other origin.
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-", policy, StringComparison.Ordinal);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("same-origin", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Theory]
    [InlineData("/api/v1/recognition/subjects", true)]
    [InlineData("/api/v1/recognition/subjects", false)]
    [InlineData("/admin/status", false)]
    [InlineData("/admin/user/me", false)]
    public async Task ApiAnswers_AnswersAndErrors_AreNeitherStoredNorSniffedNorFramed(string path, bool withKey)
    {
        // Subject lists, users and faces are personal data: no browser or proxy cache may keep them.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (withKey)
        {
            request.Headers.Add("x-api-key", ApiFactory.RecognitionKey);
        }

        using var response = await _client.SendAsync(request);

        Assert.True(response.Headers.CacheControl?.NoStore, $"{path}: Cache-Control {response.Headers.CacheControl}");
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.StartsWith("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Modules_EveryImportFromMainJs_IsServedAsJavaScript()
    {
        // Walks the import graph the browser would load, so a renamed file or a typo in a path fails here, not in a browser.
        var pending = new Queue<string>(["js/main.js"]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryDequeue(out var path))
        {
            if (!seen.Add(path))
            {
                continue;
            }

            using var response = await _client.GetAsync(new Uri("/" + path, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"/{path}: {(int)response.StatusCode}");
            Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
            var directory = path[..(path.LastIndexOf('/') + 1)];
            foreach (Match import in ImportPattern().Matches(await response.Content.ReadAsStringAsync()))
            {
                pending.Enqueue(Normalize(directory + import.Groups[1].Value));
            }
        }

        Assert.True(seen.Count >= 10, $"Only {seen.Count} modules found: {string.Join(", ", seen)}");
        using var css = await _client.GetAsync(new Uri("/app.css", UriKind.Relative));
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/core/unknown", HttpStatusCode.NotFound, 0)]
    [InlineData("/api/v1/unknown", HttpStatusCode.BadRequest, 20)]
    [InlineData("/api/v1/index.html", HttpStatusCode.BadRequest, 20)]
    public async Task ApiPaths_NotUiFiles_KeepCompreFaceErrors(string path, HttpStatusCode status, int code)
    {
        using var response = await _client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(status, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(code, body.RootElement.GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("/admin/")]
    [InlineData("/admin/index.html")]
    [InlineData("/js/")]
    [InlineData("/apps")]
    public async Task OtherPaths_AreNotAnsweredWithTheUi(string path)
    {
        // Pages are hash routes (/#/apps): the server has no catch-all that could answer HTML for an unknown path.
        using var response = await _client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task AdminStatus_StillServedBesideTheUi()
    {
        using var response = await _client.GetAsync(new Uri("/admin/status", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"status\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part == "..")
            {
                parts.RemoveAt(parts.Count - 1);
            }
            else if (part is not ("." or ""))
            {
                parts.Add(part);
            }
        }

        return string.Join('/', parts);
    }

    [GeneratedRegex(@"^import\s[^;]*?from\s+'([^']+)'", RegexOptions.Multiline)]
    private static partial Regex ImportPattern();
}
