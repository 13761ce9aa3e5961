namespace CompreFace.Grains.Storage;

/// <summary>
/// The admin model's tables (users, applications, members, services, tokens, statistics) and CompreFace's demo seed as
/// schema steps, each in both dialects. Numbered in the sequence they share with <see cref="FaceSteps"/>
/// (see <see cref="StorageSchemas"/>).
/// </summary>
public static class AdminSteps
{
    /// <summary>Each step in both dialects; SQLite keeps ids as <see cref="Guid.ToByteArray()"/> BLOBs, times as ISO-8601 UTC text, booleans as 0/1.</summary>
    public static IReadOnlyList<DialectStep> Steps { get; } =
    [
        new(2, "admin: users, applications, members, services, tokens; CompreFace's demo seed",
            Postgres: """
            CREATE TABLE cf_user (
                user_id          uuid        PRIMARY KEY,
                -- Stored lower-cased (CompreFace does); unique case-insensitively by construction.
                email            text        NOT NULL UNIQUE,
                -- ASP.NET Core Identity PasswordHasher v3 format; empty for the seeded demo user (no login).
                password_hash    text        NOT NULL,
                first_name       text        NOT NULL,
                last_name        text        NOT NULL,
                global_role      char(1)     NOT NULL CHECK (global_role IN ('O', 'A', 'U')),
                allow_statistics boolean     NOT NULL DEFAULT false,
                is_demo          boolean     NOT NULL DEFAULT false,
                created_at       timestamptz NOT NULL DEFAULT now()
            );
            -- Exactly one global OWNER (docs/compreface-behaviour.md#roles-and-permissions): at most one here, the grains keep at least one.
            CREATE UNIQUE INDEX cf_user_single_owner_idx ON cf_user (global_role) WHERE global_role = 'O';

            CREATE TABLE cf_app (
                app_id     uuid        PRIMARY KEY,
                -- Globally unique, case-sensitive (docs/compreface-behaviour.md#applications).
                name       text        NOT NULL UNIQUE,
                api_key    uuid        NOT NULL UNIQUE,
                created_at timestamptz NOT NULL DEFAULT now()
            );

            CREATE TABLE cf_app_member (
                app_id  uuid    NOT NULL REFERENCES cf_app (app_id) ON DELETE CASCADE,
                -- ON UPDATE CASCADE: the first sign-up takes over the demo user with a new guid.
                user_id uuid    NOT NULL REFERENCES cf_user (user_id) ON DELETE CASCADE ON UPDATE CASCADE,
                role    char(1) NOT NULL CHECK (role IN ('O', 'A', 'U')),
                PRIMARY KEY (app_id, user_id)
            );
            CREATE INDEX cf_app_member_user_idx ON cf_app_member (user_id);

            CREATE TABLE cf_service (
                -- The face collection's id (FaceServiceInfo.ServiceId): stable when the key is regenerated.
                service_id uuid        PRIMARY KEY,
                app_id     uuid        NOT NULL REFERENCES cf_app (app_id) ON DELETE CASCADE,
                name       text        NOT NULL,
                -- Unique within the app case-insensitively (docs/compreface-behaviour.md#services); lower-cased by the application.
                name_key   text        NOT NULL,
                api_key    uuid        NOT NULL UNIQUE,
                type       char(1)     NOT NULL CHECK (type IN ('R', 'D', 'V')),
                created_at timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT cf_service_app_name_key UNIQUE (app_id, name_key)
            );

            -- Session tokens, stored as SHA-256 of the random token; kind A(ccess) or R(efresh).
            CREATE TABLE cf_token (
                token_hash bytea       PRIMARY KEY,
                user_id    uuid        NOT NULL REFERENCES cf_user (user_id) ON DELETE CASCADE ON UPDATE CASCADE,
                kind       char(1)     NOT NULL CHECK (kind IN ('A', 'R')),
                expires_at timestamptz NOT NULL
            );
            CREATE INDEX cf_token_user_idx ON cf_token (user_id);

            -- CompreFace's seed (docs/compreface-behaviour.md#seed-data): the demo user, app and the three demo services whose keys SDK tests use.
            INSERT INTO cf_user (user_id, email, password_hash, first_name, last_name, global_role, is_demo)
                VALUES ('00000000-0000-0000-0000-000000000001', 'demo@demo.com', '', 'Demo', 'User', 'O', true);
            INSERT INTO cf_app (app_id, name, api_key)
                VALUES ('00000000-0000-0000-0000-000000000001', 'Demo application', '00000000-0000-0000-0000-000000000001');
            INSERT INTO cf_app_member (app_id, user_id, role)
                VALUES ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000001', 'O');
            INSERT INTO cf_service (service_id, app_id, name, name_key, api_key, type) VALUES
                ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000001', 'Demo', 'demo', '00000000-0000-0000-0000-000000000002', 'R'),
                ('00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000001', 'Detection_Demo', 'detection_demo', '00000000-0000-0000-0000-000000000003', 'D'),
                ('00000000-0000-0000-0000-000000000004', '00000000-0000-0000-0000-000000000001', 'Verification_Demo', 'verification_demo', '00000000-0000-0000-0000-000000000004', 'V');
            """,
            Sqlite: """
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
        new(4, "admin: request statistics per service and hour; password-reset and sign-up confirmation tokens",
            Postgres: """
            -- Face API requests per service and UTC hour (docs/compreface-behaviour.md#statistics), added to by each node's periodic flush. No foreign
            -- key: a flush racing a service deletion must not fail the batch; deleting a service deletes its rows.
            CREATE TABLE cf_service_statistic (
                service_id    uuid        NOT NULL,
                hour          timestamptz NOT NULL,
                request_count bigint      NOT NULL CHECK (request_count >= 0),
                PRIMARY KEY (service_id, hour)
            );
            -- Password-reset tokens (docs/compreface-behaviour.md#users): SHA-256 of the token mailed to the user, one per user, 15 minutes.
            CREATE TABLE cf_reset_token (
                token_hash bytea       PRIMARY KEY,
                user_id    uuid        NOT NULL UNIQUE REFERENCES cf_user (user_id) ON DELETE CASCADE ON UPDATE CASCADE,
                expires_at timestamptz NOT NULL
            );
            -- Mail-confirmed sign-up (docs/compreface-behaviour.md#users, only with mail on): unconfirmed users cannot log in and are purged.
            ALTER TABLE cf_user ADD COLUMN enabled boolean NOT NULL DEFAULT true;
            CREATE TABLE cf_registration_token (
                token_hash bytea       PRIMARY KEY,
                user_id    uuid        NOT NULL UNIQUE REFERENCES cf_user (user_id) ON DELETE CASCADE ON UPDATE CASCADE,
                expires_at timestamptz NOT NULL
            );
            """,
            Sqlite: """
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
        new(7, "admin: security stamps, refresh-token families, sign-up invitations",
            Postgres: """
            -- Bumped whenever the user's password or global role changes or they sign out everywhere: a session token
            -- issued under an older stamp is refused (docs/decisions/0023-accounts-and-sessions.md).
            ALTER TABLE cf_user ADD COLUMN security_stamp bigint NOT NULL DEFAULT 0;
            -- Every token of one login shares family_id and session_started_at (the absolute session lifetime counts
            -- from it); stamp is the user's at issue; a spent refresh token keeps its row, with used_at, until it
            -- expires, so a replay is recognised and ends the family. NULL family: a token issued before this step.
            ALTER TABLE cf_token ADD COLUMN family_id uuid;
            ALTER TABLE cf_token ADD COLUMN stamp bigint NOT NULL DEFAULT 0;
            ALTER TABLE cf_token ADD COLUMN session_started_at timestamptz;
            ALTER TABLE cf_token ADD COLUMN used_at timestamptz;
            CREATE INDEX cf_token_family_idx ON cf_token (family_id);
            -- Emails invited to sign up while Admin:Registration is InviteOnly (lower-cased, one row each).
            CREATE TABLE cf_invitation (
                email      text        PRIMARY KEY,
                invited_by uuid        REFERENCES cf_user (user_id) ON DELETE SET NULL ON UPDATE CASCADE,
                expires_at timestamptz NOT NULL
            );
            """,
            Sqlite: """
            ALTER TABLE cf_user ADD COLUMN security_stamp INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE cf_token ADD COLUMN family_id BLOB;
            ALTER TABLE cf_token ADD COLUMN stamp INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE cf_token ADD COLUMN session_started_at TEXT;
            ALTER TABLE cf_token ADD COLUMN used_at TEXT;
            CREATE INDEX cf_token_family_idx ON cf_token (family_id);
            CREATE TABLE cf_invitation (
                email      TEXT PRIMARY KEY,
                invited_by BLOB REFERENCES cf_user (user_id) ON DELETE SET NULL ON UPDATE CASCADE,
                expires_at TEXT NOT NULL
            );
            """),
        new(8, "admin: request quota per face service",
            Postgres: """
            -- The service's own token bucket on the face API (docs/decisions/0024-request-limits-rate-limiting-and-proxies.md):
            -- both NULL means the node-wide RateLimits:ApiKey applies; set by the application's owner or administrators.
            ALTER TABLE cf_service ADD COLUMN quota_rps double precision;
            ALTER TABLE cf_service ADD COLUMN quota_burst integer;
            ALTER TABLE cf_service ADD CONSTRAINT cf_service_quota_check CHECK (
                (quota_rps IS NULL AND quota_burst IS NULL) OR (quota_rps > 0 AND quota_burst >= 1));
            """,
            Sqlite: """
            ALTER TABLE cf_service ADD COLUMN quota_rps REAL CHECK (quota_rps IS NULL OR quota_rps > 0);
            ALTER TABLE cf_service ADD COLUMN quota_burst INTEGER CHECK (quota_burst IS NULL OR quota_burst >= 1);
            """),
    ];
}
