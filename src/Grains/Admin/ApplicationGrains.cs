using CompreFace.Grains.Storage;
using Microsoft.Extensions.Logging;
using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Grains.Admin;

/// <summary>An application: its name, app-level key, members and services.</summary>
internal sealed partial class ApplicationGrain(IAdminStore store, ILogger<ApplicationGrain> logger) : Grain, IApplicationGrain
{
    async Task<NamingOutcome> IApplicationGrain.CreateAsync(string name, Guid ownerId, CancellationToken cancellationToken)
    {
        var app = new AppRecord(this.GetPrimaryKey(), name, Guid.NewGuid());
        if (!await store.AddApplicationAsync(app, ownerId, cancellationToken))
        {
            return NamingOutcome.NameTaken;
        }

        LogCreated(logger, app.AppId, ownerId);
        return NamingOutcome.Done;
    }

    async Task<ApplicationInfo?> IApplicationGrain.GetAsync(CancellationToken cancellationToken) =>
        await store.FindApplicationAsync(this.GetPrimaryKey(), cancellationToken) is { } app ? await ToInfoAsync(store, app, cancellationToken) : null;

    Task<NamingOutcome> IApplicationGrain.RenameAsync(string name, CancellationToken cancellationToken) =>
        store.RenameApplicationAsync(this.GetPrimaryKey(), name, cancellationToken);

    Task<bool> IApplicationGrain.RegenerateKeyAsync(CancellationToken cancellationToken) =>
        store.SetApplicationKeyAsync(this.GetPrimaryKey(), Guid.NewGuid(), cancellationToken);

    async Task<bool> IApplicationGrain.DeleteAsync(CancellationToken cancellationToken)
    {
        var appId = this.GetPrimaryKey();

        // Each service deletes its collection and invalidates its key before the rows cascade away.
        foreach (var service in await store.ListServicesAsync(appId, cancellationToken))
        {
            await GrainFactory.GetGrain<IFaceServiceGrain>(service.ServiceId).DeleteAsync(cancellationToken);
        }

        var deleted = await store.DeleteApplicationAsync(appId, cancellationToken);
        if (deleted)
        {
            LogDeleted(logger, appId);
        }

        return deleted;
    }

    async Task<bool> IApplicationGrain.SetMemberAsync(Guid userId, Role? role, CancellationToken cancellationToken)
    {
        var appId = this.GetPrimaryKey();
        switch (role)
        {
            case null:
                return await store.RemoveMemberAsync(appId, userId, cancellationToken);
            case Role.Owner:
                await store.TransferOwnershipAsync(appId, userId, cancellationToken);
                break;
            default:
                await store.SetMemberRoleAsync(appId, userId, role.Value, cancellationToken);
                break;
        }

        LogMemberChanged(logger, appId, userId, role.Value);
        return true;
    }

    async Task<IReadOnlyList<FaceServiceDetails>> IApplicationGrain.ListServicesAsync(CancellationToken cancellationToken) =>
        [.. (await store.ListServicesAsync(this.GetPrimaryKey(), cancellationToken)).Select(FaceServiceGrain.ToDetails)];

    /// <summary>An application with its members.</summary>
    internal static async Task<ApplicationInfo> ToInfoAsync(IAdminStore store, AppRecord app, CancellationToken cancellationToken)
    {
        var members = await store.ListMembersAsync(app.AppId, cancellationToken);
        return new ApplicationInfo(app.AppId, app.Name, app.ApiKey, [.. members.Select(m => new MemberInfo(m.User.ToInfo(), m.Role))]);
    }

    [LoggerMessage(EventId = 3021, Level = LogLevel.Information, Message = "Application {AppId} created by {UserId}")]
    private static partial void LogCreated(ILogger logger, Guid appId, Guid userId);

    [LoggerMessage(EventId = 3023, Level = LogLevel.Information, Message = "Application {AppId}: user {UserId} is now {Role}")]
    private static partial void LogMemberChanged(ILogger logger, Guid appId, Guid userId, Role role);

    [LoggerMessage(EventId = 3022, Level = LogLevel.Information, Message = "Application {AppId} deleted")]
    private static partial void LogDeleted(ILogger logger, Guid appId);
}

/// <summary>
/// A face service. Every change of its key (create, regenerate, rename, delete) invalidates the affected
/// <see cref="IApiKeyGrain"/> activations after the store has changed, so the face API sees it on its next request.
/// </summary>
internal sealed partial class FaceServiceGrain(IAdminStore store, IFaceStore faces, TimeProvider time, ILogger<FaceServiceGrain> logger) : Grain, IFaceServiceGrain
{
    async Task<NamingOutcome> IFaceServiceGrain.CreateAsync(Guid appId, string name, FaceServiceType type, CancellationToken cancellationToken)
    {
        var record = NewRecord(appId, name, type);
        if (!await store.AddServiceAsync(record, cancellationToken))
        {
            return NamingOutcome.NameTaken;
        }

        await InvalidateAsync(record.ApiKey);
        LogCreated(logger, record.ServiceId, appId, type);
        return NamingOutcome.Done;
    }

    async Task<NamingOutcome> IFaceServiceGrain.CloneAsync(Guid sourceServiceId, string name, CancellationToken cancellationToken)
    {
        var source = await store.FindServiceAsync(sourceServiceId, cancellationToken);
        if (source is null)
        {
            return NamingOutcome.NotFound;
        }

        var record = NewRecord(source.AppId, name, source.Type) with { Quota = source.Quota }; // a copy keeps its quota
        if (!await store.AddServiceAsync(record, cancellationToken))
        {
            return NamingOutcome.NameTaken;
        }

        if (source.Type == FaceServiceType.Recognition)
        {
            // Inside the database, one transaction: subjects, vectors, calculators and images. This service's
            // collection grain is not active yet (a new id), so it loads the copy when first asked.
            try
            {
                var copied = await faces.CopyCollectionAsync(source.ServiceId, record.ServiceId, cancellationToken);
                LogCloned(logger, record.ServiceId, source.ServiceId, copied);
            }
            catch
            {
                await store.DeleteServiceAsync(record.ServiceId, CancellationToken.None);
                throw;
            }
        }

        await InvalidateAsync(record.ApiKey);
        return NamingOutcome.Done;
    }

    async Task<FaceServiceDetails?> IFaceServiceGrain.GetAsync(CancellationToken cancellationToken) =>
        await store.FindServiceAsync(this.GetPrimaryKey(), cancellationToken) is { } service ? ToDetails(service) : null;

    async Task<NamingOutcome> IFaceServiceGrain.RenameAsync(string name, CancellationToken cancellationToken)
    {
        var outcome = await store.RenameServiceAsync(this.GetPrimaryKey(), name, cancellationToken);
        if (outcome == NamingOutcome.Done && await store.FindServiceAsync(this.GetPrimaryKey(), cancellationToken) is { } service)
        {
            await InvalidateAsync(service.ApiKey); // the key's cached service carries the name
        }

        return outcome;
    }

    async Task<FaceServiceDetails?> IFaceServiceGrain.RegenerateKeyAsync(CancellationToken cancellationToken)
    {
        var service = await store.FindServiceAsync(this.GetPrimaryKey(), cancellationToken);
        if (service is null)
        {
            return null;
        }

        var newKey = Guid.NewGuid();
        if (!await store.SetServiceKeyAsync(service.ServiceId, newKey, cancellationToken))
        {
            return null;
        }

        await Task.WhenAll(InvalidateAsync(service.ApiKey), InvalidateAsync(newKey));
        LogKeyRegenerated(logger, service.ServiceId);
        return ToDetails(service with { ApiKey = newKey });
    }

    async Task<bool> IFaceServiceGrain.DeleteAsync(CancellationToken cancellationToken)
    {
        var service = await store.FindServiceAsync(this.GetPrimaryKey(), cancellationToken);
        if (service is null || !await store.DeleteServiceAsync(service.ServiceId, cancellationToken))
        {
            return false;
        }

        // The key first (no request reaches the collection any more), then the collection's rows and memory.
        await InvalidateAsync(service.ApiKey);
        if (service.Type == FaceServiceType.Recognition)
        {
            await GrainFactory.GetGrain<ISubjectCatalogGrain>(service.ServiceId).DeleteAllSubjectsAsync(cancellationToken);
        }

        LogDeleted(logger, service.ServiceId);
        return true;
    }

    async Task<FaceServiceDetails?> IFaceServiceGrain.SetQuotaAsync(ServiceQuota? quota, CancellationToken cancellationToken)
    {
        if (quota is { IsValid: false })
        {
            throw new ArgumentOutOfRangeException(nameof(quota), quota, "A quota needs a rate above 0 and a burst of at least 1.");
        }

        var id = this.GetPrimaryKey();
        if (!await store.SetServiceQuotaAsync(id, quota, cancellationToken) || await store.FindServiceAsync(id, cancellationToken) is not { } service)
        {
            return null;
        }

        // The key's cached service carries the quota: the next request on any node reads the new one.
        await InvalidateAsync(service.ApiKey);
        LogQuotaSet(logger, service.ServiceId, quota?.RequestsPerSecond, quota?.Burst);
        return ToDetails(service);
    }

    private ServiceRecord NewRecord(Guid appId, string name, FaceServiceType type)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return new ServiceRecord(
            this.GetPrimaryKey(), appId, name, Guid.NewGuid(), type,
            new DateTime(now.Ticks - (now.Ticks % 10), DateTimeKind.Utc)); // microseconds, as both databases store them
    }

    internal static FaceServiceDetails ToDetails(ServiceRecord service) =>
        new(service.ServiceId, service.AppId, service.Name, service.ApiKey, service.Type, service.CreatedAt, service.Quota);

    private Task InvalidateAsync(Guid apiKey) => GrainFactory.GetGrain<IApiKeyCacheGrain>(apiKey.ToString("D")).InvalidateAsync();

    [LoggerMessage(EventId = 3031, Level = LogLevel.Information, Message = "Service {ServiceId} ({Type}) created in application {AppId}")]
    private static partial void LogCreated(ILogger logger, Guid serviceId, Guid appId, FaceServiceType type);

    [LoggerMessage(EventId = 3032, Level = LogLevel.Information, Message = "Service {ServiceId} got a new API key; the old one is invalidated")]
    private static partial void LogKeyRegenerated(ILogger logger, Guid serviceId);

    [LoggerMessage(EventId = 3034, Level = LogLevel.Information, Message = "Service {ServiceId} cloned from {SourceId} with {Faces} examples")]
    private static partial void LogCloned(ILogger logger, Guid serviceId, Guid sourceId, int faces);

    [LoggerMessage(EventId = 3600, Level = LogLevel.Information, Message = "Service {ServiceId}: request quota {RequestsPerSecond}/s, burst {Burst} (none: the node's default)")]
    private static partial void LogQuotaSet(ILogger logger, Guid serviceId, double? requestsPerSecond, int? burst);

    [LoggerMessage(EventId = 3033, Level = LogLevel.Information, Message = "Service {ServiceId} deleted with its collection and key")]
    private static partial void LogDeleted(ILogger logger, Guid serviceId);
}
