using System.Net;
using Microsoft.AspNetCore.Hosting;

namespace CompreFace.Admin.Tests;

/// <summary>
/// <c>Admin:Registration</c> (docs/decisions/0023-accounts-and-sessions.md): who may sign up once the server has its owner.
/// The owner's own first sign-up works in every mode (from this host, as OwnerSetup requires).
/// </summary>
public sealed class RegistrationTests
{
    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task SignUp_ByDefaultInviteOnly_UninvitedRefused_InvitedByAnOwnerOrAppAdministratorSignUpOnce(Store store)
    {
        using var factory = store == Store.Postgres ? new ModeFactory(null, postgres: true) : new ModeFactory(null);
        using var owner = AdminClient.Create(factory);
        Assert.Equal("OPEN", await RegistrationAsync(owner));
        await owner.RegisterAsync("owner@example.com", "owner-password", "Olga", "Owner");
        await owner.LoginAsync("owner@example.com", "owner-password");
        Assert.Equal("INVITE_ONLY", await RegistrationAsync(owner));

        // Not invited: 403 code 1, nothing stored.
        using var stranger = AdminClient.Create(factory);
        var (status, body) = await SignUpAsync(stranger, "stranger@example.com");
        Assert.Equal((HttpStatusCode.Forbidden, 1), (status, body.GetProperty("code").GetInt32()));
        Assert.Contains("by invitation", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        using (var login = await stranger.TryLoginAsync("stranger@example.com", "password-123"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
        }

        // Invited by the owner (any case and spaces): signs up once; the invitation is spent.
        (status, body) = await owner.SendAsync(HttpMethod.Post, "/admin/user/invitation", new { email = " Member@Example.com " });
        Assert.Equal((HttpStatusCode.Created, "member@example.com"), (status, body.GetProperty("email").GetString()));
        using var member = AdminClient.Create(factory);
        (status, _) = await SignUpAsync(member, "member@example.com");
        Assert.Equal(HttpStatusCode.Created, status);
        await member.LoginAsync("member@example.com", "password-123");
        (status, body) = await owner.SendAsync(HttpMethod.Post, "/admin/user/invitation", new { email = "member@example.com" });
        Assert.Equal((HttpStatusCode.BadRequest, 4), (status, body.GetProperty("code").GetInt32()));

        // A global USER who manages no application may not invite (code 9); made an application's administrator, they may.
        (status, body) = await member.SendAsync(HttpMethod.Post, "/admin/user/invitation", new { email = "friend@example.com" });
        Assert.Equal((HttpStatusCode.BadRequest, 9), (status, body.GetProperty("code").GetInt32()));
        var appId = await owner.CreateAppAsync();
        (status, _) = await owner.SendAsync(HttpMethod.Post, $"/admin/app/{appId}/invite", new { userEmail = "member@example.com", role = "ADMINISTRATOR" });
        Assert.Equal(HttpStatusCode.Created, status);
        (status, _) = await member.SendAsync(HttpMethod.Post, "/admin/user/invitation", new { email = "friend@example.com" });
        Assert.Equal(HttpStatusCode.Created, status);
        (status, body) = await member.SendAsync(HttpMethod.Post, "/admin/user/invitation", new { email = "not an email" });
        Assert.Equal((HttpStatusCode.BadRequest, 22), (status, body.GetProperty("code").GetInt32()));

        using var friend = AdminClient.Create(factory);
        (status, _) = await SignUpAsync(friend, "friend@example.com");
        Assert.Equal(HttpStatusCode.Created, status);
    }

    [Fact]
    public async Task SignUp_Closed_OnlyTheOwnersFirstSignUp_InvitationsDoNotOpenIt()
    {
        using var factory = new ModeFactory("Closed");
        using var owner = AdminClient.Create(factory);
        Assert.Equal("OPEN", await RegistrationAsync(owner));
        await owner.RegisterAsync("owner@example.com", "owner-password", "Olga", "Owner");
        await owner.LoginAsync("owner@example.com", "owner-password");
        Assert.Equal("CLOSED", await RegistrationAsync(owner));

        var (status, _) = await owner.SendAsync(HttpMethod.Post, "/admin/user/invitation", new { email = "guest@example.com" });
        Assert.Equal(HttpStatusCode.Created, status);
        using var guest = AdminClient.Create(factory);
        (status, var body) = await SignUpAsync(guest, "guest@example.com");
        Assert.Equal((HttpStatusCode.Forbidden, 1), (status, body.GetProperty("code").GetInt32()));
        Assert.Contains("closed", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignUp_Open_AnyoneMaySignUp()
    {
        using var factory = new ModeFactory("Open");
        using var owner = AdminClient.Create(factory);
        await owner.RegisterAsync("owner@example.com", "owner-password", "Olga", "Owner");
        Assert.Equal("OPEN", await RegistrationAsync(owner));
        using var anyone = AdminClient.Create(factory);
        await anyone.RegisterAsync("anyone@example.com", "password-123", "Any", "One");
    }

    private static async Task<(HttpStatusCode Status, System.Text.Json.JsonElement Body)> SignUpAsync(AdminClient client, string email) =>
        await client.SendAsync(HttpMethod.Post, "/admin/user/register", new { email, password = "password-123", firstName = "New", lastName = "User" });

    private static async Task<string?> RegistrationAsync(AdminClient client)
    {
        var (status, body) = await client.SendAsync(HttpMethod.Get, "/admin/config");
        Assert.Equal(HttpStatusCode.OK, status);
        return body.GetProperty("registration").GetString();
    }

    /// <summary>A fresh node with the given <c>Admin:Registration</c> (null: the product's default).</summary>
    private sealed class ModeFactory(string? mode, bool postgres = false) : AdminFactory
    {
        private readonly ScratchDatabase? _database = postgres ? PostgresServer.CreateDatabase("cf_registration") : null;

        protected override string? Registration => mode;

        protected override void ConfigureStore(IWebHostBuilder builder)
        {
            if (_database is not null)
            {
                builder.UseSetting("ConnectionStrings:Postgres", _database.ConnectionString);
            }
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                _database?.Dispose();
            }
        }
    }
}
