namespace CompreFace.Grains.Storage;

/// <summary>The SQLite schema of <see cref="SqliteFaceStore"/>, as ordered steps (same tables as PostgreSQL).</summary>
/// <remarks>
/// Ids are 16-byte BLOBs (<see cref="Guid.ToByteArray()"/>). Each table has an explicit <c>seq INTEGER PRIMARY KEY</c>
/// because implicit rowids may be renumbered by VACUUM and insertion order must survive it.
/// </remarks>
internal static class SqliteMigrations
{
    public const string VersionTable = """
        CREATE TABLE IF NOT EXISTS cf_schema_version (
            version     INTEGER PRIMARY KEY,
            description TEXT    NOT NULL,
            applied_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );
        """;

    public static readonly IReadOnlyList<Migration> All =
    [
        new(1, "subjects, faces and images", """
            CREATE TABLE cf_subject (
                seq           INTEGER PRIMARY KEY,
                subject_id    BLOB    NOT NULL UNIQUE,
                collection_id BLOB    NOT NULL,
                name          TEXT    NOT NULL,
                created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                UNIQUE (collection_id, name),
                UNIQUE (collection_id, subject_id)
            );

            CREATE TABLE cf_face (
                seq           INTEGER PRIMARY KEY,
                image_id      BLOB    NOT NULL UNIQUE,
                collection_id BLOB    NOT NULL,
                subject_id    BLOB    NOT NULL,
                shard         INTEGER NOT NULL CHECK (shard >= 0),
                embedding     BLOB    NOT NULL CHECK (length(embedding) > 0 AND length(embedding) % 4 = 0),
                calculator    TEXT    NOT NULL,
                created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                FOREIGN KEY (collection_id, subject_id)
                    REFERENCES cf_subject (collection_id, subject_id) ON DELETE CASCADE
            );
            -- Every SQLite index ends with the rowid (seq), so these also give insertion order: the first serves paged
            -- listing, the second shard loads and counts, the third per-subject deletes and the cascade.
            CREATE INDEX cf_face_collection_idx ON cf_face (collection_id);
            CREATE INDEX cf_face_collection_shard_idx ON cf_face (collection_id, shard);
            CREATE INDEX cf_face_collection_subject_idx ON cf_face (collection_id, subject_id);

            CREATE TABLE cf_image (
                image_id BLOB PRIMARY KEY REFERENCES cf_face (image_id) ON DELETE CASCADE,
                content  BLOB NOT NULL
            );
            """),
        new(2, "admin: users, applications, members, services, tokens; CompreFace's demo seed", """
            CREATE TABLE cf_user (
                user_id          BLOB    PRIMARY KEY,
                email            TEXT    NOT NULL UNIQUE,
                password_hash    TEXT    NOT NULL,
                first_name       TEXT    NOT NULL,
                last_name        TEXT    NOT NULL,
                global_role      TEXT    NOT NULL CHECK (global_role IN ('O', 'A', 'U')),
                allow_statistics INTEGER NOT NULL DEFAULT 0,
                is_demo          INTEGER NOT NULL DEFAULT 0,
                created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            );
            CREATE UNIQUE INDEX cf_user_single_owner_idx ON cf_user (global_role) WHERE global_role = 'O';

            CREATE TABLE cf_app (
                app_id     BLOB PRIMARY KEY,
                name       TEXT NOT NULL UNIQUE,
                api_key    BLOB NOT NULL UNIQUE,
                created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            );

            CREATE TABLE cf_app_member (
                app_id  BLOB NOT NULL REFERENCES cf_app (app_id) ON DELETE CASCADE,
                user_id BLOB NOT NULL REFERENCES cf_user (user_id) ON DELETE CASCADE ON UPDATE CASCADE,
                role    TEXT NOT NULL CHECK (role IN ('O', 'A', 'U')),
                PRIMARY KEY (app_id, user_id)
            );
            CREATE INDEX cf_app_member_user_idx ON cf_app_member (user_id);

            CREATE TABLE cf_service (
                service_id BLOB PRIMARY KEY,
                app_id     BLOB NOT NULL REFERENCES cf_app (app_id) ON DELETE CASCADE,
                name       TEXT NOT NULL,
                name_key   TEXT NOT NULL,
                api_key    BLOB NOT NULL UNIQUE,
                type       TEXT NOT NULL CHECK (type IN ('R', 'D', 'V')),
                created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                UNIQUE (app_id, name_key)
            );

            CREATE TABLE cf_token (
                token_hash BLOB PRIMARY KEY,
                user_id    BLOB NOT NULL REFERENCES cf_user (user_id) ON DELETE CASCADE ON UPDATE CASCADE,
                kind       TEXT NOT NULL CHECK (kind IN ('A', 'R')),
                expires_at TEXT NOT NULL
            );
            CREATE INDEX cf_token_user_idx ON cf_token (user_id);

            -- Ids are Guid.ToByteArray() BLOBs: X'…' below is that byte order for 00000000-0000-0000-0000-00000000000N.
            INSERT INTO cf_user (user_id, email, password_hash, first_name, last_name, global_role, is_demo)
                VALUES (X'00000000000000000000000000000001', 'demo@demo.com', '', 'Demo', 'User', 'O', 1);
            INSERT INTO cf_app (app_id, name, api_key)
                VALUES (X'00000000000000000000000000000001', 'Demo application', X'00000000000000000000000000000001');
            INSERT INTO cf_app_member (app_id, user_id, role)
                VALUES (X'00000000000000000000000000000001', X'00000000000000000000000000000001', 'O');
            INSERT INTO cf_service (service_id, app_id, name, name_key, api_key, type) VALUES
                (X'00000000000000000000000000000001', X'00000000000000000000000000000001', 'Demo', 'demo', X'00000000000000000000000000000002', 'R'),
                (X'00000000000000000000000000000003', X'00000000000000000000000000000001', 'Detection_Demo', 'detection_demo', X'00000000000000000000000000000003', 'D'),
                (X'00000000000000000000000000000004', X'00000000000000000000000000000001', 'Verification_Demo', 'verification_demo', X'00000000000000000000000000000004', 'V');
            """),
        new(3, "index on the faces' calculator for the consistence status", """
            -- Lets "is any face of another model stored?" be two index range scans (< and >) instead of a table scan.
            CREATE INDEX cf_face_calculator_idx ON cf_face (calculator);
            """),
        new(4, "admin: request statistics per service and hour; password-reset and sign-up confirmation tokens", """
            CREATE TABLE cf_service_statistic (
                service_id    BLOB    NOT NULL,
                -- ISO-8601 UTC text of the hour's start, as every time in this file: sorts and compares as text.
                hour          TEXT    NOT NULL,
                request_count INTEGER NOT NULL CHECK (request_count >= 0),
                PRIMARY KEY (service_id, hour)
            );
            CREATE TABLE cf_reset_token (
                token_hash BLOB PRIMARY KEY,
                user_id    BLOB NOT NULL UNIQUE REFERENCES cf_user (user_id) ON DELETE CASCADE ON UPDATE CASCADE,
                expires_at TEXT NOT NULL
            );
            ALTER TABLE cf_user ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
            CREATE TABLE cf_registration_token (
                token_hash BLOB PRIMARY KEY,
                user_id    BLOB NOT NULL UNIQUE REFERENCES cf_user (user_id) ON DELETE CASCADE ON UPDATE CASCADE,
                expires_at TEXT NOT NULL
            );
            """),
    ];
}
