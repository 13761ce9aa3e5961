namespace CompreFace.Grains.Storage;

/// <summary>
/// The audit log's table (docs/decisions/0025-audit-log.md), each step in both dialects, numbered in the sequence shared
/// with <see cref="FaceSteps"/> and <see cref="AdminSteps"/> (see <see cref="StorageSchemas"/>).
/// </summary>
public static class AuditSteps
{
    /// <summary>Each step in both dialects; SQLite keeps ids as <see cref="Guid.ToByteArray()"/> BLOBs, times as ISO-8601 UTC text.</summary>
    public static IReadOnlyList<DialectStep> Steps { get; } =
    [
        new(5, "audit log of security-relevant events (append-only: updates refused by a trigger)",
            Postgres: """
            -- No foreign keys: an event outlives the user, application or service it names. Ids are kept as recorded.
            CREATE TABLE cf_audit_event (
                event_id    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                occurred_at timestamptz NOT NULL,
                action      text        NOT NULL,
                actor_kind  char(1)     NOT NULL CHECK (actor_kind IN ('N', 'U', 'S')),
                actor_id    uuid,
                actor_name  text,
                address     text,
                app_id      uuid,
                target_type text,
                target_id   text,
                target_name text,
                details     text
            );
            CREATE INDEX cf_audit_event_time_idx ON cf_audit_event (occurred_at);
            CREATE INDEX cf_audit_event_app_idx ON cf_audit_event (app_id, occurred_at);

            -- Append-only from the application's side: the node only inserts, reads and purges by age; a row is never changed.
            CREATE FUNCTION cf_audit_event_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'cf_audit_event is append-only';
            END;
            $$;
            CREATE TRIGGER cf_audit_event_no_update BEFORE UPDATE ON cf_audit_event
                FOR EACH ROW EXECUTE FUNCTION cf_audit_event_immutable();
            """,
            Sqlite: """
            CREATE TABLE cf_audit_event (
                event_id    INTEGER PRIMARY KEY AUTOINCREMENT,
                occurred_at TEXT    NOT NULL,
                action      TEXT    NOT NULL,
                actor_kind  TEXT    NOT NULL CHECK (actor_kind IN ('N', 'U', 'S')),
                actor_id    BLOB,
                actor_name  TEXT,
                address     TEXT,
                app_id      BLOB,
                target_type TEXT,
                target_id   TEXT,
                target_name TEXT,
                details     TEXT
            );
            CREATE INDEX cf_audit_event_time_idx ON cf_audit_event (occurred_at);
            CREATE INDEX cf_audit_event_app_idx ON cf_audit_event (app_id, occurred_at);
            CREATE TRIGGER cf_audit_event_no_update BEFORE UPDATE ON cf_audit_event
            BEGIN
                SELECT RAISE(ABORT, 'cf_audit_event is append-only');
            END;
            """),
    ];
}
