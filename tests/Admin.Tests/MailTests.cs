using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.Admin.Tests;

/// <summary>
/// Mail on (docs/compreface-behaviour.md#users): sign-up confirmation and forgot/reset password. The node mails links through real SMTP
/// (MailKit) to a loopback sink; the tokens in the links confirm an account or set a new password, once.
/// </summary>
public sealed partial class MailTests
{
    [Fact]
    public async Task SignUp_MailsAConfirmationLink_LoginRefusedUntilOpened_FirstConfirmedBecomesOwner()
    {
        await using var sink = new SmtpSink();
        using var factory = new MailFactory(sink.Port);
        using var first = AdminClient.Create(factory);

        var link = await SignUpForLinkAsync(first, sink, "First@Example.com", "Fred", "First");
        Assert.Equal("first@example.com", sink.Messages.Single().To.Mailboxes.Single().Address);

        // Right password, unconfirmed: "User is disabled"; a wrong one is still "Bad credentials".
        using (var refused = await first.TryLoginAsync("first@example.com", "password-123"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("User is disabled", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var wrong = await first.TryLoginAsync("first@example.com", "wrong-password"))
        {
            Assert.Contains("Bad credentials", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var (status, body) = await first.SendAsync(HttpMethod.Get, $"/admin/user/registration/confirm?token={Guid.NewGuid()}");
        Assert.Equal((HttpStatusCode.Forbidden, 25), (status, body.GetProperty("code").GetInt32()));

        using (var confirmed = await first.Http.GetAsync(link.PathAndQuery))
        {
            Assert.Equal(HttpStatusCode.Redirect, confirmed.StatusCode);
            Assert.Equal("http://ui.example/login", confirmed.Headers.Location?.ToString());
        }

        (status, _) = await first.SendAsync(HttpMethod.Get, link.PathAndQuery);
        Assert.Equal(HttpStatusCode.Forbidden, status); // spent

        // The first sign-up took over the demo user as USER; confirming made them the owner, as there was none.
        await first.LoginAsync("first@example.com", "password-123");
        (_, body) = await first.SendAsync(HttpMethod.Get, "/admin/user/roles");
        Assert.Equal("OWNER", Assert.Single(body.EnumerateArray()).GetProperty("role").GetString());
        (_, body) = await first.SendAsync(HttpMethod.Get, "/admin/apps");
        Assert.Equal("Demo application", Assert.Single(body.EnumerateArray()).GetProperty("name").GetString());

        // A later sign-up stays a USER when confirmed.
        using var second = AdminClient.Create(factory);
        await RegisterConfirmedAsync(second, sink, "second@example.com", "password-456");
        (_, body) = await first.SendAsync(HttpMethod.Get, "/admin/user/roles");
        Assert.Equal(["OWNER", "USER"], body.EnumerateArray().Select(u => u.GetProperty("role").GetString()));
    }

    /// <summary>
    /// With mail on, the first sign-up is nobody's owner until confirmed, and the first confirmed user becomes the owner:
    /// until then every sign-up could become the owner, so each needs the node's host or the setup token. Without that, a
    /// stranger signing up after the operator and confirming first took the server.
    /// </summary>
    [Fact]
    public async Task SignUp_WhileTheFirstIsUnconfirmed_FromAnotherHostWithoutTheSetupToken_Is403()
    {
        await using var sink = new SmtpSink();
        using var factory = new MailFactory(sink.Port);
        using var operatorClient = AdminClient.Create(factory);
        var link = await SignUpForLinkAsync(operatorClient, sink, "operator@example.com", "O", "P");

        using var stranger = AdminClient.Create(factory, clientAddress: "203.0.113.9");
        var (status, body) = await stranger.SendAsync(HttpMethod.Post, "/admin/user/register", new { email = "stranger@example.com", password = "password-123", firstName = "S", lastName = "T" });
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(1, body.GetProperty("code").GetInt32());
        Assert.Single(sink.Messages);

        // Once the operator is the owner, the same sign-up is an ordinary one (Open here).
        using (var confirmed = await operatorClient.Http.GetAsync(link.PathAndQuery))
        {
            Assert.Equal(HttpStatusCode.Redirect, confirmed.StatusCode);
        }

        (status, _) = await stranger.SendAsync(HttpMethod.Post, "/admin/user/register", new { email = "stranger@example.com", password = "password-123", firstName = "S", lastName = "T" });
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task ForgotPassword_MailsALink_WhoseTokenResetsThePasswordOnce()
    {
        await using var sink = new SmtpSink();
        using var factory = new MailFactory(sink.Port);
        using var client = AdminClient.Create(factory);
        await RegisterConfirmedAsync(client, sink, "forgetful@example.com", "old-password-1");
        sink.Messages.Clear();

        var (status, body) = await client.SendAsync(HttpMethod.Get, "/admin/config");
        Assert.True(body.GetProperty("mailServiceEnabled").GetBoolean());

        // Unknown emails get the same answer and no mail (the queue is worked in order: the next mail is the known one's).
        (status, _) = await client.SendAsync(HttpMethod.Post, "/admin/user/forgot-password", new { email = "nobody@example.com" });
        Assert.Equal(HttpStatusCode.OK, status);

        (status, _) = await client.SendAsync(HttpMethod.Post, "/admin/user/forgot-password", new { email = "Forgetful@Example.com" });
        Assert.Equal(HttpStatusCode.OK, status);
        await sink.WaitForAsync(1);
        var mail = Assert.Single(sink.Messages);
        Assert.Equal("forgetful@example.com", mail.To.Mailboxes.Single().Address);
        Assert.Equal("noreply@example.com", mail.From.Mailboxes.Single().Address);
        var token = ResetLink().Match(mail.TextBody ?? string.Empty).Groups["token"].Value;
        Assert.Contains("15 minutes", mail.TextBody, StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$", token);

        // Wrong token, too short a password: refused, nothing spent.
        (status, body) = await client.SendAsync(HttpMethod.Put, $"/admin/user/reset-password?token={Guid.NewGuid()}", new { password = "new-password-1" });
        Assert.Equal((HttpStatusCode.BadRequest, 30), (status, body.GetProperty("code").GetInt32()));
        (status, body) = await client.SendAsync(HttpMethod.Put, $"/admin/user/reset-password?token={token}", new { password = "short" });
        Assert.Equal((HttpStatusCode.BadRequest, 26), (status, body.GetProperty("code").GetInt32()));

        (status, _) = await client.SendAsync(HttpMethod.Put, $"/admin/user/reset-password?token={token}", new { password = "new-password-1" });
        Assert.Equal(HttpStatusCode.OK, status);
        (status, body) = await client.SendAsync(HttpMethod.Put, $"/admin/user/reset-password?token={token}", new { password = "another-password" });
        Assert.Equal((HttpStatusCode.BadRequest, 30), (status, body.GetProperty("code").GetInt32()));

        using (var old = await client.TryLoginAsync("forgetful@example.com", "old-password-1"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, old.StatusCode);
        }

        await client.LoginAsync("forgetful@example.com", "new-password-1");

        // A second request replaces the first link: only the newest token works.
        await client.SendAsync(HttpMethod.Post, "/admin/user/forgot-password", new { email = "forgetful@example.com" });
        await client.SendAsync(HttpMethod.Post, "/admin/user/forgot-password", new { email = "forgetful@example.com" });
        await sink.WaitForAsync(3);
        var tokens = sink.Messages.Skip(1).Select(m => ResetLink().Match(m.TextBody ?? string.Empty).Groups["token"].Value).ToArray();
        Assert.Equal(2, tokens.Length);
        (status, _) = await client.SendAsync(HttpMethod.Put, $"/admin/user/reset-password?token={tokens[0]}", new { password = "third-password" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        (status, _) = await client.SendAsync(HttpMethod.Put, $"/admin/user/reset-password?token={tokens[1]}", new { password = "third-password" });
        Assert.Equal(HttpStatusCode.OK, status);

        // The audit log has each request (known or not), each reset and the confirmation; never a token (decision 0025).
        var audit = (await factory.Services.GetRequiredService<CompreFace.Grains.Storage.IAuditStore>()
            .QueryAsync(new CompreFace.Grains.Interfaces.Admin.AuditQuery(Size: 100))).Items.Select(e => e.Entry).ToList();
        Assert.Equal(
            ["nobody@example.com", "forgetful@example.com", "forgetful@example.com", "forgetful@example.com"],
            audit.Where(e => e.Action == "user.password_reset_request").Select(e => e.ActorName).Reverse());
        Assert.Equal(2, audit.Count(e => e.Action == "user.password_reset"));
        Assert.Single(audit, e => e.Action == "user.confirm");
        Assert.DoesNotContain(audit, e => tokens.Append(token).Any(t => $"{e.TargetId}{e.TargetName}{e.Details}".Contains(t, StringComparison.OrdinalIgnoreCase)));

        // The mail server is gone: the answer is the same (the failure is logged, event 3202), never a 500.
        await sink.DisposeAsync();
        (status, _) = await client.SendAsync(HttpMethod.Post, "/admin/user/forgot-password", new { email = "forgetful@example.com" });
        Assert.Equal(HttpStatusCode.OK, status);
    }

    /// <summary>Signs up with mail on and opens the mailed link.</summary>
    /// <summary>Signs up with password <c>password-123</c> (200, not 201: the UI then says "confirm your email") and returns the mailed confirmation link.</summary>
    private static async Task<Uri> SignUpForLinkAsync(AdminClient client, SmtpSink sink, string email, string firstName, string lastName)
    {
        var (status, _) = await client.SendAsync(HttpMethod.Post, "/admin/user/register", new { email, password = "password-123", firstName, lastName });
        Assert.Equal(HttpStatusCode.OK, status);
        return Link(Assert.Single(sink.Messages), ConfirmLink());
    }

    private static async Task RegisterConfirmedAsync(AdminClient client, SmtpSink sink, string email, string password)
    {
        var before = sink.Messages.Count;
        var (status, _) = await client.SendAsync(HttpMethod.Post, "/admin/user/register", new { email, password, firstName = "Mia", lastName = "Mail" });
        Assert.Equal(HttpStatusCode.OK, status);
        var link = Link(sink.Messages.Skip(before).Single(), ConfirmLink());
        using var confirmed = await client.Http.GetAsync(link.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, confirmed.StatusCode);
        await client.LoginAsync(email, password);
    }

    private static Uri Link(MimeKit.MimeMessage mail, Regex pattern)
    {
        var match = pattern.Match(mail.TextBody ?? string.Empty);
        Assert.True(match.Success, mail.TextBody);
        return new Uri(match.Value);
    }

    [GeneratedRegex(@"http://ui\.example/reset-password\?token=(?<token>[0-9a-f-]{36})")]
    private static partial Regex ResetLink();

    [GeneratedRegex(@"http://ui\.example/admin/user/registration/confirm\?token=[0-9a-f-]{36}")]
    private static partial Regex ConfirmLink();

    /// <summary>A node with mail on, sending to the sink without TLS.</summary>
    private sealed class MailFactory(int port) : AdminFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Mail:Enabled", "true");
            builder.UseSetting("Mail:Host", "127.0.0.1");
            builder.UseSetting("Mail:Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Mail:Security", "None");
            builder.UseSetting("Mail:From", "CompreFace <noreply@example.com>");
            builder.UseSetting("Mail:PublicUrl", "http://ui.example/");
        }
    }
}

/// <summary>The mail settings are checked at start only when mail is on.</summary>
public sealed class MailOptionsTests
{
    [Theory]
    [InlineData(false, null, null, "http://localhost:8000", true)]
    [InlineData(true, "smtp.example.com", "CompreFace <noreply@example.com>", "https://faces.example.com", true)]
    [InlineData(true, null, "noreply@example.com", "http://localhost:8000", false)]
    [InlineData(true, "smtp.example.com", "not a mailbox", "http://localhost:8000", false)]
    [InlineData(false, null, null, "faces.example.com", false)]
    public void Validate_EnabledNeedsHostAndSender_UrlAlwaysAbsolute(bool enabled, string? host, string? from, string url, bool valid)
    {
        var options = new CompreFace.WebApi.Mail.MailOptions { Enabled = enabled, Host = host, From = from, PublicUrl = url };
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        Assert.Equal(valid, System.ComponentModel.DataAnnotations.Validator.TryValidateObject(
            options, new System.ComponentModel.DataAnnotations.ValidationContext(options), results, validateAllProperties: true));
    }
}
