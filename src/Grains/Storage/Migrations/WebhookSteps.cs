namespace CompreFace.Grains.Storage;

/// <summary>
/// Webhooks (docs/decisions/0029-webhooks.md): the hooks of a face service and the outbox of their deliveries, which the
/// face store fills in the same transaction as the write it reports. Numbered in the sequence shared with
/// <see cref="FaceSteps"/> and <see cref="AdminSteps"/>. Times in the outbox are Unix milliseconds so both dialects
/// compare them alike.
/// </summary>
public static class WebhookSteps
{
    /// <summary>Each step in both dialects; SQLite: the same tables with BLOB ids.</summary>
    public static IReadOnlyList<DialectStep> Steps { get; } =
    [
        new(6, "webhooks: hooks per face service and their delivery outbox",
            Postgres: """
            CREATE TABLE cf_webhook (
                hook_id              uuid        PRIMARY KEY,
                collection_id        uuid        NOT NULL,
                url                  text        NOT NULL,
                secret               text        NOT NULL,
                -- ",face.added,subject.deleted," so that one LIKE finds the subscribers of a type.
                events               text        NOT NULL,
                similarity_threshold double precision,
                enabled              boolean     NOT NULL,
                created_at           timestamptz NOT NULL DEFAULT now(),
                seq                  bigint      GENERATED ALWAYS AS IDENTITY
            );
            CREATE INDEX cf_webhook_collection_idx ON cf_webhook (collection_id, seq);

            CREATE TABLE cf_webhook_outbox (
                seq             bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                event_id        uuid    NOT NULL,
                hook_id         uuid    NOT NULL REFERENCES cf_webhook (hook_id) ON DELETE CASCADE,
                collection_id   uuid    NOT NULL,
                event_type      text    NOT NULL,
                -- Deliveries of one subject go out in seq order; null (key.rotated, test) is not ordered.
                subject_key     uuid,
                subject         text,
                old_subject     text,
                image_id        uuid,
                similarity      double precision,
                created_at      bigint  NOT NULL,
                -- 0 pending, 1 delivered, 2 given up.
                status          integer NOT NULL DEFAULT 0,
                attempts        integer NOT NULL DEFAULT 0,
                next_attempt_at bigint  NOT NULL,
                locked_until    bigint  NOT NULL DEFAULT 0,
                delivered_at    bigint,
                last_status     integer,
                last_error      text
            );
            CREATE INDEX cf_webhook_outbox_pending_idx ON cf_webhook_outbox (status, next_attempt_at, seq);
            CREATE INDEX cf_webhook_outbox_order_idx ON cf_webhook_outbox (hook_id, subject_key, status, seq);
            CREATE INDEX cf_webhook_outbox_collection_idx ON cf_webhook_outbox (collection_id, seq);
            """,
            Sqlite: """
            CREATE TABLE cf_webhook (
                seq                  INTEGER PRIMARY KEY,
                hook_id              BLOB    NOT NULL UNIQUE,
                collection_id        BLOB    NOT NULL,
                url                  TEXT    NOT NULL,
                secret               TEXT    NOT NULL,
                events               TEXT    NOT NULL,
                similarity_threshold REAL,
                enabled              INTEGER NOT NULL,
                created_at           TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            );
            CREATE INDEX cf_webhook_collection_idx ON cf_webhook (collection_id);

            CREATE TABLE cf_webhook_outbox (
                seq             INTEGER PRIMARY KEY,
                event_id        BLOB    NOT NULL,
                hook_id         BLOB    NOT NULL REFERENCES cf_webhook (hook_id) ON DELETE CASCADE,
                collection_id   BLOB    NOT NULL,
                event_type      TEXT    NOT NULL,
                subject_key     BLOB,
                subject         TEXT,
                old_subject     TEXT,
                image_id        BLOB,
                similarity      REAL,
                created_at      INTEGER NOT NULL,
                status          INTEGER NOT NULL DEFAULT 0,
                attempts        INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER NOT NULL,
                locked_until    INTEGER NOT NULL DEFAULT 0,
                delivered_at    INTEGER,
                last_status     INTEGER,
                last_error      TEXT
            );
            CREATE INDEX cf_webhook_outbox_pending_idx ON cf_webhook_outbox (status, next_attempt_at);
            CREATE INDEX cf_webhook_outbox_order_idx ON cf_webhook_outbox (hook_id, subject_key, status);
            CREATE INDEX cf_webhook_outbox_collection_idx ON cf_webhook_outbox (collection_id);
            """),
        new(12, "webhooks: the hooks of face services deleted before deleting a service took its hooks along", Postgres: OrphanHooks, Sqlite: OrphanHooks),
    ];

    /// <summary>The same statements in both dialects: outbox rows first, as the store deletes them.</summary>
    private const string OrphanHooks = """
        DELETE FROM cf_webhook_outbox WHERE collection_id NOT IN (SELECT service_id FROM cf_service);
        DELETE FROM cf_webhook WHERE collection_id NOT IN (SELECT service_id FROM cf_service);
        """;
}
