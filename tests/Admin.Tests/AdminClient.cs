using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CompreFace.Admin.Tests;

/// <summary>An HTTP client of the admin API that keeps its cookies like the UI does (the session cookie is its only credential).</summary>
public sealed class AdminClient : IDisposable
{
    /// <summary>The client credentials the UI hardcodes.</summary>
    public const string UiBasic = "Q29tbW9uQ2xpZW50SWQ6cGFzc3dvcmQ=";

    private (string Email, string Password)? _credentials;

    private AdminClient(HttpClient http) => Http = http;

    /// <summary>A client over an HTTP client of the test's own (a real socket with settings of its own); it owns <paramref name="http"/>.</summary>
    public static AdminClient Over(HttpClient http) => new(http);

    public HttpClient Http { get; }

    /// <summary>A client; <paramref name="clientAddress"/> plays the address its requests come from (else the factory's).</summary>
    public static AdminClient Create(WebApplicationFactory<Program> factory, bool handleCookies = true, string? clientAddress = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var http = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = factory.ClientOptions.BaseAddress, HandleCookies = handleCookies, AllowAutoRedirect = false });
        if (clientAddress is not null)
        {
            http.DefaultRequestHeaders.Add(ClientAddressFilter.Header, clientAddress);
        }

        return new(http);
    }

    /// <summary>
    /// A public address no other test plays: a random /64 of the IPv6 documentation prefix (2001:db8::/32), so the
    /// per-address limits of one test never count another's requests.
    /// </summary>
    public static string RandomPublicAddress() =>
        $"2001:db8:{Random.Shared.Next(0x10000):x}:{Random.Shared.Next(0x10000):x}::1";

    /// <summary>A client of <paramref name="factory"/> that signed up with these details and is logged in as that user.</summary>
    public static async Task<AdminClient> SignedUpAsync(
        WebApplicationFactory<Program> factory, string email, string password, string firstName, string lastName)
    {
        var client = Create(factory);
        try
        {
            await client.RegisterAsync(email, password, firstName, lastName);
            await client.LoginAsync(email, password);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public async Task RegisterAsync(string email, string password, string firstName, string lastName)
    {
        using var response = await Http.PostAsJsonAsync("/admin/user/register", new { email, password, firstName, lastName });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>The UI's login: multipart form, Basic client header.</summary>
    public async Task<HttpResponseMessage> TryLoginAsync(string email, string password)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("password"), "grant_type" },
            { new StringContent(email), "username" },
            { new StringContent(password), "password" },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/oauth/token") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", UiBasic);
        return await Http.SendAsync(request);
    }

    public async Task LoginAsync(string email, string password)
    {
        using var response = await TryLoginAsync(email, password);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        _credentials = (email, password);
    }

    /// <summary>Logs in again with the credentials of the last <see cref="LoginAsync"/> (after a change that ended the session).</summary>
    public Task LoginAgainAsync() =>
        _credentials is var (email, password) ? LoginAsync(email, password) : throw new InvalidOperationException("This client never logged in.");

    public async Task<HttpResponseMessage> RefreshAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/oauth/token?grant_type=refresh_token&scope=all")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "refresh_token"), new("scope", "all")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", UiBasic);
        return await Http.SendAsync(request);
    }

    public async Task<Guid> UserIdAsync()
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "/admin/user/me");
        Assert.Equal(HttpStatusCode.OK, status);
        return body.GetProperty("userId").GetGuid();
    }

    /// <summary>Sends a request with an optional JSON body (an object, or a raw string sent as is).</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, object? body = null, string? apiKey = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is string raw)
        {
            request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (apiKey is not null)
        {
            request.Headers.Add("x-api-key", apiKey);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response.StatusCode, json);
    }

    /// <summary>Posts a photo as the multipart <c>file</c> part to a face API path with a key.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> PostPhotoAsync(string path, string apiKey, byte[] photo)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(photo);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(file, "file", "photo.jpg");
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = form };
        request.Headers.Add("x-api-key", apiKey);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>The caller's email.</summary>
    public async Task<string> EmailAsync()
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "/admin/user/me");
        Assert.Equal(HttpStatusCode.OK, status);
        return body.GetProperty("email").GetString()!;
    }

    /// <summary>Creates an application; returns its id.</summary>
    public async Task<Guid> CreateAppAsync(string? name = null)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/admin/app", new { name = name ?? "app-" + Guid.NewGuid().ToString("N")[..12] });
        Assert.Equal(HttpStatusCode.Created, status);
        return body.GetProperty("id").GetGuid();
    }

    /// <summary>Creates a service; returns its id and key.</summary>
    public async Task<(Guid Id, string ApiKey)> CreateServiceAsync(Guid appId, string type = "RECOGNITION")
    {
        var (status, body) = await SendAsync(HttpMethod.Post, $"/admin/app/{appId}/model", new { name = "svc-" + Guid.NewGuid().ToString("N")[..12], type });
        Assert.Equal(HttpStatusCode.Created, status);
        return (body.GetProperty("id").GetGuid(), body.GetProperty("apiKey").GetString()!);
    }

    public void Dispose() => Http.Dispose();
}
