using System.Data.Common;

namespace CompreFace.Grains.Storage;

/// <summary><see cref="IWebhookStore"/> in portable SQL; the node's <see cref="SqlDialect"/> supplies connections, ids, the clock and booleans.</summary>
internal sealed class AdoWebhookStore(SqlDialect dialect) : DialectStore(dialect), IWebhookStore
{
    private const string DeliveryColumns =
        "o.seq, o.event_id, o.hook_id, o.collection_id, o.event_type, o.subject, o.old_subject, o.image_id, o.similarity, o.created_at, o.attempts, h.url, h.secret, o.subject_key";

    public Task<IReadOnlyList<WebhookRecord>> ListHooksAsync(Guid collectionId, CancellationToken cancellationToken = default) =>
        QueryAsync(
            "SELECT hook_id, collection_id, url, secret, events, similarity_threshold, enabled, created_at FROM cf_webhook WHERE collection_id = @c ORDER BY seq",
            ReadHook,
            cancellationToken,
            ("@c", collectionId));

    public Task CreateHookAsync(WebhookRecord hook, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hook);
        return ExecuteAsync(
            "INSERT INTO cf_webhook (hook_id, collection_id, url, secret, events, similarity_threshold, enabled) VALUES (@h, @c, @u, @s, @e, @t, @en)",
            cancellationToken,
            ("@h", hook.HookId), ("@c", hook.CollectionId), ("@u", hook.Url), ("@s", hook.Secret), ("@e", EncodeEvents(hook.Events)),
            ("@t", (object?)hook.SimilarityThreshold ?? DBNull.Value), ("@en", hook.Enabled));
    }

    public async Task<bool> UpdateHookAsync(WebhookRecord hook, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hook);
        return await ExecuteAsync(
            "UPDATE cf_webhook SET url = @u, events = @e, similarity_threshold = @t, enabled = @en WHERE collection_id = @c AND hook_id = @h",
            cancellationToken,
            ("@h", hook.HookId), ("@c", hook.CollectionId), ("@u", hook.Url), ("@e", EncodeEvents(hook.Events)),
            ("@t", (object?)hook.SimilarityThreshold ?? DBNull.Value), ("@en", hook.Enabled)) > 0;
    }

    public async Task<bool> DeleteHookAsync(Guid collectionId, Guid hookId, CancellationToken cancellationToken = default)
    {
        var deleted = await WriteAsync(
            async (connection, transaction) =>
            {
                await using (var outbox = Command(connection, transaction, "DELETE FROM cf_webhook_outbox WHERE hook_id = @h AND collection_id = @c", ("@h", hookId), ("@c", collectionId)))
                {
                    await outbox.ExecuteNonQueryAsync(cancellationToken);
                }

                await using var hook = Command(connection, transaction, "DELETE FROM cf_webhook WHERE hook_id = @h AND collection_id = @c", ("@h", hookId), ("@c", collectionId));
                return await hook.ExecuteNonQueryAsync(cancellationToken);
            },
            cancellationToken);
        return deleted > 0;
    }

    public Task<int> EnqueueAsync(Guid collectionId, WebhookEventDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var filter = draft.OnlyHook is null
            ? $"h.enabled = TRUE AND h.events LIKE @like AND ({Dialect.Typed("@sim", "double precision")} IS NULL OR h.similarity_threshold IS NULL OR h.similarity_threshold <= {Dialect.Typed("@sim", "double precision")})"
            : $"h.hook_id = {Dialect.Typed("@only", "uuid")}";
        return ExecuteAsync(
            $"""
            INSERT INTO cf_webhook_outbox (event_id, hook_id, collection_id, event_type, subject, image_id, similarity, created_at, next_attempt_at)
            SELECT {Dialect.NewIdSql}, h.hook_id, h.collection_id, @type, {Dialect.Typed("@subject", "text")}, {Dialect.Typed("@image", "uuid")}, {Dialect.Typed("@sim", "double precision")}, {Dialect.NowMsSql}, {Dialect.NowMsSql}
            FROM cf_webhook h WHERE h.collection_id = @c AND {filter} ORDER BY h.seq
            """,
            cancellationToken,
            ("@c", collectionId), ("@type", draft.Type), ("@like", "%," + draft.Type + ",%"),
            ("@subject", (object?)draft.Subject ?? DBNull.Value), ("@image", (object?)draft.ImageId ?? DBNull.Value),
            ("@sim", (object?)draft.Similarity ?? DBNull.Value), ("@only", (object?)draft.OnlyHook ?? DBNull.Value));
    }

    public Task<IReadOnlyList<OutboxDelivery>> FindDueAsync(long nowMs, int limit, int perHook, CancellationToken cancellationToken = default) =>
        QueryAsync(
            $"""
            SELECT * FROM (
                SELECT {DeliveryColumns}, ROW_NUMBER() OVER (PARTITION BY o.hook_id ORDER BY o.seq) AS place
                FROM cf_webhook_outbox o JOIN cf_webhook h ON h.hook_id = o.hook_id
                WHERE o.status = 0 AND o.next_attempt_at <= @now AND o.locked_until <= @now AND h.enabled = TRUE
                  AND NOT EXISTS (SELECT 1 FROM cf_webhook_outbox p
                                  WHERE p.hook_id = o.hook_id AND p.subject_key = o.subject_key AND p.status = 0 AND p.seq < o.seq)
            ) due
            WHERE place <= @perHook ORDER BY seq LIMIT @limit
            """,
            ReadDelivery,
            cancellationToken,
            ("@now", nowMs), ("@limit", limit), ("@perHook", perHook));

    public async Task<bool> TryClaimAsync(long seq, long nowMs, long leaseUntilMs, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(
            "UPDATE cf_webhook_outbox SET locked_until = @lease WHERE seq = @s AND status = 0 AND locked_until <= @now",
            cancellationToken, ("@lease", leaseUntilMs), ("@s", seq), ("@now", nowMs)) == 1;

    // A finished delivery (status 1 or 2) is never due again, so its next_attempt_at holds when it finished: the
    // purge then finds old finished rows through the (status, next_attempt_at) index without a schema change.
    // Both outcomes apply only under the caller's own lease (a lease value is unique to one claim): a sender whose lease
    // ran out and was taken over must not overwrite the new holder's outcome.
    public Task CompleteAsync(long seq, long leaseUntilMs, long nowMs, int statusCode, CancellationToken cancellationToken = default) =>
        ExecuteAsync(
            "UPDATE cf_webhook_outbox SET status = 1, attempts = attempts + 1, delivered_at = @now, next_attempt_at = @now, last_status = @code, last_error = NULL, locked_until = 0 WHERE seq = @s AND status = 0 AND locked_until = @lease",
            cancellationToken, ("@s", seq), ("@lease", leaseUntilMs), ("@now", nowMs), ("@code", statusCode));

    public Task FailAsync(long seq, long leaseUntilMs, long nowMs, int attempts, long? nextAttemptMs, int? statusCode, string failure, CancellationToken cancellationToken = default) =>
        ExecuteAsync(
            "UPDATE cf_webhook_outbox SET status = @st, attempts = @a, next_attempt_at = @next, last_status = @code, last_error = @err, locked_until = 0 WHERE seq = @s AND status = 0 AND locked_until = @lease",
            cancellationToken,
            ("@s", seq), ("@lease", leaseUntilMs), ("@st", nextAttemptMs is null ? 2 : 0), ("@a", attempts), ("@next", nextAttemptMs ?? nowMs),
            ("@code", (object?)statusCode ?? DBNull.Value), ("@err", failure.Length > 500 ? failure[..500] : failure));

    public async Task<int> PurgeFinishedAsync(long beforeMs, CancellationToken cancellationToken = default)
    {
        // Batches keep each write transaction short, so face writes (which insert outbox rows) never wait long on it.
        const int Batch = 5000;
        var total = 0;
        while (true)
        {
            var deleted = await ExecuteAsync(
                """
                DELETE FROM cf_webhook_outbox WHERE seq IN (
                    SELECT seq FROM cf_webhook_outbox WHERE status IN (1, 2) AND next_attempt_at < @before LIMIT @batch)
                """,
                cancellationToken, ("@before", beforeMs), ("@batch", Batch));
            total += deleted;
            if (deleted < Batch)
            {
                return total;
            }
        }
    }

    public Task<IReadOnlyList<OutboxEntry>> ListDeliveriesAsync(Guid collectionId, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync(
            """
            SELECT seq, event_id, hook_id, event_type, subject, status, attempts, created_at, delivered_at, last_status, last_error
            FROM cf_webhook_outbox WHERE collection_id = @c ORDER BY seq DESC LIMIT @limit
            """,
            r => new OutboxEntry(
                r.GetInt64(0), r.GetGuid(1), r.GetGuid(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetInt32(5), r.GetInt32(6),
                r.GetInt64(7), r.IsDBNull(8) ? null : r.GetInt64(8), r.IsDBNull(9) ? null : r.GetInt32(9), r.IsDBNull(10) ? null : r.GetString(10)),
            cancellationToken,
            ("@c", collectionId), ("@limit", limit));

    public async Task<long> CountPendingAsync(CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync("SELECT count(*) FROM cf_webhook_outbox WHERE status = 0", r => r.GetInt64(0), cancellationToken);
        return rows[0];
    }

    private static string EncodeEvents(IReadOnlyList<string> events) => "," + string.Join(',', events) + ",";

    private WebhookRecord ReadHook(DbDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetString(3),
        r.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries), r.IsDBNull(5) ? null : r.GetDouble(5), Dialect.ReadBoolean(r, 6),
        r.GetValue(7) switch
        {
            DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
            string text => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal),
            var other => new DateTimeOffset(Convert.ToDateTime(other, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero),
        });

    private static OutboxDelivery ReadDelivery(DbDataReader r) => new(
        r.GetInt64(0), r.GetGuid(1), r.GetGuid(2), r.GetGuid(3), r.GetString(4),
        r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetGuid(7),
        r.IsDBNull(8) ? null : r.GetDouble(8), r.GetInt64(9), r.GetInt32(10), r.GetString(11), r.GetString(12), r.IsDBNull(13) ? null : r.GetGuid(13));
}
