namespace CompreFace.Grains.Admin;

/// <summary>The admin side of <see cref="Interfaces.IApiKeyGrain"/> (same activation): drops what it resolved.</summary>
[Alias("CompreFace.Admin.IApiKeyCacheGrain")]
public interface IApiKeyCacheGrain : IGrainWithStringKey
{
    /// <summary>Forgets the cached service; the next lookup reads the store.</summary>
    [Alias("InvalidateAsync")]
    Task InvalidateAsync();
}
