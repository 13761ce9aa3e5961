using System.Data.Common;
using System.Diagnostics;
using CompreFace.Grains.Interfaces;
using Microsoft.Extensions.Logging;

namespace CompreFace.Grains.Storage;

/// <summary>
/// <see cref="IFaceStore"/> in portable SQL over ADO.NET (the shape of <see cref="AdoAdminStore"/>). The dialect
/// subclasses supply connections, write transactions and what only their database does well: PostgreSQL streams bulk
/// loads and shard reads with binary COPY, sends multi-statement writes as one batch and deletes by id arrays; SQLite
/// serialises writers in the process. Both implement the clone (temporary id maps) and the row locks of a merge.
/// Every statement filters by collection.
/// </summary>
internal abstract class AdoFaceStore(StorageOptions options, ILogger logger) : AdoStore, IFaceStore
{
    private const string InsertFace =
        "INSERT INTO cf_face (image_id, collection_id, subject_id, shard, embedding, calculator) VALUES (@i, @c, @s, @sh, @e, @calc)";

    /// <summary>SQL for a fresh random id in one row (PostgreSQL <c>gen_random_uuid()</c>, SQLite <c>randomblob(16)</c>).</summary>
    protected abstract string NewIdSql { get; }

    /// <summary>SQL for the database's clock in Unix milliseconds (the outbox's time unit).</summary>
    protected abstract string NowMsSql { get; }

    /// <summary>
    /// The start of an outbox insert (docs/decisions/0029-webhooks.md): one delivery per enabled hook of the collection
    /// that subscribes to <paramref name="type"/>; the caller's SELECT supplies subject key, subject, old subject and
    /// image id and joins <c>cf_webhook h</c>. Written in the transaction of the write it reports, so an acknowledged
    /// write always has its deliveries and a rolled-back one never does.
    /// </summary>
    protected string OutboxInsert(string type, string subjectKey, string subject, string oldSubject, string imageId) => $"""
        INSERT INTO cf_webhook_outbox (event_id, hook_id, collection_id, event_type, subject_key, subject, old_subject, image_id, created_at, next_attempt_at)
        SELECT {NewIdSql}, h.hook_id, h.collection_id, '{type}', {subjectKey}, {subject}, {oldSubject}, {imageId}, {NowMsSql}, {NowMsSql}
        """;

    /// <summary>The hooks of collection <c>@c</c> that want <paramref name="type"/>.</summary>
    protected static string Subscribed(string type) => $"h.collection_id = @c AND h.enabled = TRUE AND h.events LIKE '%,{type},%'";

    /// <summary>Outbox rows for the faces about to be deleted (<paramref name="imageFilter"/> selects them in <c>f</c>).</summary>
    protected string FaceDeletedOutbox(string imageFilter) =>
        OutboxInsert("face.deleted", "f.subject_id", "s.name", "NULL", "f.image_id") + $"""

        FROM cf_face f JOIN cf_subject s ON s.collection_id = f.collection_id AND s.subject_id = f.subject_id
        JOIN cf_webhook h ON h.collection_id = f.collection_id
        WHERE f.collection_id = @c AND {imageFilter} AND {Subscribed("face.deleted")}
        ORDER BY f.seq, h.seq
        """;

    /// <summary>Whether original images are kept (<see cref="StorageOptions.SaveImages"/>).</summary>
    protected bool SaveImages { get; } = options.SaveImages;

    /// <summary>For the subclasses' own log events.</summary>
    protected ILogger Logger { get; } = logger;

    /// <summary>Appended to the merge's subject check to lock the two rows until commit (PostgreSQL <c>FOR UPDATE</c>).</summary>
    protected virtual string LockRows => string.Empty;

    public abstract Task EnsureSchemaAsync(CancellationToken cancellationToken = default);

    public abstract Task<int> CopyCollectionAsync(Guid sourceId, Guid targetId, CancellationToken cancellationToken = default);

    /// <summary>A connection for the readiness probe: fresh, so a store that went away is noticed.</summary>
    protected virtual Task<DbConnection> OpenProbeAsync(CancellationToken cancellationToken) => OpenAsync(cancellationToken);

    /// <summary>A read transaction in which several statements see one snapshot.</summary>
    protected abstract Task<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// Runs the statements atomically and returns the rows each one changed. The default runs them one by one in a
    /// write transaction.
    /// </summary>
    protected virtual Task<int[]> ExecuteAtomicAsync(IReadOnlyList<Statement> statements, CancellationToken cancellationToken) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                var affected = new int[statements.Count];
                for (var i = 0; i < statements.Count; i++)
                {
                    await using var command = Command(connection, transaction, statements[i].Sql, statements[i].Parameters);
                    affected[i] = await command.ExecuteNonQueryAsync(cancellationToken);
                }

                return affected;
            },
            cancellationToken);

    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenProbeAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT max(version) FROM cf_schema_version");
        await command.ExecuteScalarAsync(cancellationToken);
    }

    public Task<IReadOnlyList<SubjectRecord>> GetSubjectsAsync(Guid collectionId, CancellationToken cancellationToken = default) =>
        QueryAsync(
            "SELECT subject_id, name FROM cf_subject WHERE collection_id = @c ORDER BY seq",
            r => new SubjectRecord(r.GetGuid(0), r.GetString(1)),
            cancellationToken,
            ("@c", collectionId));

    public Task AddSubjectAsync(Guid collectionId, SubjectRecord subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return ExecuteAtomicAsync(
            [new("INSERT INTO cf_subject (subject_id, collection_id, name) VALUES (@s, @c, @n)", ("@s", subject.SubjectId), ("@c", collectionId), ("@n", subject.Name))],
            cancellationToken);
    }

    public async Task RenameSubjectAsync(Guid collectionId, Guid subjectId, string newName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(newName);
        var renamed = await ExecuteAtomicAsync(
            [
                new(OutboxInsert("subject.renamed", "s.subject_id", "@n", "s.name", "NULL") + $" FROM cf_subject s JOIN cf_webhook h ON h.collection_id = s.collection_id WHERE s.collection_id = @c AND s.subject_id = @s AND {Subscribed("subject.renamed")} ORDER BY h.seq",
                    ("@c", collectionId), ("@s", subjectId), ("@n", newName)),
                new("UPDATE cf_subject SET name = @n WHERE collection_id = @c AND subject_id = @s", ("@c", collectionId), ("@s", subjectId), ("@n", newName)),
            ],
            cancellationToken);
        if (renamed[1] == 0)
        {
            throw SubjectNotFound(collectionId, subjectId);
        }
    }

    public Task MergeSubjectAsync(Guid collectionId, Guid fromSubjectId, Guid toSubjectId, CancellationToken cancellationToken = default)
    {
        if (fromSubjectId == toSubjectId)
        {
            throw new ArgumentException("A subject cannot be merged into itself.", nameof(toSubjectId));
        }

        return WriteAsync(
            async (connection, transaction) =>
            {
                // Both rows must exist, and stay so until commit (LockRows).
                await using (var check = Command(
                    connection, transaction, $"SELECT subject_id FROM cf_subject WHERE collection_id = @c AND subject_id IN (@from, @to){LockRows}",
                    ("@c", collectionId), ("@from", fromSubjectId), ("@to", toSubjectId)))
                {
                    var found = await ReadAllAsync(check, r => r.GetGuid(0), cancellationToken);
                    foreach (var subjectId in new[] { fromSubjectId, toSubjectId })
                    {
                        if (!found.Contains(subjectId))
                        {
                            throw SubjectNotFound(collectionId, subjectId);
                        }
                    }
                }

                await using (var outbox = Command(
                    connection, transaction,
                    OutboxInsert("subject.renamed", "f.subject_id", "t.name", "f.name", "NULL") + $"""
                     FROM cf_subject f JOIN cf_subject t ON t.collection_id = f.collection_id AND t.subject_id = @to
                    JOIN cf_webhook h ON h.collection_id = f.collection_id
                    WHERE f.collection_id = @c AND f.subject_id = @from AND {Subscribed("subject.renamed")} ORDER BY h.seq
                    """,
                    ("@c", collectionId), ("@from", fromSubjectId), ("@to", toSubjectId)))
                {
                    await outbox.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var move = Command(
                    connection, transaction, "UPDATE cf_face SET subject_id = @to WHERE collection_id = @c AND subject_id = @from",
                    ("@c", collectionId), ("@from", fromSubjectId), ("@to", toSubjectId)))
                {
                    await move.ExecuteNonQueryAsync(cancellationToken);
                }

                await using var delete = Command(
                    connection, transaction, "DELETE FROM cf_subject WHERE collection_id = @c AND subject_id = @s", ("@c", collectionId), ("@s", fromSubjectId));
                return await delete.ExecuteNonQueryAsync(cancellationToken);
            },
            cancellationToken);
    }

    public async Task<int> DeleteSubjectsAsync(Guid collectionId, IReadOnlyCollection<Guid> subjectIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subjectIds);
        if (subjectIds.Count == 0)
        {
            return 0;
        }

        // Faces first so their count is known; images go with them by cascade.
        var statements = new List<Statement>();
        foreach (var subjectId in subjectIds.Distinct())
        {
            statements.Add(new(SubjectDeletedOutbox("s.subject_id = @s"), ("@c", collectionId), ("@s", subjectId)));
            statements.Add(new("DELETE FROM cf_face WHERE collection_id = @c AND subject_id = @s", ("@c", collectionId), ("@s", subjectId)));
            statements.Add(new("DELETE FROM cf_subject WHERE collection_id = @c AND subject_id = @s", ("@c", collectionId), ("@s", subjectId)));
        }

        var affected = await ExecuteAtomicAsync(statements, cancellationToken);
        return affected.Where((_, i) => i % 3 == 1).Sum();
    }

    public async Task<int> DeleteCollectionAsync(Guid collectionId, CancellationToken cancellationToken = default)
    {
        var affected = await ExecuteAtomicAsync(
            [
                new(SubjectDeletedOutbox("1 = 1"), ("@c", collectionId)),
                new("DELETE FROM cf_face WHERE collection_id = @c", ("@c", collectionId)),
                new("DELETE FROM cf_subject WHERE collection_id = @c", ("@c", collectionId)),
                new("DELETE FROM cf_collection_model WHERE collection_id = @c", ("@c", collectionId)),
            ],
            cancellationToken);
        return affected[2];
    }

    public Task AddFaceAsync(Guid collectionId, FaceRecord face, ReadOnlyMemory<byte>? image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(face);
        List<Statement> statements =
        [
            new(InsertFace, ("@i", face.ImageId), ("@c", collectionId), ("@s", face.SubjectId), ("@sh", face.Shard),
                ("@e", EmbeddingCodec.Encode(face.Embedding)), ("@calc", face.Calculator)),
        ];
        if (image is { IsEmpty: false } bytes && SaveImages)
        {
            statements.Add(new("INSERT INTO cf_image (image_id, content) VALUES (@i, @b)", ("@i", face.ImageId), ("@b", bytes)));
        }

        statements.Add(new(
            OutboxInsert("face.added", "s.subject_id", "s.name", "NULL", "@i")
                + $" FROM cf_subject s JOIN cf_webhook h ON h.collection_id = s.collection_id WHERE s.collection_id = @c AND s.subject_id = @s AND {Subscribed("face.added")} ORDER BY h.seq",
            ("@c", collectionId), ("@s", face.SubjectId), ("@i", face.ImageId)));

        return ExecuteAtomicAsync(statements, cancellationToken);
    }

    /// <summary>One prepared insert per face in a write transaction; PostgreSQL overrides it with binary COPY.</summary>
    public virtual Task AddFacesAsync(Guid collectionId, IReadOnlyList<FaceRecord> faces, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(faces);
        return WriteAsync(
            async (connection, transaction) =>
            {
                await using var insert = Command(connection, transaction, InsertFace, ("@c", collectionId));
                var insertFace = PrepareFaceInsert(insert);
                foreach (var face in faces)
                {
                    await insertFace(face, cancellationToken);
                }

                return faces.Count;
            },
            cancellationToken);
    }

    /// <summary>
    /// Binds the parameters of <paramref name="insert"/> (<see cref="InsertFace"/>, collection already bound) once and
    /// returns what runs it for one face, re-bound, so a bulk add and an import prepare the statement alike.
    /// </summary>
    private Func<FaceRecord, CancellationToken, Task> PrepareFaceInsert(DbCommand insert)
    {
        var imageId = Bind(insert, "@i", Guid.Empty);
        var subjectId = Bind(insert, "@s", Guid.Empty);
        var shard = Bind(insert, "@sh", 0);
        var embedding = Bind(insert, "@e", Array.Empty<byte>());
        var calculator = Bind(insert, "@calc", string.Empty);
        return (face, cancellationToken) =>
        {
            Rebind(imageId, face.ImageId);
            Rebind(subjectId, face.SubjectId);
            Rebind(shard, face.Shard);
            Rebind(embedding, EmbeddingCodec.Encode(face.Embedding));
            Rebind(calculator, face.Calculator);
            return insert.ExecuteNonQueryAsync(cancellationToken);
        };
    }

    /// <summary>One delete per id in a write transaction, in request order; PostgreSQL overrides it with one array delete.</summary>
    public virtual Task<IReadOnlyList<FaceRecord>> DeleteFacesAsync(Guid collectionId, IReadOnlyCollection<Guid> imageIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(imageIds);
        if (imageIds.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<FaceRecord>>([]);
        }

        return WriteAsync<IReadOnlyList<FaceRecord>>(
            async (connection, transaction) =>
            {
                await using var delete = Command(
                    connection, transaction,
                    "DELETE FROM cf_face WHERE collection_id = @c AND image_id = @i RETURNING image_id, subject_id, shard, embedding, calculator",
                    ("@c", collectionId));
                var id = Bind(delete, "@i", Guid.Empty);
                await using var outbox = Command(connection, transaction, FaceDeletedOutbox("f.image_id = @i"), ("@c", collectionId));
                var outboxId = Bind(outbox, "@i", Guid.Empty);
                var deleted = new List<FaceRecord>();
                foreach (var imageId in imageIds.Distinct())
                {
                    Rebind(outboxId, imageId);
                    await outbox.ExecuteNonQueryAsync(cancellationToken);
                    Rebind(id, imageId);
                    deleted.AddRange(await ReadAllAsync(delete, ReadFace, cancellationToken));
                }

                return deleted;
            },
            cancellationToken);
    }

    public Task<FaceRecord?> GetFaceAsync(Guid collectionId, Guid imageId, CancellationToken cancellationToken = default) =>
        QuerySingleAsync(
            "SELECT image_id, subject_id, shard, embedding, calculator FROM cf_face WHERE collection_id = @c AND image_id = @i",
            ReadFace,
            cancellationToken,
            ("@c", collectionId), ("@i", imageId));

    public Task<byte[]?> GetImageAsync(Guid collectionId, Guid imageId, CancellationToken cancellationToken = default) =>
        QuerySingleAsync(
            "SELECT i.content FROM cf_image i JOIN cf_face f ON f.image_id = i.image_id WHERE f.collection_id = @c AND i.image_id = @i",
            r => (byte[])r.GetValue(0),
            cancellationToken,
            ("@c", collectionId), ("@i", imageId));

    public async Task<(IReadOnlyList<FaceListing> Page, long Total)> ListFacesAsync(
        Guid collectionId, string? subject, int page, int size, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(page);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);

        const string Join = "FROM cf_face f JOIN cf_subject s ON s.collection_id = f.collection_id AND s.subject_id = f.subject_id WHERE f.collection_id = @c";
        var filter = subject is null ? string.Empty : " AND s.name = @n";
        (string, object)[] parameters = subject is null ? [("@c", collectionId)] : [("@c", collectionId), ("@n", subject)];

        // One read transaction: the page and the total come from the same snapshot.
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginReadAsync(connection, cancellationToken);
        await using var pageCommand = Command(connection, transaction, $"SELECT f.image_id, s.name {Join}{filter} ORDER BY f.seq LIMIT @limit OFFSET @offset", parameters);
        Bind(pageCommand, "@limit", size);
        Bind(pageCommand, "@offset", (long)page * size);
        var faces = await ReadAllAsync(pageCommand, r => new FaceListing(r.GetGuid(0), r.GetString(1)), cancellationToken);

        await using var countCommand = Command(connection, transaction, $"SELECT count(*) {Join}{filter}", parameters);
        var total = Convert.ToInt64(await countCommand.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        await transaction.CommitAsync(cancellationToken);
        return (faces, total);
    }

    public async Task<long> CountImagesAsync(Guid collectionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(
            connection, null, "SELECT count(*) FROM cf_image i JOIN cf_face f ON f.image_id = i.image_id WHERE f.collection_id = @c", ("@c", collectionId));
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<IReadOnlyDictionary<int, int>> CountFacesByShardAsync(Guid collectionId, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync(
            "SELECT shard, count(*) FROM cf_face WHERE collection_id = @c GROUP BY shard",
            r => (Shard: r.GetInt32(0), Count: checked((int)r.GetInt64(1))),
            cancellationToken,
            ("@c", collectionId));
        return rows.ToDictionary(r => r.Shard, r => r.Count);
    }

    /// <summary>Reads the ids and sums them here; PostgreSQL overrides it with the sum in SQL.</summary>
    public virtual async Task<IReadOnlyDictionary<int, ulong>> DigestFacesByShardAsync(Guid collectionId, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync(
            "SELECT shard, image_id FROM cf_face WHERE collection_id = @c",
            r => (Shard: r.GetInt32(0), Id: r.GetGuid(1)),
            cancellationToken,
            ("@c", collectionId));
        return rows.GroupBy(r => r.Shard).ToDictionary(g => g.Key, g => Collections.ShardDigest.Of(g.Select(r => r.Id)));
    }

    public async Task<(bool InCollection, bool Elsewhere)> FindOtherCalculatorsAsync(
        string calculator, Guid collectionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(calculator);

        // "<" and ">" rather than "<>" so each side is a range scan of cf_face_calculator_idx.
        var rows = await QueryAsync(
            """
            SELECT EXISTS (SELECT 1 FROM cf_face WHERE (calculator < @k OR calculator > @k) AND collection_id = @c),
                   EXISTS (SELECT 1 FROM cf_face WHERE (calculator < @k OR calculator > @k) AND collection_id <> @c)
            """,
            r => (r.GetBoolean(0), r.GetBoolean(1)),
            cancellationToken,
            ("@k", calculator), ("@c", collectionId));
        return rows[0];
    }

    /// <summary>Reads the shard row by row, each vector viewed in a reused buffer; PostgreSQL overrides it with binary COPY.</summary>
    public virtual async Task LoadShardAsync(Guid collectionId, int shard, FaceSink sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        var started = Stopwatch.GetTimestamp();

        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(
            connection, null, "SELECT image_id, subject_id, calculator, embedding FROM cf_face WHERE collection_id = @c AND shard = @sh ORDER BY seq",
            ("@c", collectionId), ("@sh", shard));

        var bytes = new byte[512 * sizeof(float)];
        var scratch = Array.Empty<float>(); // only used on big-endian hosts
        var rows = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var length = checked((int)reader.GetBytes(3, 0, null, 0, 0));
                if (bytes.Length < length)
                {
                    bytes = new byte[length];
                }

                reader.GetBytes(3, 0, bytes, 0, length);
                sink(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), EmbeddingCodec.View(bytes.AsSpan(0, length), ref scratch));
                rows++;
            }
        }

        var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Log.ShardLoaded(Logger, collectionId, shard, rows, elapsedMs);
    }

    public async Task<IReadOnlyList<FaceExportRow>> ReadFacesAsync(Guid collectionId, long afterSeq, int limit, bool images, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSeq);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var sql = images
            ? "SELECT f.image_id, f.subject_id, f.shard, f.embedding, f.calculator, f.seq, i.content FROM cf_face f LEFT JOIN cf_image i ON i.image_id = f.image_id WHERE f.collection_id = @c AND f.seq > @after ORDER BY f.seq LIMIT @n"
            : "SELECT f.image_id, f.subject_id, f.shard, f.embedding, f.calculator, f.seq FROM cf_face f WHERE f.collection_id = @c AND f.seq > @after ORDER BY f.seq LIMIT @n";
        return await QueryAsync(
            sql,
            r => new FaceExportRow(r.GetInt64(5), ReadFace(r), images && !r.IsDBNull(6) ? (byte[])r.GetValue(6) : null),
            cancellationToken,
            ("@c", collectionId), ("@after", afterSeq), ("@n", limit));
    }

    /// <summary>One lookup per id in a read transaction; PostgreSQL overrides it with one array query.</summary>
    public virtual async Task<IReadOnlySet<Guid>> FindFacesAsync(Guid collectionId, IReadOnlyCollection<Guid> imageIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(imageIds);
        var found = new HashSet<Guid>();
        if (imageIds.Count == 0)
        {
            return found;
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginReadAsync(connection, cancellationToken);
        await using var command = Command(connection, transaction, "SELECT 1 FROM cf_face WHERE collection_id = @c AND image_id = @i", ("@c", collectionId));
        var id = Bind(command, "@i", Guid.Empty);
        foreach (var imageId in imageIds)
        {
            Rebind(id, imageId);
            if (await command.ExecuteScalarAsync(cancellationToken) is not null)
            {
                found.Add(imageId);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return found;
    }

    /// <summary>Prepared inserts in one write transaction; PostgreSQL overrides it with binary COPY.</summary>
    public virtual Task ImportAsync(
        Guid collectionId, IReadOnlyList<SubjectRecord> subjects, IReadOnlyList<FaceRecord> faces, IReadOnlyDictionary<Guid, byte[]> images,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(images);
        return WriteAsync(
            async (connection, transaction) =>
            {
                await using (var insertSubject = Command(connection, transaction, "INSERT INTO cf_subject (subject_id, collection_id, name) VALUES (@s, @c, @n)", ("@c", collectionId)))
                {
                    var subjectId = Bind(insertSubject, "@s", Guid.Empty);
                    var name = Bind(insertSubject, "@n", string.Empty);
                    foreach (var subject in subjects)
                    {
                        Rebind(subjectId, subject.SubjectId);
                        Rebind(name, subject.Name);
                        await insertSubject.ExecuteNonQueryAsync(cancellationToken);
                    }
                }

                await using var insert = Command(connection, transaction, InsertFace, ("@c", collectionId));
                var insertFace = PrepareFaceInsert(insert);
                await using var insertImage = Command(connection, transaction, "INSERT INTO cf_image (image_id, content) VALUES (@i, @b)");
                var imageKey = Bind(insertImage, "@i", Guid.Empty);
                var content = Bind(insertImage, "@b", Array.Empty<byte>());
                foreach (var face in faces)
                {
                    await insertFace(face, cancellationToken);
                    if (SaveImages && images.TryGetValue(face.ImageId, out var bytes) && bytes.Length > 0)
                    {
                        Rebind(imageKey, face.ImageId);
                        Rebind(content, bytes);
                        await insertImage.ExecuteNonQueryAsync(cancellationToken);
                    }
                }

                return faces.Count;
            },
            cancellationToken);
    }

    /// <summary>Outbox rows for the subjects about to be deleted (<paramref name="subjectFilter"/> selects them in <c>s</c>).</summary>
    private string SubjectDeletedOutbox(string subjectFilter) =>
        OutboxInsert("subject.deleted", "s.subject_id", "s.name", "NULL", "NULL") + $"""

        FROM cf_subject s JOIN cf_webhook h ON h.collection_id = s.collection_id
        WHERE s.collection_id = @c AND {subjectFilter} AND {Subscribed("subject.deleted")}
        ORDER BY s.seq, h.seq
        """;

    /// <summary>Reads <c>image_id, subject_id, shard, embedding, calculator</c>.</summary>
    protected static FaceRecord ReadFace(DbDataReader r) =>
        new(r.GetGuid(0), r.GetGuid(1), r.GetInt32(2), EmbeddingCodec.Decode((byte[])r.GetValue(3)), r.GetString(4));

    /// <summary>The error of a subject that is not in the collection.</summary>
    protected static KeyNotFoundException SubjectNotFound(Guid collectionId, Guid subjectId) =>
        new($"Subject {subjectId} is not in collection {collectionId}.");

    /// <summary>One statement of an atomic write.</summary>
    protected sealed record Statement(string Sql, params (string Name, object Value)[] Parameters);
}
