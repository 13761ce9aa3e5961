namespace CompreFace.Grains.Storage;

/// <summary>The PostgreSQL schema of <see cref="PostgresFaceStore"/>, as ordered steps.</summary>
internal static class PostgresMigrations
{
    /// <summary>Creates the version table; safe to run every time (it runs under the migration lock).</summary>
    public const string VersionTable = """
        CREATE TABLE IF NOT EXISTS cf_schema_version (
            version     integer     PRIMARY KEY,
            description text        NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now()
        );
        """;

    public static readonly IReadOnlyList<Migration> All =
    [
        new(1, "subjects, faces and images", """
            CREATE TABLE cf_subject (
                subject_id    uuid        PRIMARY KEY,
                collection_id uuid        NOT NULL,
                name          text        NOT NULL,
                created_at    timestamptz NOT NULL DEFAULT now(),
                seq           bigint      GENERATED ALWAYS AS IDENTITY,
                -- Case-sensitive, as CompreFace's; the collection grain enforces the case-insensitive rules.
                CONSTRAINT cf_subject_collection_name_key UNIQUE (collection_id, name),
                -- Target of the faces' composite foreign key: a face and its subject are always in the same collection.
                CONSTRAINT cf_subject_collection_subject_key UNIQUE (collection_id, subject_id)
            );
            CREATE INDEX cf_subject_collection_seq_idx ON cf_subject (collection_id, seq);

            CREATE TABLE cf_face (
                image_id      uuid        PRIMARY KEY,
                collection_id uuid        NOT NULL,
                subject_id    uuid        NOT NULL,
                shard         integer     NOT NULL CHECK (shard >= 0),
                -- float32 little-endian, dimension = length / 4 (decision 0006).
                embedding     bytea       NOT NULL CHECK (octet_length(embedding) > 0 AND octet_length(embedding) % 4 = 0),
                calculator    text        NOT NULL,
                created_at    timestamptz NOT NULL DEFAULT now(),
                seq           bigint      GENERATED ALWAYS AS IDENTITY,
                CONSTRAINT cf_face_subject_fkey FOREIGN KEY (collection_id, subject_id)
                    REFERENCES cf_subject (collection_id, subject_id) ON DELETE CASCADE
            );
            -- Shard loads (in insertion order) and counts.
            CREATE INDEX cf_face_collection_shard_idx ON cf_face (collection_id, shard, seq);
            -- Per-subject deletes and the cascade from cf_subject.
            CREATE INDEX cf_face_collection_subject_idx ON cf_face (collection_id, subject_id);
            -- Paged listing in insertion order.
            CREATE INDEX cf_face_collection_seq_idx ON cf_face (collection_id, seq);
            -- A 512-d vector is 2 KB, just over the TOAST threshold: keep rows up to a page inline so a shard load reads
            -- the heap sequentially instead of one TOAST lookup per row, and never try to compress floats.
            ALTER TABLE cf_face SET (toast_tuple_target = 8160);
            ALTER TABLE cf_face ALTER COLUMN embedding SET STORAGE EXTERNAL;

            CREATE TABLE cf_image (
                image_id uuid  PRIMARY KEY REFERENCES cf_face (image_id) ON DELETE CASCADE,
                content  bytea NOT NULL
            );
            -- Photos are already compressed.
            ALTER TABLE cf_image ALTER COLUMN content SET STORAGE EXTERNAL;
            """),
        new(2, "admin: users, applications, members, services, tokens; CompreFace's demo seed", """
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
            """),
        new(3, "index on the faces' calculator for the consistence status", """
            -- Lets "is any face of another model stored?" be two index range scans (< and >) instead of a table scan.
            CREATE INDEX cf_face_calculator_idx ON cf_face (calculator);
            """),
        new(4, "admin: request statistics per service and hour; password-reset and sign-up confirmation tokens", """
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
            """),
    ];
}
