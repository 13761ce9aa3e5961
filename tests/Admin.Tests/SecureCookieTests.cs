using System.ComponentModel.DataAnnotations;
using System.Net;
using CompreFace.WebApi.Admin;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace CompreFace.Admin.Tests;

/// <summary>
/// <c>Cookies:Secure=Always</c> (what the shipped deploy recipes set, since they serve HTTPS only): the session cookies
/// are Secure even when the request reached the node as plain HTTP, e.g. through a proxy not (yet) trusted.
/// </summary>
public sealed class SecureCookieTests(SecureCookieTests.AlwaysSecureFactory factory) : IClassFixture<SecureCookieTests.AlwaysSecureFactory>
{
    [Fact]
    public async Task Login_OverPlainHttpWithSecureAlways_SetsSecureSessionCookies()
    {
        using var client = AdminClient.Create(factory, handleCookies: false);
        var email = "secure-" + Guid.NewGuid().ToString("N") + "@example.com";
        await client.RegisterAsync(email, "password-123", "Sec", "Ure");

        using var response = await client.TryLoginAsync(email, "password-123");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookies = response.Headers.GetValues("Set-Cookie").ToArray();
        Assert.Equal(2, cookies.Length);
        Assert.All(cookies, c => Assert.Contains(c.Split(';'), part => part.Trim().Equals("secure", StringComparison.OrdinalIgnoreCase)));
    }

    [Theory]
    [InlineData(CookieSecurePolicy.SameAsRequest, true)]
    [InlineData(CookieSecurePolicy.Always, true)]
    [InlineData(CookieSecurePolicy.None, false)]
    public void Options_NeverSecureIsRefused(CookieSecurePolicy policy, bool valid)
    {
        var options = new SessionCookieOptions { Secure = policy };
        Assert.Equal(valid, Validator.TryValidateObject(options, new ValidationContext(options), new List<ValidationResult>(), validateAllProperties: true));
    }

    /// <summary>The real node with <c>Cookies:Secure=Always</c>.</summary>
    public sealed class AlwaysSecureFactory : AdminFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Cookies:Secure", "Always");
        }
    }
}
