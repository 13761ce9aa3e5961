using CompreFace.Grains.Interfaces;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CompreFace.Grains.Storage;

/// <summary>
/// <see cref="IFaceStore"/> on an embedded SQLite file (the single-node default): WAL journal, foreign keys on, one
/// pooled connection per call. SQLite has one writer at a time, so writes in this process queue on a semaphore and
/// take the write lock up front (<c>BEGIN IMMEDIATE</c>); a busy timeout covers another process holding the file.
/// Readers run beside the writer (WAL snapshots).
/// </summary>
internal sealed partial class SqliteFaceStore : IFaceStore, IDisposable
{
    private readonly SqliteConnectionFactory _connections;
    private readonly string _path;
    private readonly StorageOptions _options;
    private readonly ILogger<SqliteFaceStore> _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public SqliteFaceStore(SqliteConnectionFactory connections, IOptions<StorageOptions> options, ILogger<SqliteFaceStore> logger)
    {
        _connections = connections;
        _options = options.Value;
        _logger = logger;
        _path = connections.FilePath;
    }

    /// <summary>The database file (for tests and diagnostics).</summary>
    public string FilePath => _path;

    public async Task EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await MigrationRunner.ApplyAsync(_connections, StorageSchemas.Sqlite, _logger, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<SubjectRecord>> GetSubjectsAsync(Guid collectionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT subject_id, name FROM cf_subject WHERE collection_id = $c ORDER BY seq");
        AddId(command, "$c", collectionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var subjects = new List<SubjectRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            subjects.Add(new SubjectRecord(reader.GetGuid(0), reader.GetString(1)));
        }

        return subjects;
    }

    public Task AddSubjectAsync(Guid collectionId, SubjectRecord subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return WriteAsync(
            async (connection, transaction) =>
            {
                await using var command = Command(connection, transaction, "INSERT INTO cf_subject (subject_id, collection_id, name) VALUES ($s, $c, $n)");
                AddId(command, "$s", subject.SubjectId);
                AddId(command, "$c", collectionId);
                command.Parameters.AddWithValue("$n", subject.Name);
                await command.ExecuteNonQueryAsync(cancellationToken);
                return 0;
            },
            cancellationToken);
    }

    public Task RenameSubjectAsync(Guid collectionId, Guid subjectId, string newName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(newName);
        return WriteAsync(
            async (connection, transaction) =>
            {
                await using var command = Command(connection, transaction, "UPDATE cf_subject SET name = $n WHERE collection_id = $c AND subject_id = $s");
                AddId(command, "$c", collectionId);
                AddId(command, "$s", subjectId);
                command.Parameters.AddWithValue("$n", newName);
                if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    throw SubjectNotFound(collectionId, subjectId);
                }

                return 0;
            },
            cancellationToken);
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
                foreach (var subjectId in new[] { fromSubjectId, toSubjectId })
                {
                    await using var check = Command(connection, transaction, "SELECT 1 FROM cf_subject WHERE collection_id = $c AND subject_id = $s");
                    AddId(check, "$c", collectionId);
                    AddId(check, "$s", subjectId);
                    if (await check.ExecuteScalarAsync(cancellationToken) is null)
                    {
                        throw SubjectNotFound(collectionId, subjectId);
                    }
                }

                await using (var move = Command(connection, transaction, "UPDATE cf_face SET subject_id = $to WHERE collection_id = $c AND subject_id = $from"))
                {
                    AddId(move, "$c", collectionId);
                    AddId(move, "$from", fromSubjectId);
                    AddId(move, "$to", toSubjectId);
                    await move.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var delete = Command(connection, transaction, "DELETE FROM cf_subject WHERE collection_id = $c AND subject_id = $s"))
                {
                    AddId(delete, "$c", collectionId);
                    AddId(delete, "$s", fromSubjectId);
                    await delete.ExecuteNonQueryAsync(cancellationToken);
                }

                return 0;
            },
            cancellationToken);
    }

    public Task<int> DeleteSubjectsAsync(Guid collectionId, IReadOnlyCollection<Guid> subjectIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subjectIds);
        if (subjectIds.Count == 0)
        {
            return Task.FromResult(0);
        }

        return WriteAsync(
            async (connection, transaction) =>
            {
                await using var faces = Command(connection, transaction, "DELETE FROM cf_face WHERE collection_id = $c AND subject_id = $s");
                await using var subjects = Command(connection, transaction, "DELETE FROM cf_subject WHERE collection_id = $c AND subject_id = $s");
                AddId(faces, "$c", collectionId);
                AddId(subjects, "$c", collectionId);
                var facesSubject = AddId(faces, "$s", Guid.Empty);
                var subjectsSubject = AddId(subjects, "$s", Guid.Empty);
                var removed = 0;
                foreach (var subjectId in subjectIds.Distinct())
                {
                    facesSubject.Value = subjectId.ToByteArray();
                    subjectsSubject.Value = subjectId.ToByteArray();
                    removed += await faces.ExecuteNonQueryAsync(cancellationToken);
                    await subjects.ExecuteNonQueryAsync(cancellationToken);
                }

                return removed;
            },
            cancellationToken);
    }

    public Task<int> DeleteCollectionAsync(Guid collectionId, CancellationToken cancellationToken = default) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                await using (var faces = Command(connection, transaction, "DELETE FROM cf_face WHERE collection_id = $c"))
                {
                    AddId(faces, "$c", collectionId);
                    await faces.ExecuteNonQueryAsync(cancellationToken);
                }

                await using var subjects = Command(connection, transaction, "DELETE FROM cf_subject WHERE collection_id = $c");
                AddId(subjects, "$c", collectionId);
                return await subjects.ExecuteNonQueryAsync(cancellationToken);
            },
            cancellationToken);

    public Task AddFaceAsync(Guid collectionId, FaceRecord face, ReadOnlyMemory<byte>? image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(face);
        return WriteAsync(
            async (connection, transaction) =>
            {
                await using (var insert = Command(
                    connection,
                    transaction,
                    "INSERT INTO cf_face (image_id, collection_id, subject_id, shard, embedding, calculator) VALUES ($i, $c, $s, $sh, $e, $calc)"))
                {
                    AddId(insert, "$i", face.ImageId);
                    AddId(insert, "$c", collectionId);
                    AddId(insert, "$s", face.SubjectId);
                    insert.Parameters.AddWithValue("$sh", face.Shard);
                    insert.Parameters.Add("$e", SqliteType.Blob).Value = EmbeddingCodec.Encode(face.Embedding);
                    insert.Parameters.AddWithValue("$calc", face.Calculator);
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                }

                if (image is { IsEmpty: false } bytes && _options.SaveImages)
                {
                    await using var insertImage = Command(connection, transaction, "INSERT INTO cf_image (image_id, content) VALUES ($i, $b)");
                    AddId(insertImage, "$i", face.ImageId);
                    insertImage.Parameters.Add("$b", SqliteType.Blob).Value = bytes.ToArray();
                    await insertImage.ExecuteNonQueryAsync(cancellationToken);
                }

                return 0;
            },
            cancellationToken);
    }

    public Task AddFacesAsync(Guid collectionId, IReadOnlyList<FaceRecord> faces, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(faces);
        return WriteAsync(
            async (connection, transaction) =>
            {
                await using var insert = Command(
                    connection,
                    transaction,
                    "INSERT INTO cf_face (image_id, collection_id, subject_id, shard, embedding, calculator) VALUES ($i, $c, $s, $sh, $e, $calc)");
                var imageId = insert.Parameters.Add("$i", SqliteType.Blob);
                AddId(insert, "$c", collectionId);
                var subjectId = insert.Parameters.Add("$s", SqliteType.Blob);
                var shard = insert.Parameters.Add("$sh", SqliteType.Integer);
                var embedding = insert.Parameters.Add("$e", SqliteType.Blob);
                var calculator = insert.Parameters.Add("$calc", SqliteType.Text);
                foreach (var face in faces)
                {
                    imageId.Value = face.ImageId.ToByteArray();
                    subjectId.Value = face.SubjectId.ToByteArray();
                    shard.Value = face.Shard;
                    embedding.Value = EmbeddingCodec.Encode(face.Embedding);
                    calculator.Value = face.Calculator;
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                }

                return 0;
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<FaceRecord>> DeleteFacesAsync(Guid collectionId, IReadOnlyCollection<Guid> imageIds, CancellationToken cancellationToken = default)
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
                    connection,
                    transaction,
                    "DELETE FROM cf_face WHERE collection_id = $c AND image_id = $i RETURNING subject_id, shard, embedding, calculator");
                AddId(delete, "$c", collectionId);
                var id = AddId(delete, "$i", Guid.Empty);
                var deleted = new List<FaceRecord>();
                foreach (var imageId in imageIds.Distinct())
                {
                    id.Value = imageId.ToByteArray();
                    await using var reader = await delete.ExecuteReaderAsync(cancellationToken);
                    if (await reader.ReadAsync(cancellationToken))
                    {
                        deleted.Add(new FaceRecord(
                            imageId,
                            reader.GetGuid(0),
                            reader.GetInt32(1),
                            EmbeddingCodec.Decode(await reader.GetFieldValueAsync<byte[]>(2, cancellationToken)),
                            reader.GetString(3)));
                    }
                }

                return deleted;
            },
            cancellationToken);
    }

    public async Task<FaceRecord?> GetFaceAsync(Guid collectionId, Guid imageId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(
            connection, null, "SELECT subject_id, shard, embedding, calculator FROM cf_face WHERE collection_id = $c AND image_id = $i");
        AddId(command, "$c", collectionId);
        AddId(command, "$i", imageId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new FaceRecord(
            imageId,
            reader.GetGuid(0),
            reader.GetInt32(1),
            EmbeddingCodec.Decode(await reader.GetFieldValueAsync<byte[]>(2, cancellationToken)),
            reader.GetString(3));
    }

    public async Task<byte[]?> GetImageAsync(Guid collectionId, Guid imageId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(
            connection,
            null,
            "SELECT i.content FROM cf_image i JOIN cf_face f ON f.image_id = i.image_id WHERE f.collection_id = $c AND i.image_id = $i");
        AddId(command, "$c", collectionId);
        AddId(command, "$i", imageId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? await reader.GetFieldValueAsync<byte[]>(0, cancellationToken) : null;
    }

    public async Task<(IReadOnlyList<FaceListing> Page, long Total)> ListFacesAsync(
        Guid collectionId, string? subject, int page, int size, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(page);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);

        const string Join = "FROM cf_face f JOIN cf_subject s ON s.collection_id = f.collection_id AND s.subject_id = f.subject_id WHERE f.collection_id = $c";
        var filter = subject is null ? string.Empty : " AND s.name = $n";

        await using var connection = await OpenAsync(cancellationToken);

        // One read transaction: the page and the total come from the same snapshot.
        await using var transaction = connection.BeginTransaction(deferred: true);
        await using var pageCommand = Command(connection, transaction, $"SELECT f.image_id, s.name {Join}{filter} ORDER BY f.seq LIMIT $limit OFFSET $offset");
        await using var countCommand = Command(connection, transaction, $"SELECT count(*) {Join}{filter}");
        foreach (var command in new[] { pageCommand, countCommand })
        {
            AddId(command, "$c", collectionId);
            if (subject is not null)
            {
                command.Parameters.AddWithValue("$n", subject);
            }
        }

        pageCommand.Parameters.AddWithValue("$limit", size);
        pageCommand.Parameters.AddWithValue("$offset", (long)page * size);
        var faces = new List<FaceListing>();
        await using (var reader = await pageCommand.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                faces.Add(new FaceListing(reader.GetGuid(0), reader.GetString(1)));
            }
        }

        var total = (long)(await countCommand.ExecuteScalarAsync(cancellationToken))!;
        return (faces, total);
    }

    public async Task<long> CountImagesAsync(Guid collectionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null,
            "SELECT count(*) FROM cf_image i JOIN cf_face f ON f.image_id = i.image_id WHERE f.collection_id = $c");
        AddId(command, "$c", collectionId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IReadOnlyDictionary<int, int>> CountFacesByShardAsync(Guid collectionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT shard, count(*) FROM cf_face WHERE collection_id = $c GROUP BY shard");
        AddId(command, "$c", collectionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new Dictionary<int, int>();
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[reader.GetInt32(0)] = checked((int)reader.GetInt64(1));
        }

        return counts;
    }

    public async Task<(bool InCollection, bool Elsewhere)> FindOtherCalculatorsAsync(
        string calculator, Guid collectionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(calculator);
        await using var connection = await OpenAsync(cancellationToken);

        // "<" and ">" rather than "<>" so SQLite can answer each side from cf_face_calculator_idx.
        await using var command = Command(connection, null, """
            SELECT EXISTS (SELECT 1 FROM cf_face WHERE (calculator < $k OR calculator > $k) AND collection_id = $c),
                   EXISTS (SELECT 1 FROM cf_face WHERE (calculator < $k OR calculator > $k) AND collection_id <> $c)
            """);
        command.Parameters.AddWithValue("$k", calculator);
        AddId(command, "$c", collectionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0) != 0, reader.GetInt64(1) != 0);
    }

    public async Task LoadShardAsync(Guid collectionId, int shard, FaceSink sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        var started = Stopwatch.GetTimestamp();

        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(
            connection, null, "SELECT image_id, subject_id, calculator, embedding FROM cf_face WHERE collection_id = $c AND shard = $sh ORDER BY seq");
        AddId(command, "$c", collectionId);
        command.Parameters.AddWithValue("$sh", shard);

        var id = new byte[16];
        var bytes = new byte[512 * sizeof(float)];
        var scratch = Array.Empty<float>(); // only used on big-endian hosts
        var rows = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            reader.GetBytes(0, 0, id, 0, id.Length);
            var imageId = new Guid(id);
            reader.GetBytes(1, 0, id, 0, id.Length);
            var subjectId = new Guid(id);

            var calculator = reader.GetString(2);
            var length = checked((int)reader.GetBytes(3, 0, null, 0, 0));
            if (bytes.Length < length)
            {
                bytes = new byte[length];
            }

            reader.GetBytes(3, 0, bytes, 0, length);
            sink(imageId, subjectId, calculator, EmbeddingCodec.View(bytes.AsSpan(0, length), ref scratch));
            rows++;
        }

        var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Log.ShardLoaded(_logger, collectionId, shard, rows, elapsedMs);
    }

    public Task<int> CopyCollectionAsync(Guid sourceId, Guid targetId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfEqual(sourceId, targetId);

        // The write lock and BEGIN IMMEDIATE make this one consistent snapshot. New ids are random 16-byte BLOBs, which
        // read back as Guids like any other id here. The temporary tables are dropped before commit (pooled connections).
        return WriteAsync(
            async (connection, transaction) =>
            {
                await using var command = Command(connection, transaction, """
                    CREATE TEMP TABLE cf_copy_subject AS SELECT subject_id AS old_id, randomblob(16) AS new_id FROM cf_subject WHERE collection_id = $src;
                    INSERT INTO cf_subject (subject_id, collection_id, name)
                        SELECT m.new_id, $dst, s.name FROM cf_subject s JOIN cf_copy_subject m ON m.old_id = s.subject_id ORDER BY s.seq;
                    CREATE TEMP TABLE cf_copy_face AS SELECT image_id AS old_id, randomblob(16) AS new_id FROM cf_face WHERE collection_id = $src;
                    INSERT INTO cf_face (image_id, collection_id, subject_id, shard, embedding, calculator)
                        SELECT fm.new_id, $dst, sm.new_id, f.shard, f.embedding, f.calculator
                        FROM cf_face f JOIN cf_copy_face fm ON fm.old_id = f.image_id JOIN cf_copy_subject sm ON sm.old_id = f.subject_id
                        WHERE f.collection_id = $src ORDER BY f.seq;
                    INSERT INTO cf_image (image_id, content) SELECT fm.new_id, i.content FROM cf_image i JOIN cf_copy_face fm ON fm.old_id = i.image_id;
                    SELECT count(*) FROM cf_copy_face;
                    DROP TABLE cf_copy_face;
                    DROP TABLE cf_copy_subject;
                    """);
                AddId(command, "$src", sourceId);
                AddId(command, "$dst", targetId);
                return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            },
            cancellationToken);
    }

    public void Dispose() => _writeLock.Dispose();

    private async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var result = await work(connection, transaction);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _connections.OpenExistingAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT max(version) FROM cf_schema_version");
        await command.ExecuteScalarAsync(cancellationToken);
    }

    private Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => _connections.OpenAsync(cancellationToken);

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    /// <summary>Ids are stored as 16-byte BLOBs; <see cref="SqliteDataReader.GetGuid"/> reads them back.</summary>
    private static SqliteParameter AddId(SqliteCommand command, string name, Guid value)
    {
        var parameter = command.Parameters.Add(name, SqliteType.Blob);
        parameter.Value = value.ToByteArray();
        return parameter;
    }

    private static KeyNotFoundException SubjectNotFound(Guid collectionId, Guid subjectId) =>
        new($"Subject {subjectId} is not in collection {collectionId}.");
}
