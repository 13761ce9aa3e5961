using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace CompreFace.Admin.Tests;

/// <summary>
/// The three official SDKs' flows (JavaScript 1.0.0, Python 0.6.0, .NET 1.0.2), replayed request by request from what
/// they really send (<c>shared/data/sdk-wire-captures</c>: method, URL, content type, multipart headers and boundary
/// style, API key, JSON bodies) against a node on the embedded defaults of issue P7: CompreFace's demo keys live,
/// sign-up by invitation, rate limits on, and a client that is not on the node's host (nothing exempt). The captures
/// leave image bytes out; they are filled in with a sample photo, and the image id the SDK used (a recording server's
/// zero id) with that of a face this flow added; when the flow has since deleted that face's subject (the recording
/// server did not care), a face is added first, as the SDK's test fixture does against a real server. Every request must be served as CompreFace serves it: 2xx, except
/// what CompreFace refuses as well (the JS SDK's multipart without a boundary, a subject created twice).
/// </summary>
public sealed class SdkFlowTests
{
    private const string RecordedImageId = "00000000-0000-0000-0000-000000000000";

    [Theory]
    [InlineData("js-sdk-1.0.0.jsonl")]
    [InlineData("python-sdk-0.6.0.jsonl")]
    [InlineData("net-sdk-1.0.2.jsonl")]
    public async Task SdkFlow_OnTheEmbeddedDefaults_IsServedAsCompreFaceServesIt(string capture)
    {
        using var factory = new EmbeddedDefaultFactory();
        using var client = factory.CreateClient();
        var photo = SharedData.SampleBytes("009_C.jpg");
        var subjects = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        (string Id, string Subject)? image = null;
        var lines = await File.ReadAllLinesAsync(Path.Combine(SharedData.DataDirectory, "sdk-wire-captures", capture));
        Assert.NotEmpty(lines);

        foreach (var (line, index) in lines.Where(l => l.Length > 0).Select((l, i) => (l, i)))
        {
            var recorded = JsonSerializer.Deserialize<RecordedRequest>(line, JsonSerializerOptions.Web)!;
            if (recorded.Url.Contains(RecordedImageId, StringComparison.Ordinal) && (image is null || !subjects.Contains(image.Value.Subject)))
            {
                image = (await AddFaceAsync(client, recorded.ApiKey, photo, "SDK flow fixture"), "SDK flow fixture");
                subjects.Add("SDK flow fixture");
            }

            var url = image is { } known ? recorded.Url.Replace(RecordedImageId, known.Id, StringComparison.Ordinal) : recorded.Url;
            using var request = new HttpRequestMessage(new HttpMethod(recorded.Method), url);
            request.Headers.Add("x-api-key", recorded.ApiKey);
            request.Content = Body(recorded, photo);
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var what = $"{capture} #{index}: {recorded.Method} {recorded.Url} -> {(int)response.StatusCode} {text[..Math.Min(text.Length, 300)]}";

            var expected = Expect(recorded, subjects);
            if (expected is { } refusal)
            {
                // CompreFace refuses it too: the error shape every refusal has, with its status.
                Assert.True(response.StatusCode == refusal.Status, what);
                using var error = JsonDocument.Parse(text);
                Assert.True(error.RootElement.TryGetProperty("message", out _) && error.RootElement.TryGetProperty("code", out var code)
                    && (refusal.Code is null || code.GetInt32() == refusal.Code), what);
                continue;
            }

            Assert.True((int)response.StatusCode is >= 200 and < 300, what);
            if (recorded.Method == "POST" && recorded.Url.StartsWith("/api/v1/recognition/faces?", StringComparison.Ordinal))
            {
                using var added = JsonDocument.Parse(text);
                image = (added.RootElement.GetProperty("image_id").GetString()!, added.RootElement.GetProperty("subject").GetString()!);
            }
        }
    }

    private static async Task<string> AddFaceAsync(HttpClient client, string apiKey, byte[] photo, string subject)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(photo), "file", "fixture.jpg" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/recognition/faces?subject=" + Uri.EscapeDataString(subject)) { Content = form };
        request.Headers.Add("x-api-key", apiKey);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        using var added = JsonDocument.Parse(text);
        return added.RootElement.GetProperty("image_id").GetString()!;
    }

    /// <summary>What CompreFace answers instead of a success, or null for a success; keeps track of the subjects.</summary>
    private static (HttpStatusCode Status, int? Code)? Expect(RecordedRequest recorded, HashSet<string> subjects)
    {
        if (recorded.ContentType is "multipart/form-data")
        {
            // The JS SDK given a file path where it wants the bytes sends a multipart body with no boundary.
            return (HttpStatusCode.BadRequest, null);
        }

        var path = Uri.UnescapeDataString(recorded.Url.Split('?')[0]);
        if (recorded.Method == "POST" && path == "/api/v1/recognition/subjects")
        {
            var name = JsonDocument.Parse(recorded.Preview).RootElement.GetProperty("subject").GetString()!;
            return subjects.Add(name) ? null : (HttpStatusCode.BadRequest, 43);
        }

        if (recorded.Method == "DELETE" && path.StartsWith("/api/v1/recognition/subjects/", StringComparison.Ordinal))
        {
            subjects.Remove(path["/api/v1/recognition/subjects/".Length..]);
        }
        else if (recorded.Method == "POST" && path == "/api/v1/recognition/faces"
            && QueryValue(recorded.Url, "subject") is { } subject)
        {
            subjects.Add(subject);
        }

        return null;
    }

    private static string? QueryValue(string url, string key) =>
        url.Split('?', 2) is [_, var query]
            ? query.Split('&').Select(p => p.Split('=', 2)).Where(p => p[0] == key && p.Length == 2).Select(p => Uri.UnescapeDataString(p[1])).FirstOrDefault()
            : null;

    /// <summary>The body as the SDK sent it, with the photo where the capture left the bytes out.</summary>
    private static ByteArrayContent? Body(RecordedRequest recorded, byte[] photo)
    {
        if (recorded.ContentType is null)
        {
            return null;
        }

        if (recorded.ContentType.StartsWith("application/json", StringComparison.Ordinal))
        {
            var json = recorded.Len > 0 && recorded.Preview.Length == recorded.Len
                ? recorded.Preview
                : JsonImage(recorded.Url, Convert.ToBase64String(photo));
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
            content.Headers.TryAddWithoutValidation("Content-Type", recorded.ContentType);
            return recorded.Len == 0 ? null : content;
        }

        // multipart: the preview's lines (" | "-separated), a part's elided content being the photo.
        var tokens = recorded.Preview.Split(" | ");
        var boundaryLine = tokens[0];
        using var body = new MemoryStream();
        void Write(string text) => body.Write(Encoding.UTF8.GetBytes(text));
        for (var i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            if (token.StartsWith(boundaryLine, StringComparison.Ordinal))
            {
                if (i > 0)
                {
                    Write("\r\n");
                }

                Write(token);
                if (token.EndsWith("--", StringComparison.Ordinal))
                {
                    Write("\r\n");
                    break;
                }

                Write("\r\n");
                continue;
            }

            if (token.Length == 0)
            {
                // End of a part's headers: its content is the literal next token when the capture kept one, else the photo.
                Write("\r\n");
                if (i + 1 < tokens.Length && !tokens[i + 1].StartsWith(boundaryLine, StringComparison.Ordinal))
                {
                    Write(tokens[++i]);
                }
                else
                {
                    body.Write(photo);
                }

                continue;
            }

            Write(token + "\r\n");
        }

        var multipart = new ByteArrayContent(body.ToArray());
        multipart.Headers.TryAddWithoutValidation("Content-Type", recorded.ContentType);
        return multipart;
    }

    /// <summary>CompreFace's base64 bodies: <c>file</c>, or <c>source_image</c> and <c>target_image</c> for verification.</summary>
    private static string JsonImage(string url, string base64) =>
        url.StartsWith("/api/v1/verification/verify", StringComparison.Ordinal)
            ? string.Create(CultureInfo.InvariantCulture, $$"""{"source_image":"{{base64}}","target_image":"{{base64}}"}""")
            : string.Create(CultureInfo.InvariantCulture, $$"""{"file":"{{base64}}"}""");

    private sealed record RecordedRequest(string Method, string Url, string? Ctype, string ApiKey, int Len, string Preview)
    {
        public string? ContentType => Ctype;
    }

    /// <summary>The product's defaults (no registration or rate-limit setting), reached from a public address.</summary>
    private sealed class EmbeddedDefaultFactory : AdminFactory
    {
        protected override string? Registration => null;

        protected override IPAddress ClientAddress => IPAddress.Parse("203.0.113.77");
    }
}
