using CompreFace.Grains.Storage;
using CompreFace.Grains.Interfaces;

namespace CompreFace.Grains.Admin;

/// <summary>
/// Resolves an API key to its face service from the admin store, once per activation; there is one activation per
/// key cluster-wide, so the database is not asked on every face request. The admin grains call
/// <see cref="IApiKeyCacheGrain.InvalidateAsync"/> whenever a key is created, moved or deleted, which makes the change
/// visible to the next request on every node. The seeded demo keys (…0002, …0003, …0004) are ordinary store rows.
/// </summary>
internal sealed class ApiKeyGrain(IAdminStore store) : Grain, IApiKeyGrain, IApiKeyCacheGrain
{
    private FaceServiceInfo? _service;
    private bool _loaded;

    async Task<FaceServiceInfo?> IApiKeyGrain.GetServiceAsync(CancellationToken cancellationToken)
    {
        if (!_loaded)
        {
            _service = Guid.TryParseExact(this.GetPrimaryKeyString(), "D", out var key)
                && await store.FindServiceByKeyAsync(key, cancellationToken) is { } record
                ? new FaceServiceInfo(record.ServiceId, record.Type, record.Name, record.Quota)
                : null;
            _loaded = true;
            if (_service is null)
            {
                // Unknown keys (typos, guesses, a flood of random ones) must not each keep an activation for the
                // collection age: this one goes as soon as the call returns. The edge remembers the miss briefly.
                DeactivateOnIdle();
            }
        }

        return _service;
    }

    Task IApiKeyCacheGrain.InvalidateAsync()
    {
        _service = null;
        _loaded = false;
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
