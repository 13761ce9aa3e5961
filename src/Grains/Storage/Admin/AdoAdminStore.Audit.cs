using System.Data.Common;
using System.Text;
using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Grains.Storage;

/// <summary>The audit log (<see cref="IAuditStore"/>), in the admin store's database and dialects.</summary>
internal sealed partial class AdoAdminStore : IAuditStore
{
    /// <summary>Longest stored name, address or id text (an email is at most 254).</summary>
    internal const int MaxAuditText = 256;

    /// <summary>Longest stored details text.</summary>
    internal const int MaxAuditDetails = 512;

    private const string AuditColumns =
        "event_id, occurred_at, action, actor_kind, actor_id, actor_name, address, app_id, target_type, target_id, target_name, details";

    private static readonly CodeMap<AuditActorKind> ActorKinds =
        new("audit actor", (AuditActorKind.User, "U"), (AuditActorKind.Service, "S"), (AuditActorKind.Anonymous, "N"));

    public Task AppendAsync(IReadOnlyList<AuditEntry> entries, DateTimeOffset occurredAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return Task.CompletedTask;
        }

        // A service's events carry its application (an application owner reads them); resolved here, in the insert,
        // so the face API's hot path makes no lookup of its own.
        return ExecuteEachAsync(
            entries,
            """
            INSERT INTO cf_audit_event (occurred_at, action, actor_kind, actor_id, actor_name, address, app_id, target_type, target_id, target_name, details)
            VALUES (@at, @action, @kind, @actor, @actor_name, @address,
                    COALESCE(@app, (SELECT s.app_id FROM cf_service s WHERE s.service_id = @service)),
                    @target_type, @target_id, @target_name, @details)
            """,
            e =>
            [
                ("@at", occurredAt.UtcDateTime),
                ("@action", Bounded(e.Action, MaxAuditText)!),
                ("@kind", ActorKinds.Code(e.ActorKind)),
                ("@actor", Nullable(e.ActorId)),
                ("@actor_name", Nullable(Bounded(e.ActorName, MaxAuditText))),
                ("@address", Nullable(Bounded(e.Address, MaxAuditText))),
                ("@app", Nullable(e.AppId)),
                ("@service", e.ActorKind == AuditActorKind.Service && e.ActorId is { } service ? service : Guid.Empty),
                ("@target_type", Nullable(Bounded(e.TargetType, MaxAuditText))),
                ("@target_id", Nullable(Bounded(e.TargetId, MaxAuditText))),
                ("@target_name", Nullable(Bounded(e.TargetName, MaxAuditText))),
                ("@details", Nullable(Bounded(e.Details, MaxAuditDetails))),
            ],
            cancellationToken);
    }

    public async Task<Page<AuditEvent>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);

        // Only the filters given become conditions: constant SQL fragments, every value a parameter.
        var where = new StringBuilder(" WHERE 1 = 1");
        var parameters = new List<(string Name, object Value)>();
        if (query.From is { } from)
        {
            where.Append(" AND occurred_at >= @from");
            parameters.Add(("@from", from.UtcDateTime));
        }

        if (query.To is { } to)
        {
            where.Append(" AND occurred_at < @to");
            parameters.Add(("@to", to.UtcDateTime));
        }

        if (!string.IsNullOrWhiteSpace(query.Actor))
        {
            // An actor is a user's email or a service's name, or either's id.
            if (Guid.TryParse(query.Actor, out var actorId))
            {
                where.Append(" AND actor_id = @actor_id");
                parameters.Add(("@actor_id", actorId));
            }
            else
            {
                where.Append(" AND LOWER(actor_name) = @actor_name");
                parameters.Add(("@actor_name", query.Actor.Trim().ToLowerInvariant()));
            }
        }

        if (!string.IsNullOrWhiteSpace(query.Action))
        {
            where.Append(" AND action = @action");
            parameters.Add(("@action", query.Action));
        }

        if (query.AppId is { } app)
        {
            where.Append(" AND app_id = @app");
            parameters.Add(("@app", app));
        }

        if (query.AppIds is { } apps)
        {
            if (apps.Count == 0)
            {
                return new Page<AuditEvent>([], 0);
            }

            where.Append(" AND app_id IN (");
            for (var i = 0; i < apps.Count; i++)
            {
                where.Append(i == 0 ? "@app" : ", @app").Append(i);
                parameters.Add(($"@app{i}", apps[i]));
            }

            where.Append(')');
        }

        var size = Math.Clamp(query.Size, 1, 1000);
        var offset = (long)Math.Max(query.Page, 0) * size;
        await using var connection = await OpenAsync(cancellationToken);
        long total;
        await using (var count = Command(connection, null, "SELECT COUNT(*) FROM cf_audit_event" + where, [.. parameters]))
        {
            total = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        await using var select = Command(
            connection, null,
            $"SELECT {AuditColumns} FROM cf_audit_event{where} ORDER BY event_id DESC LIMIT @limit OFFSET @offset",
            [.. parameters, ("@limit", size), ("@offset", offset)]);
        return new Page<AuditEvent>(await ReadAllAsync(select, ReadAuditEvent, cancellationToken), total);
    }

    public Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken = default) =>
        ExecuteAsync("DELETE FROM cf_audit_event WHERE occurred_at < @before", cancellationToken, ("@before", before.UtcDateTime));

    /// <summary><paramref name="text"/> cut to <paramref name="max"/> characters.</summary>
    internal static string? Bounded(string? text, int max) => text is null ? null : text.Length <= max ? text : text[..max];

    private static object Nullable(Guid? value) => value is { } v ? v : DBNull.Value;

    private static object Nullable(string? value) => value is null ? DBNull.Value : value;

    private static AuditEvent ReadAuditEvent(DbDataReader r) => new(
        r.GetInt64(0),
        new DateTimeOffset(Utc(r.GetDateTime(1))),
        new AuditEntry(
            r.GetString(2),
            ActorKinds.Parse(r.GetString(3)),
            r.IsDBNull(4) ? null : r.GetGuid(4),
            r.IsDBNull(5) ? null : r.GetString(5),
            r.IsDBNull(6) ? null : r.GetString(6),
            r.IsDBNull(7) ? null : r.GetGuid(7),
            r.IsDBNull(8) ? null : r.GetString(8),
            r.IsDBNull(9) ? null : r.GetString(9),
            r.IsDBNull(10) ? null : r.GetString(10),
            r.IsDBNull(11) ? null : r.GetString(11)));
}
