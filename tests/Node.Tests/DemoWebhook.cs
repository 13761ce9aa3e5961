using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace CompreFace.Node.Tests;

/// <summary>The webhook on the demo service that the webhook node tests deliver to.</summary>
internal static class DemoWebhook
{
    private const string DemoApp = "00000000-0000-0000-0000-000000000001";
    private const string DemoService = "00000000-0000-0000-0000-000000000001";
    private static readonly string[] FaceAdded = ["face.added"];

    /// <summary>Signs up the first owner and gives the demo service a <c>face.added</c> hook to <paramref name="url"/>; returns its secret.</summary>
    public static async Task<string> CreateAsync(NodeProcess node, Uri url)
    {
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer() };
        using var http = new HttpClient(handler) { BaseAddress = node.BaseAddress };
        await NodeOwner.SignInAsync(http);
        using var created = await http.PostAsJsonAsync($"/admin/app/{DemoApp}/model/{DemoService}/webhooks", new { url = url.ToString(), events = FaceAdded });
        var text = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, text);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("secret").GetString()!;
    }
}
