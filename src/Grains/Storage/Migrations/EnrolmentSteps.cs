namespace CompreFace.Grains.Storage;

/// <summary>
/// Bulk enrolment (docs/decisions/0035-collection-archives.md): the files of an uploaded archive, kept until each is
/// processed so that a job survives a node restart, with each file's outcome for the downloadable report. Numbered in the
/// sequence shared with <see cref="FaceSteps"/>, <see cref="AdminSteps"/> and <see cref="JobSteps"/>.
/// </summary>
public static class EnrolmentSteps
{
    /// <summary>Each step in both dialects.</summary>
    public static IReadOnlyList<DialectStep> Steps { get; } =
    [
        new(10, "bulk enrolment files with per-file outcome",
            Postgres: """
            CREATE TABLE cf_enrol_file (
                job_id   uuid    NOT NULL REFERENCES cf_job (job_id) ON DELETE CASCADE,
                seq      integer NOT NULL,
                name     text    NOT NULL,
                subject  text    NOT NULL,
                -- Derived from (service, subject, content hash): a re-uploaded photo maps to the example it made.
                image_id uuid    NOT NULL,
                -- The photo until it is processed, then NULL.
                content  bytea,
                -- 0 pending, 1 enrolled, 2 already enrolled, 3 failed.
                state    integer NOT NULL DEFAULT 0,
                outcome  text,
                PRIMARY KEY (job_id, seq)
            );
            ALTER TABLE cf_enrol_file ALTER COLUMN content SET STORAGE EXTERNAL;
            """,
            Sqlite: """
            CREATE TABLE cf_enrol_file (
                job_id   BLOB    NOT NULL REFERENCES cf_job (job_id) ON DELETE CASCADE,
                seq      INTEGER NOT NULL,
                name     TEXT    NOT NULL,
                subject  TEXT    NOT NULL,
                image_id BLOB    NOT NULL,
                content  BLOB,
                state    INTEGER NOT NULL DEFAULT 0,
                outcome  TEXT,
                PRIMARY KEY (job_id, seq)
            );
            """),
    ];
}
