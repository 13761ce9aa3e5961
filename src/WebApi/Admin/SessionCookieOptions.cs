using System.ComponentModel.DataAnnotations;

namespace CompreFace.WebApi.Admin;

/// <summary>
/// The session cookies' <c>Secure</c> attribute (section <c>Cookies</c>). <c>SameAsRequest</c> (default): Secure when the
/// request is HTTPS as the node sees it, i.e. directly or through a trusted proxy that says so (<c>ForwardedHeaders</c>).
/// <c>Always</c>: Secure whatever the request, for a deployment served only over HTTPS (the shipped compose and
/// Kubernetes recipes), so a misconfigured proxy cannot make the node hand out a session cookie a browser would send
/// in clear text. <c>None</c> is refused: no deployment should have it.
/// </summary>
public sealed class SessionCookieOptions : IValidatableObject
{
    public const string SectionName = "Cookies";

    /// <summary>When the session cookies get <c>Secure</c>.</summary>
    public CookieSecurePolicy Secure { get; set; } = CookieSecurePolicy.SameAsRequest;

    /// <summary>Whether a cookie set on <paramref name="request"/> is marked Secure.</summary>
    public bool IsSecure(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Secure == CookieSecurePolicy.Always || request.IsHttps;
    }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Secure is not (CookieSecurePolicy.SameAsRequest or CookieSecurePolicy.Always))
        {
            yield return new ValidationResult("Cookies:Secure must be SameAsRequest or Always.", [nameof(Secure)]);
        }
    }
}
