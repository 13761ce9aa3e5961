using CompreFace.Grains.Interfaces.Jobs;

namespace CompreFace.Grains.Storage;

/// <summary>
/// The files of bulk-enrolment jobs (<c>cf_enrol_file</c>, docs/decisions/0035-collection-archives.md): written once at
/// upload, each then marked with its outcome and its photo dropped, so that a restarted job processes only what is left.
/// </summary>
public interface IEnrolmentStore
{
    /// <summary>Stores uploaded files of a job (in one transaction); a file already stored under its (job, seq) is kept.</summary>
    Task AddFilesAsync(Guid jobId, IReadOnlyList<EnrolmentFile> files, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> files still to process, after <paramref name="afterSeq"/>, with their photos (a file refused
    /// while the archive was read has none, and its reason as <see cref="EnrolmentFile.Outcome"/>).
    /// </summary>
    Task<IReadOnlyList<EnrolmentFile>> PendingAsync(Guid jobId, int afterSeq, int limit, CancellationToken cancellationToken = default);

    /// <summary>Records outcomes and drops the processed photos, in one transaction.</summary>
    Task CompleteAsync(Guid jobId, IReadOnlyList<EnrolmentOutcome> outcomes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks every file of the job still pending <see cref="EnrolmentFileState.NotProcessed"/> and drops their photos (the
    /// job ended without them); returns how many.
    /// </summary>
    Task<int> AbandonPendingAsync(Guid jobId, CancellationToken cancellationToken = default);

    /// <summary>How many files the job has in each state.</summary>
    Task<IReadOnlyDictionary<EnrolmentFileState, long>> CountAsync(Guid jobId, CancellationToken cancellationToken = default);

    /// <summary>Every file of the job with its outcome, in archive order, from <paramref name="afterSeq"/> (the report).</summary>
    Task<IReadOnlyList<EnrolmentOutcome>> ReportAsync(Guid jobId, int afterSeq, int limit, CancellationToken cancellationToken = default);
}

/// <summary><see cref="IEnrolmentStore"/> in portable SQL, on the node's <see cref="SqlDialect"/>.</summary>
internal sealed class AdoEnrolmentStore(SqlDialect dialect) : DialectStore(dialect), IEnrolmentStore
{
    public Task AddFilesAsync(Guid jobId, IReadOnlyList<EnrolmentFile> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        return WriteAsync(
            async (connection, transaction) =>
            {
                await using var insert = Command(
                    connection, transaction,
                    """
                    INSERT INTO cf_enrol_file (job_id, seq, name, subject, image_id, content, state, outcome) VALUES (@j, @s, @n, @subject, @i, @c, @state, @o)
                    ON CONFLICT (job_id, seq) DO NOTHING
                    """,
                    ("@j", jobId));
                var seq = Bind(insert, "@s", 0);
                var name = Bind(insert, "@n", string.Empty);
                var subject = Bind(insert, "@subject", string.Empty);
                var imageId = Bind(insert, "@i", Guid.Empty);
                var content = Bind(insert, "@c", DBNull.Value);
                var state = Bind(insert, "@state", 0);
                var outcome = Bind(insert, "@o", DBNull.Value);
                foreach (var file in files)
                {
                    Rebind(seq, file.Seq);
                    Rebind(name, file.Name);
                    Rebind(subject, file.Subject);
                    Rebind(imageId, file.ImageId);
                    Rebind(content, file.Content is { } bytes ? bytes : DBNull.Value);
                    Rebind(state, (int)file.State);
                    Rebind(outcome, file.Outcome is { } text ? text : DBNull.Value);
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                }

                return files.Count;
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<EnrolmentFile>> PendingAsync(Guid jobId, int afterSeq, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync(
            "SELECT seq, name, subject, image_id, content, outcome FROM cf_enrol_file WHERE job_id = @j AND state = 0 AND seq > @after ORDER BY seq LIMIT @n",
            r => new EnrolmentFile(
                r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetGuid(3), r.IsDBNull(4) ? null : (byte[])r.GetValue(4), Outcome: r.IsDBNull(5) ? null : r.GetString(5)),
            cancellationToken,
            ("@j", jobId), ("@after", afterSeq), ("@n", Math.Max(1, limit)));

    public Task CompleteAsync(Guid jobId, IReadOnlyList<EnrolmentOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        return WriteAsync(
            async (connection, transaction) =>
            {
                await using var update = Command(
                    connection, transaction, "UPDATE cf_enrol_file SET state = @state, outcome = @o, content = NULL WHERE job_id = @j AND seq = @s", ("@j", jobId));
                var seq = Bind(update, "@s", 0);
                var state = Bind(update, "@state", 0);
                var outcome = Bind(update, "@o", DBNull.Value);
                foreach (var file in outcomes)
                {
                    Rebind(seq, file.Seq);
                    Rebind(state, (int)file.State);
                    Rebind(outcome, file.Outcome is { } text ? text : DBNull.Value);
                    await update.ExecuteNonQueryAsync(cancellationToken);
                }

                return outcomes.Count;
            },
            cancellationToken);
    }

    public Task<int> AbandonPendingAsync(Guid jobId, CancellationToken cancellationToken = default) =>
        ExecuteAsync(
            "UPDATE cf_enrol_file SET state = @state, content = NULL WHERE job_id = @j AND state = 0",
            cancellationToken,
            ("@j", jobId), ("@state", (int)EnrolmentFileState.NotProcessed));

    public async Task<IReadOnlyDictionary<EnrolmentFileState, long>> CountAsync(Guid jobId, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync(
            "SELECT state, count(*) FROM cf_enrol_file WHERE job_id = @j GROUP BY state",
            r => ((EnrolmentFileState)r.GetInt32(0), r.GetInt64(1)),
            cancellationToken,
            ("@j", jobId));
        return rows.ToDictionary(r => r.Item1, r => r.Item2);
    }

    public Task<IReadOnlyList<EnrolmentOutcome>> ReportAsync(Guid jobId, int afterSeq, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync(
            "SELECT seq, name, subject, image_id, state, outcome FROM cf_enrol_file WHERE job_id = @j AND seq > @after ORDER BY seq LIMIT @n",
            r => new EnrolmentOutcome(r.GetInt32(0), (EnrolmentFileState)r.GetInt32(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetString(1), r.GetString(2), r.GetGuid(3)),
            cancellationToken,
            ("@j", jobId), ("@after", afterSeq), ("@n", Math.Max(1, limit)));
}
