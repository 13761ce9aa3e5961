using System.ComponentModel.DataAnnotations;
using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Grains.Admin;

/// <summary>Sessions and login throttling of the admin API (configuration section <c>Admin</c>).</summary>
public sealed class AdminOptions
{
    public const string SectionName = "Admin";

    /// <summary>
    /// The one-time token that lets the first sign-up (who becomes the server's owner) come from another host than the
    /// node's own. Unset: each node makes a random one at start and logs it while the server has no owner.
    /// </summary>
    [MinLength(16)]
    public string? SetupToken { get; set; }

    /// <summary>
    /// Whether CompreFace's demo user, application and services with the published keys stay seeded (default true:
    /// CompreFace's SDKs, demos and docs use them). False removes them at start while nobody has signed up
    /// (<see cref="DemoSeed"/>); the compose and Kubernetes recipes set it.
    /// </summary>
    public bool SeedDemo { get; set; } = true;

    /// <summary>
    /// Who may sign up once the server has its owner (the owner's own first sign-up follows <see cref="SetupToken"/>).
    /// Default <see cref="RegistrationMode.InviteOnly"/>: a server that holds biometric data should not let strangers in.
    /// </summary>
    public RegistrationMode Registration { get; set; } = RegistrationMode.InviteOnly;

    /// <summary>How long an invitation to sign up stays valid, in seconds (7 days).</summary>
    [Range(60, 31536000)]
    public int InvitationValiditySeconds { get; set; } = 604800;

    /// <summary>
    /// Absolute lifetime of a session in seconds (30 days), counted from the password login: refreshing does not
    /// extend it, so a stolen refresh token stops working then at the latest.
    /// </summary>
    [Range(60, int.MaxValue)]
    public int SessionLifetimeSeconds { get; set; } = 2592000;

    /// <summary>
    /// A spent refresh token presented again within this many seconds of its use is refused without ending the session
    /// (two tabs refreshing at once); later, it is treated as stolen and ends its whole session (token family).
    /// </summary>
    [Range(0, 300)]
    public int RefreshReuseGraceSeconds { get; set; } = 10;

    /// <summary>Lifetime of the <c>CFSESSION</c> access token in seconds (CompreFace's <c>COMMON_ACCESS_TOKEN_VALIDITY</c>, 2400).</summary>
    [Range(60, int.MaxValue)]
    public int AccessTokenValiditySeconds { get; set; } = 2400;

    /// <summary>Lifetime of the refresh token in seconds (CompreFace's <c>COMMON_REFRESH_TOKEN_VALIDITY</c>, 1209600 = 14 days).</summary>
    [Range(60, int.MaxValue)]
    public int RefreshTokenValiditySeconds { get; set; } = 1209600;

    /// <summary>Consecutive failed logins of one email that lock it out.</summary>
    [Range(1, 1000)]
    public int LoginFailureLimit { get; set; } = 5;

    /// <summary>How long a locked-out email is refused, in seconds.</summary>
    [Range(1, 86400)]
    public int LockoutSeconds { get; set; } = 900;

    /// <summary>How often each node deletes expired tokens and unconfirmed sign-ups, in seconds (CompreFace: 5 minutes).</summary>
    [Range(10, 86400)]
    public int TokenPurgeIntervalSeconds { get; set; } = 300;

    /// <summary>How long a sign-up confirmation link works when mail is on, in seconds (CompreFace: 1 hour); then the sign-up is purged.</summary>
    [Range(60, 604800)]
    public int ConfirmationTokenValiditySeconds { get; set; } = 3600;
}

