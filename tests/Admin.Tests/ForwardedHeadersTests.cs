using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Http.Headers;
using CompreFace.WebApi.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.Admin.Tests;

/// <summary>
/// The session cookies get <c>Secure</c> behind a TLS-terminating proxy: <c>X-Forwarded-Proto: https</c> counts only
/// from loopback or a configured proxy network. The test server has no sockets, so a startup filter sets the
/// connection's remote address from a test header before the pipeline runs.
/// </summary>
public sealed class ForwardedHeadersTests : IClassFixture<ForwardedHeadersTests.ProxiedFactory>
{
    private const string Email = "proxied@example.com";
    private const string Password = "password-123";
    private readonly ProxiedFactory _factory;

    public ForwardedHeadersTests(ProxiedFactory factory) => _factory = factory;

    [Theory]
    [InlineData("127.0.0.1", "https", true)] // nginx on the same host
    [InlineData("10.1.2.3", "https", true)] // the configured proxy network
    [InlineData("203.0.113.7", "https", false)] // anyone else may not claim HTTPS
    [InlineData("127.0.0.1", null, false)] // plain HTTP through the proxy
    [InlineData("10.1.2.3", "http", false)]
    public async Task LoginCookies_SecureOnlyWhenATrustedProxySaysHttps(string remote, string? forwardedProto, bool secure)
    {
        await _factory.EnsureUserAsync();
        using var client = _factory.CreateClient(new() { HandleCookies = false, AllowAutoRedirect = false });
        using var form = new FormUrlEncodedContent([new("grant_type", "password"), new("username", Email), new("password", Password)]);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/oauth/token") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", AdminClient.UiBasic);
        request.Headers.Add(RemoteAddressFilter.Header, remote);
        if (forwardedProto is not null)
        {
            request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookies = response.Headers.GetValues("Set-Cookie").ToArray();
        Assert.Equal(2, cookies.Length);
        Assert.All(cookies, c => Assert.Equal(secure, c.Split(';').Any(part => part.Trim().Equals("secure", StringComparison.OrdinalIgnoreCase))));
    }

    [Theory]
    [InlineData("KnownProxies", "not-an-ip")]
    [InlineData("KnownNetworks", "10.0.0.0")]
    [InlineData("KnownNetworks", "10.0.0.0/99")]
    public void Options_BadProxyOrNetwork_FailsValidation(string list, string value)
    {
        var options = new ProxyOptions();
        (list == "KnownProxies" ? options.KnownProxies : options.KnownNetworks).Add(value);
        var results = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Contains(value, Assert.Single(results).ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_AddressesAndCidrNetworks_AreValid()
    {
        var options = new ProxyOptions { KnownProxies = { "10.0.0.5", "::1" }, KnownNetworks = { "10.0.0.0/8", "fd00::/8" } };
        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), new List<ValidationResult>(), validateAllProperties: true));
    }

    /// <summary>A node that trusts 10.1.0.0/16 as a proxy network, with the remote-address test hook.</summary>
    public sealed class ProxiedFactory : AdminFactory
    {
        private readonly SemaphoreSlim _userLock = new(1, 1);
        private bool _registered;

        public async Task EnsureUserAsync()
        {
            await _userLock.WaitAsync();
            try
            {
                if (!_registered)
                {
                    using var client = AdminClient.Create(this);
                    await client.RegisterAsync(Email, Password, "Pat", "Proxy");
                    _registered = true;
                }
            }
            finally
            {
                _userLock.Release();
            }
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("ForwardedHeaders:KnownNetworks:0", "10.1.0.0/16");
            builder.ConfigureServices(services => services.AddTransient<IStartupFilter, RemoteAddressFilter>());
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                _userLock.Dispose();
            }
        }
    }

    /// <summary>Sets the connection's remote address from <see cref="Header"/>, ahead of the application's pipeline.</summary>
    private sealed class RemoteAddressFilter : IStartupFilter
    {
        public const string Header = "X-Test-Remote-Address";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue(Header, out var value) && IPAddress.TryParse(value, out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
