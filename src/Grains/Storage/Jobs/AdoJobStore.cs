using System.Data.Common;
using CompreFace.Grains.Interfaces.Jobs;

namespace CompreFace.Grains.Storage;

/// <summary>
/// The jobs list (<c>cf_job</c>) and its per-item reports (<c>cf_job_item</c>), docs/decisions/0034-jobs-and-re-embedding.md.
/// One <see cref="IJobGrain"/> per job is the only writer of its row; the list is read by anyone.
/// </summary>
public interface IJobStore
{
    /// <summary>Inserts a job; false (nothing changed) when its id exists.</summary>
    Task<bool> CreateAsync(JobInfo job, CancellationToken cancellationToken = default);

    /// <summary>The job, or null.</summary>
    Task<JobInfo?> GetAsync(Guid jobId, CancellationToken cancellationToken = default);

    /// <summary>Writes every mutable field of the job (state, counters, times, error, cancel request).</summary>
    Task UpdateAsync(JobInfo job, CancellationToken cancellationToken = default);

    /// <summary>Jobs matching the query, newest first.</summary>
    Task<IReadOnlyList<JobInfo>> ListAsync(JobQuery query, CancellationToken cancellationToken = default);

    /// <summary>Appends items to a job's report, in order.</summary>
    Task AddItemsAsync(Guid jobId, IReadOnlyList<JobItem> items, CancellationToken cancellationToken = default);

    /// <summary>A job's reported items in insertion order, from <paramref name="offset"/>.</summary>
    Task<IReadOnlyList<JobItem>> ListItemsAsync(Guid jobId, int offset, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the jobs that finished (completed, failed, cancelled) before <paramref name="finishedBefore"/>, with their
    /// items and bulk enrolment files; returns how many jobs went. Unfinished jobs stay, however old.
    /// </summary>
    Task<int> PurgeFinishedAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken = default);
}

/// <summary><see cref="IJobStore"/> in portable SQL; the node's <see cref="SqlDialect"/> supplies connections, ids and booleans.</summary>
internal sealed class AdoJobStore(SqlDialect dialect) : DialectStore(dialect), IJobStore
{
    /// <summary>The tables whose rows belong to one job (<c>job_id</c>), deleted with it.</summary>
    private static readonly string[] JobChildTables = ["cf_enrol_file", "cf_job_item"];

    private const string Columns =
        "job_id, kind, service_id, app_id, state, done, failed, total, created_at, started_at, finished_at, updated_at, error, created_by, cancel_requested, detail, bytes";

    public async Task<bool> CreateAsync(JobInfo job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return await ExecuteAsync(
            $"""
            INSERT INTO cf_job ({Columns})
            VALUES (@id, @kind, @service, @app, @state, @done, @failed, @total, @created, @started, @finished, @updated, @error, @by, @cancel, @detail, @bytes)
            ON CONFLICT (job_id) DO NOTHING
            """,
            cancellationToken,
            Parameters(job)) == 1;
    }

    public Task<JobInfo?> GetAsync(Guid jobId, CancellationToken cancellationToken = default) =>
        QuerySingleAsync($"SELECT {Columns} FROM cf_job WHERE job_id = @id", ReadJob, cancellationToken, ("@id", jobId));

    public Task UpdateAsync(JobInfo job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return ExecuteAsync(
            """
            UPDATE cf_job SET state = @state, done = @done, failed = @failed, total = @total, started_at = @started, finished_at = @finished,
                updated_at = @updated, error = @error, cancel_requested = @cancel, detail = @detail, bytes = @bytes
            WHERE job_id = @id
            """,
            cancellationToken,
            Parameters(job));
    }

    public Task<IReadOnlyList<JobInfo>> ListAsync(JobQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new List<string>();
        var parameters = new List<(string, object)> { ("@limit", Math.Clamp(query.Limit, 1, 1000)) };
        if (query.AppIds is { } apps)
        {
            if (apps.Count == 0)
            {
                return Task.FromResult<IReadOnlyList<JobInfo>>([]);
            }

            var names = apps.Select((app, i) => "@app" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            where.Add($"app_id IN ({string.Join(", ", names)})");
            parameters.AddRange(apps.Select((app, i) => (names[i], (object)app)));
        }

        if (query.Kind is { } kind)
        {
            where.Add("kind = @kind");
            parameters.Add(("@kind", kind));
        }

        if (query.ServiceId is { } service)
        {
            where.Add("service_id = @service");
            parameters.Add(("@service", service));
        }

        if (query.UnfinishedOnly)
        {
            where.Add("state IN (0, 1)");
        }

        var filter = where.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", where);
        return QueryAsync($"SELECT {Columns} FROM cf_job {filter} ORDER BY created_at DESC, job_id LIMIT @limit", ReadJob, cancellationToken, [.. parameters]);
    }

    public Task AddItemsAsync(Guid jobId, IReadOnlyList<JobItem> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        return ExecuteEachAsync(
            items,
            "INSERT INTO cf_job_item (job_id, item, outcome, message) VALUES (@job, @item, @outcome, @message)",
            item => [("@job", jobId), ("@item", Cut(item.Item, 1000)!), ("@outcome", Cut(item.Outcome, 100)!), ("@message", Cut(item.Message, 1000) is { } message ? message : DBNull.Value)],
            cancellationToken);
    }

    public Task<IReadOnlyList<JobItem>> ListItemsAsync(Guid jobId, int offset, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync(
            "SELECT item, outcome, message FROM cf_job_item WHERE job_id = @job ORDER BY seq LIMIT @limit OFFSET @offset",
            r => new JobItem(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2)),
            cancellationToken,
            ("@job", jobId), ("@limit", Math.Clamp(limit, 1, 100_000)), ("@offset", Math.Max(0, offset)));

    public async Task<int> PurgeFinishedAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken = default)
    {
        // A batch of jobs a transaction, children first (SQLite enforces the cascade only when a connection turns foreign
        // keys on): a job's report or staged photos can be large, and each transaction stays short beside the writers.
        const int Batch = 50;
        var total = 0;
        while (true)
        {
            var due = await QueryAsync(
                "SELECT job_id FROM cf_job WHERE state IN (2, 3, 4) AND finished_at < @before ORDER BY finished_at LIMIT @batch",
                r => r.GetGuid(0),
                cancellationToken,
                ("@before", finishedBefore.ToUnixTimeMilliseconds()), ("@batch", Batch));
            total += await WriteAsync(
                async (connection, transaction) =>
                {
                    var jobs = 0;
                    foreach (var jobId in due)
                    {
                        foreach (var table in JobChildTables)
                        {
                            await using var child = Command(connection, transaction, $"DELETE FROM {table} WHERE job_id = @id", ("@id", jobId));
                            await child.ExecuteNonQueryAsync(cancellationToken);
                        }

                        await using var job = Command(connection, transaction, "DELETE FROM cf_job WHERE job_id = @id", ("@id", jobId));
                        jobs += await job.ExecuteNonQueryAsync(cancellationToken);
                    }

                    return jobs;
                },
                cancellationToken);
            if (due.Count < Batch)
            {
                return total;
            }
        }
    }

    private static string? Cut(string? text, int length) => text is null || text.Length <= length ? text : text[..length];

    private static (string, object)[] Parameters(JobInfo job) =>
    [
        ("@id", job.JobId), ("@kind", job.Kind), ("@service", (object?)job.ServiceId ?? DBNull.Value), ("@app", (object?)job.AppId ?? DBNull.Value),
        ("@state", (int)job.State), ("@done", job.Done), ("@failed", job.Failed), ("@total", (object?)job.Total ?? DBNull.Value),
        ("@created", job.CreatedAt.ToUnixTimeMilliseconds()), ("@started", (object?)job.StartedAt?.ToUnixTimeMilliseconds() ?? DBNull.Value),
        ("@finished", (object?)job.FinishedAt?.ToUnixTimeMilliseconds() ?? DBNull.Value), ("@updated", job.UpdatedAt.ToUnixTimeMilliseconds()),
        ("@error", (object?)Cut(job.Error, 2000) ?? DBNull.Value), ("@by", (object?)Cut(job.CreatedBy, 320) ?? DBNull.Value),
        ("@cancel", job.CancelRequested), ("@detail", (object?)Cut(job.Detail, 2000) ?? DBNull.Value),
        ("@bytes", (object?)job.Bytes ?? DBNull.Value),
    ];

    private JobInfo ReadJob(DbDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetGuid(2), r.IsDBNull(3) ? null : r.GetGuid(3),
        (JobState)r.GetInt32(4), r.GetInt64(5), r.GetInt64(6), r.IsDBNull(7) ? null : r.GetInt64(7),
        Time(r.GetInt64(8)), r.IsDBNull(9) ? null : Time(r.GetInt64(9)), r.IsDBNull(10) ? null : Time(r.GetInt64(10)), Time(r.GetInt64(11)),
        r.IsDBNull(12) ? null : r.GetString(12), r.IsDBNull(13) ? null : r.GetString(13), Dialect.ReadBoolean(r, 14), r.IsDBNull(15) ? null : r.GetString(15),
        r.IsDBNull(16) ? null : r.GetInt64(16));

    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
