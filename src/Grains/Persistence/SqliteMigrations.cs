namespace CompreFace.Grains.Persistence;

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
    ];
}
