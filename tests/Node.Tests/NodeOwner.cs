using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace CompreFace.Node.Tests;

/// <summary>The node's owner account, as the admin API's first user signs up and in.</summary>
internal static class NodeOwner
{
    public const string Email = "owner@example.com";
    public const string Password = "owner-password-1";

    /// <summary>Signs the owner up (the first user; only when <paramref name="register"/>) and in on <paramref name="http"/>, whose handler keeps the session cookie.</summary>
    public static async Task SignInAsync(HttpClient http, bool register = true)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (register)
        {
            using var registered = await http.PostAsJsonAsync("/admin/user/register", new { email = Email, password = Password, firstName = "O", lastName = "Wner" });
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        using var login = new HttpRequestMessage(HttpMethod.Post, "/admin/oauth/token");
        login.Headers.Authorization = new AuthenticationHeaderValue("Basic", "Q29tbW9uQ2xpZW50SWQ6cGFzc3dvcmQ=");
        login.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = Email, ["password"] = Password });
        using var answer = await http.SendAsync(login);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }
}
