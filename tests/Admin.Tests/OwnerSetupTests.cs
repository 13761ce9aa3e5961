using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CompreFace.Admin.Tests;

/// <summary>
/// The first sign-up becomes the server's owner (P7): from another host it needs the setup token; from the node's
/// own host (every other test's client) it does not. Nothing is stored for a refused sign-up.
/// </summary>
public sealed partial class OwnerSetupTests
{
    private const string Token = "setup-token-for-the-tests-0123456789";

    [Fact]
    public async Task FirstSignUp_FromAnotherHostWithoutTheSetupToken_Is403AndTheServerStaysOwnerless()
    {
        using var factory = new RemoteFactory();
        using var client = AdminClient.Create(factory);
        var (status, body) = await client.SendAsync(HttpMethod.Post, "/admin/user/register",
            new { email = "intruder@example.com", password = "intruder-password", firstName = "I", lastName = "N" });
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(1, body.GetProperty("code").GetInt32());

        (status, _) = await client.SendAsync(HttpMethod.Post, "/admin/user/register",
            new { email = "intruder@example.com", password = "intruder-password", firstName = "I", lastName = "N", setupToken = "wrong-token-0123456789" });
        Assert.Equal(HttpStatusCode.Forbidden, status);

        // Still ownerless: CompreFace's demo model key is still offered, which it is only while no one has signed up.
        (status, _) = await client.SendAsync(HttpMethod.Get, "/admin/user/demo/model");
        Assert.Equal(HttpStatusCode.OK, status);
        using var login = await client.TryLoginAsync("intruder@example.com", "intruder-password");
        Assert.NotEqual(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task FirstSignUp_FromAnotherHostWithTheSetupToken_BecomesOwnerAndLaterSignUpsNeedNoToken()
    {
        using var factory = new RemoteFactory();
        using var owner = AdminClient.Create(factory);
        var (status, _) = await owner.SendAsync(HttpMethod.Post, "/admin/user/register",
            new { email = "owner@example.com", password = "owner-password", firstName = "O", lastName = "W", setupToken = Token });
        Assert.Equal(HttpStatusCode.Created, status);
        await owner.LoginAsync("owner@example.com", "owner-password");
        var (_, users) = await owner.SendAsync(HttpMethod.Get, "/admin/user/roles");
        Assert.Equal("OWNER", users.EnumerateArray().Single(u => u.GetProperty("email").GetString() == "owner@example.com").GetProperty("role").GetString());

        using var next = AdminClient.Create(factory);
        await next.RegisterAsync("second@example.com", "second-password", "S", "E");
    }

    /// <summary>
    /// The compose recipe's node: no demo seed, the default <c>Admin:Registration</c> (InviteOnly), clients behind a proxy,
    /// no preset token. The server has no owner, so the node logs its setup token (event 3061), and the sign-up with it
    /// becomes the owner: invitations are for everyone after the owner, whom nobody could invite.
    /// </summary>
    [Fact]
    public async Task FirstSignUp_WithoutTheDemoSeedInviteOnly_TheLoggedSetupTokenMakesTheOwner()
    {
        var log = new SetupTokenLog();
        using var factory = new ComposeLikeFactory(log);
        using var owner = AdminClient.Create(factory);
        var token = await log.Token.Task.WaitAsync(TimeSpan.FromSeconds(60));

        var (status, body) = await owner.SendAsync(HttpMethod.Get, "/admin/config");
        Assert.Equal("OPEN", body.GetProperty("registration").GetString());
        (status, _) = await owner.SendAsync(HttpMethod.Post, "/admin/user/register",
            new { email = "owner@example.com", password = "owner-password", firstName = "O", lastName = "W", setupToken = token });
        Assert.Equal(HttpStatusCode.Created, status);
        await owner.LoginAsync("owner@example.com", "owner-password");
        (_, body) = await owner.SendAsync(HttpMethod.Get, "/admin/user/roles");
        Assert.Equal("OWNER", Assert.Single(body.EnumerateArray()).GetProperty("role").GetString());

        // Now the mode applies: a stranger is not invited.
        using var stranger = AdminClient.Create(factory);
        (status, body) = await stranger.SendAsync(HttpMethod.Post, "/admin/user/register",
            new { email = "stranger@example.com", password = "stranger-password", firstName = "S", lastName = "T", setupToken = token });
        Assert.Equal((HttpStatusCode.Forbidden, 1), (status, body.GetProperty("code").GetInt32()));
        Assert.Contains("by invitation", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private sealed class ComposeLikeFactory(SetupTokenLog log) : AdminFactory
    {
        protected override IPAddress ClientAddress => IPAddress.Parse("203.0.113.8");

        protected override string? Registration => null;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Admin:SeedDemo", "false");
            builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(log));
        }
    }

    /// <summary>Completes <see cref="Token"/> with the token of the node's event 3061.</summary>
    private sealed partial class SetupTokenLog : ILoggerProvider, ILogger
    {
        public TaskCompletionSource<string> Token { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 3061)
            {
                Token.TrySetResult(TokenPattern().Match(formatter(state, exception)).Value);
            }
        }

        public void Dispose()
        {
        }

        [GeneratedRegex("[0-9a-f]{32}$")]
        private static partial Regex TokenPattern();
    }

    /// <summary>A node whose clients come from a public address, with a preset setup token.</summary>
    private sealed class RemoteFactory : AdminFactory
    {
        protected override IPAddress ClientAddress => IPAddress.Parse("203.0.113.7");

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Admin:SetupToken", Token);
        }
    }
}
