using System.Data.Common;
using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Grains.Storage;

/// <summary>The admin store's face services (one per face collection) and their API keys.</summary>
internal sealed partial class AdoAdminStore
{
    private const string ServiceColumns = "service_id, app_id, name, api_key, type, created_at, quota_rps, quota_burst";

    public Task<bool> AddServiceAsync(ServiceRecord service, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        return UniqueAsync(() => ExecuteAsync(
            "INSERT INTO cf_service (service_id, app_id, name, name_key, api_key, type, created_at, quota_rps, quota_burst) VALUES (@id, @app, @name, @nameKey, @key, @type, @created, @rps, @burst)",
            cancellationToken,
            ("@id", service.ServiceId), ("@app", service.AppId), ("@name", service.Name), ("@nameKey", NameKey(service.Name)),
            ("@key", service.ApiKey), ("@type", Types.Code(service.Type)), ("@created", service.CreatedAt), ("@rps", QuotaRate(service.Quota)), ("@burst", QuotaBurst(service.Quota))));
    }

    public async Task<bool> SetServiceQuotaAsync(Guid serviceId, ServiceQuota? quota, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(
            "UPDATE cf_service SET quota_rps = @rps, quota_burst = @burst WHERE service_id = @id",
            cancellationToken,
            ("@id", serviceId), ("@rps", QuotaRate(quota)), ("@burst", QuotaBurst(quota))) > 0;

    private static object QuotaRate(ServiceQuota? quota) => quota is null ? DBNull.Value : quota.RequestsPerSecond;

    private static object QuotaBurst(ServiceQuota? quota) => quota is null ? DBNull.Value : quota.Burst;

    public Task<ServiceRecord?> FindServiceAsync(Guid serviceId, CancellationToken cancellationToken = default) =>
        QuerySingleAsync($"SELECT {ServiceColumns} FROM cf_service WHERE service_id = @id", ReadService, cancellationToken, ("@id", serviceId));

    public Task<ServiceRecord?> FindServiceByKeyAsync(Guid apiKey, CancellationToken cancellationToken = default) =>
        QuerySingleAsync($"SELECT {ServiceColumns} FROM cf_service WHERE api_key = @key", ReadService, cancellationToken, ("@key", apiKey));

    public Task<IReadOnlyList<ServiceRecord>> ListServicesAsync(Guid appId, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {ServiceColumns} FROM cf_service WHERE app_id = @app ORDER BY created_at, name", ReadService, cancellationToken, ("@app", appId));

    public async Task<NamingOutcome> RenameServiceAsync(Guid serviceId, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        try
        {
            // CompreFace refuses renaming to the current name (code 17, docs/compreface-behaviour.md#services); a conflict with the own row does that.
            var current = await FindServiceAsync(serviceId, cancellationToken);
            if (current is null)
            {
                return NamingOutcome.NotFound;
            }

            if (NameKey(current.Name) == NameKey(name))
            {
                return NamingOutcome.NameTaken;
            }

            var rows = await ExecuteAsync(
                "UPDATE cf_service SET name = @name, name_key = @nameKey WHERE service_id = @id",
                cancellationToken, ("@id", serviceId), ("@name", name), ("@nameKey", NameKey(name)));
            return rows > 0 ? NamingOutcome.Done : NamingOutcome.NotFound;
        }
        catch (DbException e) when (Dialect.IsUniqueViolation(e))
        {
            return NamingOutcome.NameTaken;
        }
    }

    /// <summary>
    /// The new key and the <c>key.rotated</c> deliveries of the service's hooks in one transaction
    /// (docs/decisions/0029-webhooks.md): a rotation that committed is always reported.
    /// </summary>
    public async Task<bool> SetServiceKeyAsync(Guid serviceId, Guid apiKey, CancellationToken cancellationToken = default) =>
        await WriteAsync(
            async (connection, transaction) =>
            {
                await using var update = Command(connection, transaction, "UPDATE cf_service SET api_key = @key WHERE service_id = @id", ("@id", serviceId), ("@key", apiKey));
                var changed = await update.ExecuteNonQueryAsync(cancellationToken);
                if (changed > 0)
                {
                    await using var outbox = Command(connection, transaction, $"""
                        INSERT INTO cf_webhook_outbox (event_id, hook_id, collection_id, event_type, created_at, next_attempt_at)
                        SELECT {Dialect.NewIdSql}, h.hook_id, h.collection_id, 'key.rotated', {Dialect.NowMsSql}, {Dialect.NowMsSql}
                        FROM cf_webhook h WHERE h.collection_id = @id AND h.enabled = TRUE AND h.events LIKE '%,key.rotated,%' ORDER BY h.seq
                        """, ("@id", serviceId));
                    await outbox.ExecuteNonQueryAsync(cancellationToken);
                }

                return changed;
            },
            cancellationToken) > 0;

    public Task<bool> DeleteServiceAsync(Guid serviceId, CancellationToken cancellationToken = default) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                await using (var statistics = Command(
                    connection, transaction, "DELETE FROM cf_service_statistic WHERE service_id = @id", ("@id", serviceId)))
                {
                    await statistics.ExecuteNonQueryAsync(cancellationToken);
                }

                await DeleteWebhooksAsync(connection, transaction, "@id", ("@id", serviceId), cancellationToken);

                await using var delete = Command(connection, transaction, "DELETE FROM cf_service WHERE service_id = @id", ("@id", serviceId));
                return await delete.ExecuteNonQueryAsync(cancellationToken) > 0;
            },
            cancellationToken);

    /// <summary>
    /// Deletes the webhooks of the services <paramref name="services"/> names (an id parameter or a subquery over
    /// <c>cf_service</c>), with their pending deliveries and delivery log, in the caller's transaction: a hook belongs to
    /// its service, and once the service is gone nobody can manage it, while its URL and secret would stay stored for
    /// good (docs/webhooks.md). Outbox rows first: SQLite applies their cascade only on connections that enable it.
    /// </summary>
    private async Task DeleteWebhooksAsync(
        DbConnection connection, DbTransaction transaction, string services, (string Name, object Value) parameter, CancellationToken cancellationToken)
    {
        foreach (var table in (string[])["cf_webhook_outbox", "cf_webhook"])
        {
            await using var delete = Command(connection, transaction, $"DELETE FROM {table} WHERE collection_id IN ({services})", parameter);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>The case-insensitive uniqueness key of a service name.</summary>
    internal static string NameKey(string name) => name.ToLowerInvariant();

    private static readonly CodeMap<FaceServiceType> Types = new(
        "service type", (FaceServiceType.Recognition, "R"), (FaceServiceType.Detection, "D"), (FaceServiceType.Verify, "V"));

    private static ServiceRecord ReadService(DbDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetGuid(3), Types.Parse(r.GetString(4)), Utc(r.GetDateTime(5)),
        r.IsDBNull(6) ? null : new ServiceQuota(r.GetDouble(6), r.GetInt32(7)));
}
