namespace CompreFace.Grains.Persistence;

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
    ];
}
