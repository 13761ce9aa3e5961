using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Grains.Storage;

/// <summary>The admin store's request statistics per service and hour.</summary>
internal sealed partial class AdoAdminStore
{
    public Task AddRequestCountsAsync(IReadOnlyList<RequestCount> counts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(counts);

        // WHERE EXISTS drops counts of a deleted service (and keeps SQLite's INSERT … SELECT … ON CONFLICT unambiguous).
        return ExecuteEachAsync(
            counts,
            """
            INSERT INTO cf_service_statistic (service_id, hour, request_count)
            SELECT @service, @hour, @count WHERE EXISTS (SELECT 1 FROM cf_service WHERE service_id = @service)
            ON CONFLICT (service_id, hour) DO UPDATE SET request_count = cf_service_statistic.request_count + excluded.request_count
            """,
            count => [("@service", count.ServiceId), ("@hour", Utc(count.Hour)), ("@count", count.Count)],
            cancellationToken);
    }

    public Task<IReadOnlyList<RequestCount>> ListRequestCountsAsync(Guid serviceId, DateTime fromUtc, CancellationToken cancellationToken = default) =>
        QueryAsync(
            "SELECT service_id, hour, request_count FROM cf_service_statistic WHERE service_id = @service AND hour >= @from ORDER BY hour",
            r => new RequestCount(r.GetGuid(0), Utc(r.GetDateTime(1)), r.GetInt64(2)),
            cancellationToken,
            ("@service", serviceId), ("@from", Utc(fromUtc)));
}
