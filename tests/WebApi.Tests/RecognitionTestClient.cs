using System.Net;
using System.Text.Json;
using static CompreFace.WebApi.Tests.ApiTestHelpers;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// The recognition endpoints as a test uses them, on one node, with the demo recognition key. Only one recognition
/// service exists until the admin issue, so tests isolate themselves by fresh subject names (<see cref="NewSubject"/>).
/// </summary>
internal sealed class RecognitionTestClient(HttpClient client)
{
    public const string SubjectsUrl = "/api/v1/recognition/subjects";
    public const string FacesUrl = "/api/v1/recognition/faces";
    public const string RecognizeUrl = "/api/v1/recognition/recognize";

    public HttpClient Http { get; } = client;

    public static RecognitionTestClient For(Store store, ApiFactory sqlite, PostgresApiNode postgres) =>
        new((store == Store.Sqlite ? sqlite : postgres.Factory).CreateClient());

    public static string NewSubject(string prefix = "s") => $"{prefix}-{Guid.NewGuid():N}";

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, HttpContent? content = null, string? apiKey = ApiFactory.RecognitionKey)
    {
        var request = new HttpRequestMessage(method, url) { Content = content };
        if (apiKey is not null)
        {
            request.Headers.Add("x-api-key", apiKey);
        }

        return Http.SendAsync(request);
    }

    /// <summary>Adds one example from a sample photo; returns its image id.</summary>
    public async Task<string> AddFaceAsync(string subject, string sample)
    {
        using var response = await SendAsync(HttpMethod.Post, $"{FacesUrl}?subject={Uri.EscapeDataString(subject)}", File(SharedData.SampleBytes(sample), sample));
        var body = await ReadJsonAsync(response, HttpStatusCode.Created);
        Assert.Equal(subject, body.GetProperty("subject").GetString());
        return body.GetProperty("image_id").GetString()!;
    }

    public async Task<JsonElement> ListFacesAsync(string query)
    {
        using var response = await SendAsync(HttpMethod.Get, FacesUrl + query);
        return await ReadJsonAsync(response);
    }

    public async Task<string[]> SubjectsAsync()
    {
        using var response = await SendAsync(HttpMethod.Get, SubjectsUrl);
        var body = await ReadJsonAsync(response);
        return body.GetProperty("subjects").EnumerateArray().Select(static s => s.GetString()!).ToArray();
    }

    public async Task<string[]> ImageIdsOfAsync(string subject)
    {
        var body = await ListFacesAsync($"?size=2000&subject={Uri.EscapeDataString(subject)}");
        return body.GetProperty("faces").EnumerateArray().Select(static f => f.GetProperty("image_id").GetString()!).ToArray();
    }

    public async Task<JsonElement> RecognizeAsync(string sample, string query = "")
    {
        using var response = await SendAsync(HttpMethod.Post, RecognizeUrl + query, File(SharedData.SampleBytes(sample), sample));
        return await ReadJsonAsync(response);
    }

    public async Task CreateSubjectAsync(string subject)
    {
        using var response = await SendAsync(HttpMethod.Post, SubjectsUrl, Json(new { subject }));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    public async Task DeleteAllSubjectsAsync()
    {
        using var response = await SendAsync(HttpMethod.Delete, SubjectsUrl);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
