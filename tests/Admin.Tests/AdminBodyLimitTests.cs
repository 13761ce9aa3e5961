using System.Net;
using System.Text;
using System.Text.Json;

namespace CompreFace.Admin.Tests;

/// <summary>
/// <c>/admin</c> bodies are small JSON documents; <c>Limits:MaxAdminRequestSize</c> (1 MiB) refuses bigger ones with
/// 413 in the error shape before any is parsed (Kestrel's own limit is 30 MB). A chunked body is cut off by the
/// server's per-request limit, which the in-process test server does not enforce: <c>ApiExceptionHandlerTests</c> covers
/// its answer.
/// </summary>
[Collection(AdminTestGroup.Name)]
public sealed class AdminBodyLimitTests(AdminNode node)
{
    private const string Expected = "{\"message\":\"Maximum request size of 1048576 bytes exceeded\",\"code\":0}";

    [Fact]
    public async Task Register_DeclaredBodyOverTheAdminLimit_Is413InTheErrorShapeAndNothingStored()
    {
        using var client = AdminClient.Create(node.Factory);
        var email = "big-" + Guid.NewGuid().ToString("N") + "@example.com";
        using var content = new StringContent(BigRegistration(email), Encoding.UTF8, "application/json");

        using var response = await client.Http.PostAsync("/admin/user/register", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(Expected, await response.Content.ReadAsStringAsync());
        using var login = await client.TryLoginAsync(email, "password-123");
        Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
    }

    [Fact]
    public async Task Register_BodyUnderTheAdminLimit_IsServed()
    {
        using var client = AdminClient.Create(node.Factory);
        var email = "padded-" + Guid.NewGuid().ToString("N") + "@example.com";
        var body = JsonSerializer.Serialize(new { email, password = "password-123", firstName = "Pad", lastName = "Ded", padding = new string('x', 900_000) });
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await client.Http.PostAsync("/admin/user/register", content);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static string BigRegistration(string email) =>
        JsonSerializer.Serialize(new { email, password = "password-123", firstName = "Big", lastName = "Body", padding = new string('x', 2 * 1024 * 1024) });
}
