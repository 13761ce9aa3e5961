using System.ComponentModel.DataAnnotations;
using MimeKit;

namespace CompreFace.WebApi.Mail;

/// <summary>How the SMTP connection is secured.</summary>
public enum MailSecurity
{
    /// <summary>Plain connection upgraded with STARTTLS (CompreFace: port 587, STARTTLS); refused if the server cannot.</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect,

    /// <summary>No TLS: only for a relay on the same host or network.</summary>
    None,
}

/// <summary>
/// Outgoing mail (section <c>Mail</c>; CompreFace's <c>ENABLE_EMAIL_SERVER</c>, <c>EMAIL_*</c>, <c>FRS_CRUD_HOST</c>).
/// Off by default: then <c>GET /admin/config</c> says <c>mailServiceEnabled: false</c> and forgot-password is code 29.
/// </summary>
public sealed class MailOptions : IValidatableObject
{
    public const string SectionName = "Mail";

    /// <summary>Whether password-reset mail is sent (default false).</summary>
    public bool Enabled { get; set; }

    /// <summary>SMTP server host.</summary>
    public string? Host { get; set; }

    /// <summary>SMTP port (587 with STARTTLS).</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>Transport security.</summary>
    public MailSecurity Security { get; set; } = MailSecurity.StartTls;

    /// <summary>SMTP user; no authentication when empty.</summary>
    public string? Username { get; set; }

    /// <summary>SMTP password (a secret: set it from the environment, never in a committed file).</summary>
    public string? Password { get; set; }

    /// <summary>The sender address, e.g. <c>CompreFace &lt;noreply@example.com&gt;</c>.</summary>
    public string? From { get; set; }

    /// <summary>Where users open the UI, for the links in mail (CompreFace's <c>FRS_CRUD_HOST</c>).</summary>
    public string PublicUrl { get; set; } = "http://localhost:8000";

    /// <summary>How long a password-reset link works, in seconds (CompreFace: 15 minutes).</summary>
    [Range(60, 86400)]
    public int ResetTokenValiditySeconds { get; set; } = 900;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(PublicUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult($"'{PublicUrl}' is not an absolute http(s) URL.", [nameof(PublicUrl)]);
        }

        if (!Enabled)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(Host))
        {
            yield return new ValidationResult("Mail is enabled but no SMTP host is set.", [nameof(Host)]);
        }

        if (!MailboxAddress.TryParse(From ?? string.Empty, out _))
        {
            yield return new ValidationResult($"Mail is enabled but the sender '{From}' is not a mail address.", [nameof(From)]);
        }
    }
}
