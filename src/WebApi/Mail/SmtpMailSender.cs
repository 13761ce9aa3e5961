using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace CompreFace.WebApi.Mail;

/// <summary>Sends one plain-text mail; throws when it could not be handed to the server.</summary>
public interface IMailSender
{
    /// <summary>Sends <paramref name="text"/> to <paramref name="recipient"/>.</summary>
    Task SendAsync(string recipient, string subject, string text, CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="IMailSender"/> over SMTP with MailKit: one connection per mail (reset mail is rare), STARTTLS by default,
/// authentication when a user is configured, 30 s timeout.
/// </summary>
internal sealed class SmtpMailSender(IOptions<MailOptions> options) : IMailSender
{
    private const int TimeoutMilliseconds = 30_000;

    public async Task SendAsync(string recipient, string subject, string text, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.From!));
        message.To.Add(MailboxAddress.Parse(recipient));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = text };

        using var client = new SmtpClient { Timeout = TimeoutMilliseconds };
        var security = settings.Security switch
        {
            MailSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
            MailSecurity.None => SecureSocketOptions.None,
            _ => SecureSocketOptions.StartTls,
        };
        await client.ConnectAsync(settings.Host!, settings.Port, security, cancellationToken);
        if (!string.IsNullOrEmpty(settings.Username))
        {
            await client.AuthenticateAsync(settings.Username, settings.Password ?? string.Empty, cancellationToken);
        }

        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }
}
