namespace CompreFace.Grains.Admin;

/// <summary>The admin side of <see cref="Interfaces.IApiKeyGrain"/> (same activation): drops what it resolved.</summary>
[Alias("CompreFace.Admin.IApiKeyCacheGrain")]
public interface IApiKeyCacheGrain : IGrainWithStringKey
{
    /// <summary>Forgets the cached service; the next lookup reads the store.</summary>
    [Alias("InvalidateAsync")]
    Task InvalidateAsync();
}

/// <summary>
/// Failed logins of one client address (key: the address as the edge names it) against emails that have no account,
/// counted and locked as <see cref="Interfaces.Admin.ILoginGrain"/> counts a registered email's (decision 0024).
/// </summary>
[Alias("CompreFace.Admin.IUnknownEmailLoginGrain")]
public interface IUnknownEmailLoginGrain : IGrainWithStringKey
{
    /// <summary>Whether <paramref name="email"/> is locked for this address.</summary>
    [Alias("IsLockedAsync")]
    Task<bool> IsLockedAsync(string email);

    /// <summary>Counts a failed login for <paramref name="email"/> from this address.</summary>
    [Alias("CountFailureAsync")]
    Task CountFailureAsync(string email);
}
