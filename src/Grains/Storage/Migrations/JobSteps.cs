namespace CompreFace.Grains.Storage;

/// <summary>
/// Long-running jobs and re-embedding (docs/decisions/0034-jobs-and-re-embedding.md): the jobs list with its per-item
/// report, and the vectors of a model other than the one a face is served by (what a re-embedding computes before its
/// collection switches). Numbered in the sequence shared with <see cref="FaceSteps"/> and <see cref="AdminSteps"/>.
/// Times are Unix milliseconds from the node's clock, so both dialects compare them alike.
/// </summary>
public static class JobSteps
{
    /// <summary>Each step in both dialects; SQLite keeps ids as <see cref="Guid.ToByteArray()"/> BLOBs.</summary>
    public static IReadOnlyList<DialectStep> Steps { get; } =
    [
        new(9, "jobs list with item reports; face vectors of a second model (re-embedding)",
            Postgres: """
            -- No foreign keys to services or applications: a job's record outlives what it worked on.
            CREATE TABLE cf_job (
                job_id           uuid    PRIMARY KEY,
                kind             text    NOT NULL,
                service_id       uuid,
                app_id           uuid,
                -- 0 queued, 1 running, 2 completed, 3 failed, 4 cancelled.
                state            integer NOT NULL,
                done             bigint  NOT NULL DEFAULT 0,
                failed           bigint  NOT NULL DEFAULT 0,
                total            bigint,
                created_at       bigint  NOT NULL,
                started_at       bigint,
                finished_at      bigint,
                updated_at       bigint  NOT NULL,
                error            text,
                created_by       text,
                cancel_requested boolean NOT NULL DEFAULT FALSE,
                detail           text
            );
            CREATE INDEX cf_job_created_idx ON cf_job (created_at);
            CREATE INDEX cf_job_service_idx ON cf_job (service_id, kind, state);

            CREATE TABLE cf_job_item (
                job_id  uuid    NOT NULL REFERENCES cf_job (job_id) ON DELETE CASCADE,
                seq     bigint  GENERATED ALWAYS AS IDENTITY,
                item    text    NOT NULL,
                outcome text    NOT NULL,
                message text,
                PRIMARY KEY (job_id, seq)
            );

            -- A face's vector of another model than cf_face.calculator: written by a re-embedding (and by adds while one
            -- runs), moved into cf_face when its collection switches. Deleted with its face.
            CREATE TABLE cf_face_vector (
                image_id      uuid  NOT NULL REFERENCES cf_face (image_id) ON DELETE CASCADE,
                calculator    text  NOT NULL,
                collection_id uuid  NOT NULL,
                embedding     bytea NOT NULL CHECK (octet_length(embedding) > 0 AND octet_length(embedding) % 4 = 0),
                PRIMARY KEY (image_id, calculator)
            );
            CREATE INDEX cf_face_vector_collection_idx ON cf_face_vector (collection_id, calculator);
            ALTER TABLE cf_face_vector ALTER COLUMN embedding SET STORAGE EXTERNAL;
            """,
            Sqlite: """
            CREATE TABLE cf_job (
                job_id           BLOB    PRIMARY KEY,
                kind             TEXT    NOT NULL,
                service_id       BLOB,
                app_id           BLOB,
                state            INTEGER NOT NULL,
                done             INTEGER NOT NULL DEFAULT 0,
                failed           INTEGER NOT NULL DEFAULT 0,
                total            INTEGER,
                created_at       INTEGER NOT NULL,
                started_at       INTEGER,
                finished_at      INTEGER,
                updated_at       INTEGER NOT NULL,
                error            TEXT,
                created_by       TEXT,
                cancel_requested INTEGER NOT NULL DEFAULT 0,
                detail           TEXT
            );
            CREATE INDEX cf_job_created_idx ON cf_job (created_at);
            CREATE INDEX cf_job_service_idx ON cf_job (service_id, kind, state);

            CREATE TABLE cf_job_item (
                seq     INTEGER PRIMARY KEY,
                job_id  BLOB    NOT NULL REFERENCES cf_job (job_id) ON DELETE CASCADE,
                item    TEXT    NOT NULL,
                outcome TEXT    NOT NULL,
                message TEXT
            );
            CREATE INDEX cf_job_item_job_idx ON cf_job_item (job_id);

            CREATE TABLE cf_face_vector (
                image_id      BLOB NOT NULL REFERENCES cf_face (image_id) ON DELETE CASCADE,
                calculator    TEXT NOT NULL,
                collection_id BLOB NOT NULL,
                embedding     BLOB NOT NULL CHECK (length(embedding) > 0 AND length(embedding) % 4 = 0),
                PRIMARY KEY (image_id, calculator)
            );
            CREATE INDEX cf_face_vector_collection_idx ON cf_face_vector (collection_id, calculator);
            """),
        new(11, "archive bytes written or read by an export or import job",
            Postgres: "ALTER TABLE cf_job ADD COLUMN bytes bigint;",
            Sqlite: "ALTER TABLE cf_job ADD COLUMN bytes INTEGER;"),
        new(13, "the model each re-embedded collection was switched to (its plan after a restart)",
            Postgres: """
            -- Written in the switch's transaction, read when the collection activates: from the switch on the collection
            -- refuses examples of the old model (a completed job is no record of it: job retention deletes it). Deleted
            -- with the collection's rows.
            CREATE TABLE cf_collection_model (
                collection_id uuid PRIMARY KEY,
                calculator    text NOT NULL
            );

            -- Collections switched before this step: the target of the latest completed re-embedding that retention has
            -- not purged yet ("serving → target"), where the collection still holds faces of that model (an emptied
            -- collection starts again as a new one). One switched earlier whose job is gone keeps no record.
            INSERT INTO cf_collection_model (collection_id, calculator)
            SELECT DISTINCT ON (j.service_id) j.service_id, split_part(j.detail, ' → ', 2)
            FROM cf_job j
            WHERE j.kind = 'reembed' AND j.state = 2 AND j.service_id IS NOT NULL AND strpos(j.detail, ' → ') > 0
              AND EXISTS (SELECT 1 FROM cf_face f WHERE f.collection_id = j.service_id AND f.calculator = split_part(j.detail, ' → ', 2))
            ORDER BY j.service_id, j.finished_at DESC;
            """,
            Sqlite: """
            CREATE TABLE cf_collection_model (
                collection_id BLOB PRIMARY KEY,
                calculator    TEXT NOT NULL
            );

            INSERT INTO cf_collection_model (collection_id, calculator)
            SELECT j.service_id, substr(j.detail, instr(j.detail, ' → ') + 3)
            FROM cf_job j
            WHERE j.kind = 'reembed' AND j.state = 2 AND j.service_id IS NOT NULL AND instr(j.detail, ' → ') > 0
              AND j.finished_at = (SELECT max(k.finished_at) FROM cf_job k WHERE k.kind = 'reembed' AND k.state = 2 AND k.service_id = j.service_id)
              AND EXISTS (SELECT 1 FROM cf_face f WHERE f.collection_id = j.service_id AND f.calculator = substr(j.detail, instr(j.detail, ' → ') + 3))
            GROUP BY j.service_id;
            """),
    ];
}
