namespace CompreFace.Grains.Storage;

/// <summary>
/// The face collections' tables (subjects, faces, images) as schema steps, each in both dialects. Numbered in the
/// sequence they share with <see cref="AdminSteps"/> (see <see cref="StorageSchemas"/>).
/// </summary>
/// <remarks>
/// SQLite:
/// Ids are 16-byte BLOBs (<see cref="Guid.ToByteArray()"/>). Each table has an explicit <c>seq INTEGER PRIMARY KEY</c>
/// because implicit rowids may be renumbered by VACUUM and insertion order must survive it.
/// </remarks>
public static class FaceSteps
{
    /// <summary>
    /// Each step in both dialects. PostgreSQL: uuid ids, identity <c>seq</c> columns, bytea vectors stored inline. SQLite:
    /// the same tables with BLOB ids and an explicit <c>seq INTEGER PRIMARY KEY</c>.
    /// </summary>
    public static IReadOnlyList<DialectStep> Steps { get; } =
    [
        new(1, "subjects, faces and images",
            Postgres: """
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
            """,
            Sqlite: """
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
        new(3, "index on the faces' calculator for the consistence status",
            Postgres: """
            -- Lets "is any face of another model stored?" be two index range scans (< and >) instead of a table scan.
            CREATE INDEX cf_face_calculator_idx ON cf_face (calculator);
            """,
            Sqlite: """
            -- Lets "is any face of another model stored?" be two index range scans (< and >) instead of a table scan.
            CREATE INDEX cf_face_calculator_idx ON cf_face (calculator);
            """),
    ];
}
