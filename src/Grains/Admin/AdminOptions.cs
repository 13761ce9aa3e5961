using System.ComponentModel.DataAnnotations;

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
