using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;

namespace CompreFace.Admin.Tests;

/// <summary>
/// Forgot/reset password with mail on (spec §2.3): the node mails a link through real SMTP (MailKit) to a loopback
/// sink; the token in the link sets a new password once.
/// </summary>
public sealed partial class PasswordResetTests
{
    [Fact]
    public async Task ForgotPassword_MailsALink_WhoseTokenResetsThePasswordOnce()
    {
        await using var sink = new SmtpSink();
        using var factory = new MailFactory(sink.Port);
        using var client = AdminClient.Create(factory);
        await client.RegisterAsync("forgetful@example.com", "old-password-1", "Fay", "Forgetful");

        var (status, body) = await client.SendAsync(HttpMethod.Get, "/admin/config");
        Assert.True(body.GetProperty("mailServiceEnabled").GetBoolean());

        // Unknown emails get the same answer and no mail.
        (status, _) = await client.SendAsync(HttpMethod.Post, "/admin/user/forgot-password", new { email = "nobody@example.com" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(sink.Messages);

        (status, _) = await client.SendAsync(HttpMethod.Post, "/admin/user/forgot-password", new { email = "Forgetful@Example.com" });
        Assert.Equal(HttpStatusCode.OK, status);
        var mail = Assert.Single(sink.Messages);
        Assert.Equal("forgetful@example.com", mail.To.Mailboxes.Single().Address, ignoreCase: true);
        Assert.Equal("noreply@example.com", mail.From.Mailboxes.Single().Address);
        var token = ResetLink().Match(mail.TextBody ?? string.Empty).Groups["token"].Value;
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
        var tokens = sink.Messages.Skip(1).Select(m => ResetLink().Match(m.TextBody ?? string.Empty).Groups["token"].Value).ToArray();
        Assert.Equal(2, tokens.Length);
        (status, _) = await client.SendAsync(HttpMethod.Put, $"/admin/user/reset-password?token={tokens[0]}", new { password = "third-password" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        (status, _) = await client.SendAsync(HttpMethod.Put, $"/admin/user/reset-password?token={tokens[1]}", new { password = "third-password" });
        Assert.Equal(HttpStatusCode.OK, status);

        // The mail server is gone: code 24, never a 500.
        await sink.DisposeAsync();
        (status, body) = await client.SendAsync(HttpMethod.Post, "/admin/user/forgot-password", new { email = "forgetful@example.com" });
        Assert.Equal((HttpStatusCode.BadRequest, 24), (status, body.GetProperty("code").GetInt32()));
    }

    [GeneratedRegex(@"http://ui\.example/reset-password\?token=(?<token>[0-9a-f-]{36})")]
    private static partial Regex ResetLink();

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
