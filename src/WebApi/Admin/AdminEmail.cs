using System.Text.RegularExpressions;

namespace CompreFace.WebApi.Admin;

/// <summary>
/// The one check of an email address before it is stored, looked up or used as a grain key (the login grain is keyed by
/// the email): trimmed, lower-cased, at most 254 characters (RFC 5321's path limit), one @ with something on each side
/// and a dot in the domain, no whitespace or control characters.
/// </summary>
internal static partial class AdminEmail
{
    public const int MaxLength = 254;

    /// <summary>The normalised address, or false when <paramref name="raw"/> is not a well-formed one.</summary>
    public static bool TryNormalize(string? raw, out string email)
    {
        email = raw?.Trim().ToLowerInvariant() ?? string.Empty;
        return email.Length is > 0 and <= MaxLength && Pattern().IsMatch(email);
    }

    [GeneratedRegex(@"^[^@\s\p{C}]+@[^@\s\p{C}]+\.[^@\s\p{C}]+$")]
    private static partial Regex Pattern();
}
