using System.Net;
using System.Text;

namespace CompreFace.Admin.Tests;

/// <summary>
/// Cross-site request forgery on <c>/admin</c> (P7): a browser request that says it comes from another site or origin
/// cannot change anything with the victim's session cookie, and bodies must be JSON (which no cross-site form can send
/// without a CORS preflight the node never grants).
/// </summary>
[Collection(AdminTestGroup.Name)]
public sealed class CsrfTests(AdminNode node)
{
    [Theory]
    [InlineData("Origin", "https://evil.example")]
    [InlineData("Origin", "http://localhost.evil.example")]
    [InlineData("Origin", "null")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    public async Task UnsafeAdminCall_FromAnotherSite_Is403AndChangesNothing(string header, string value)
    {
        using var owner = await node.OwnerAsync();
        var (_, before) = await owner.SendAsync(HttpMethod.Get, "/admin/apps");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/app")
        {
            Content = new StringContent("""{"name":"forged"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(header, value);
        using var response = await owner.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("""{"message":"Cross-site request refused","code":1}""", await response.Content.ReadAsStringAsync());
        var (_, after) = await owner.SendAsync(HttpMethod.Get, "/admin/apps");
        Assert.Equal(before.GetRawText(), after.GetRawText());
    }

    [Fact]
    public async Task Login_FromAnotherSite_Is403()
    {
        using var client = AdminClient.Create(node.Factory);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/oauth/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password", ["username"] = AdminNode.OwnerEmail, ["password"] = AdminNode.OwnerPassword,
            }),
        };
        request.Headers.Add("Authorization", "Basic " + AdminClient.UiBasic);
        request.Headers.Add("Sec-Fetch-Site", "cross-site");
        using var response = await client.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie");
    }

    [Theory]
    [InlineData("Origin", "http://localhost")]
    [InlineData("Sec-Fetch-Site", "same-origin")]
    public async Task UnsafeAdminCall_FromTheUisOwnOrigin_IsServed(string header, string value)
    {
        using var owner = await node.OwnerAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/app")
        {
            Content = new StringContent("""{"name":"own-origin-""" + Guid.NewGuid().ToString("N")[..8] + "\"}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(header, value);
        using var response = await owner.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task AdminJsonEndpoint_BodyThatIsNotJson_Is415WithTheErrorJson(string contentType)
    {
        using var owner = await node.OwnerAsync();
        var (_, before) = await owner.SendAsync(HttpMethod.Get, "/admin/apps");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/app")
        {
            Content = new StringContent("""{"name":"forged-by-form"}""", Encoding.UTF8, contentType),
        };
        using var response = await owner.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("\"code\":0", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var (_, after) = await owner.SendAsync(HttpMethod.Get, "/admin/apps");
        Assert.Equal(before.GetRawText(), after.GetRawText());
    }
}
