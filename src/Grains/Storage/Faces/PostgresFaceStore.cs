using CompreFace.Grains.Interfaces;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace CompreFace.Grains.Storage;

/// <summary>
/// <see cref="IFaceStore"/> on PostgreSQL (the cluster store). Every call takes a pooled connection from the one
/// <see cref="NpgsqlDataSource"/>; multi-statement writes go as one <see cref="NpgsqlBatch"/>, which PostgreSQL runs
/// as one implicit transaction, so they are atomic in a single round trip. Every statement filters by collection.
/// </summary>
internal sealed partial class PostgresFaceStore(
    NpgsqlDataSource dataSource,
    IOptions<StorageOptions> options,
    ILogger<PostgresFaceStore> logger) : IFaceStore
{
    /// <summary>Key of the transaction-scoped advisory lock that serialises schema migration across nodes ("cf_schma").</summary>
    private const long MigrationLockKey = 0x63665F7363686D61;

    private readonly bool _saveImages = options.Value.SaveImages;

    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT max(version) FROM cf_schema_version", connection);
        await command.ExecuteScalarAsync(cancellationToken);
    }

    public Task EnsureSchemaAsync(CancellationToken cancellationToken = default) =>
        MigrationRunner.ApplyAsync(dataSource, StorageSchemas.Postgres, MigrationLockKey, logger, cancellationToken: cancellationToken);

    public async Task<IReadOnlyList<SubjectRecord>> GetSubjectsAsync(Guid collectionId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT subject_id, name FROM cf_subject WHERE collection_id = $1 ORDER BY seq");
        command.Parameters.Add(Uuid(collectionId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var subjects = new List<SubjectRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            subjects.Add(new SubjectRecord(reader.GetGuid(0), reader.GetString(1)));
        }

        return subjects;
    }

    public async Task AddSubjectAsync(Guid collectionId, SubjectRecord subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        await using var command = dataSource.CreateCommand("INSERT INTO cf_subject (subject_id, collection_id, name) VALUES ($1, $2, $3)");
        command.Parameters.Add(Uuid(subject.SubjectId));
        command.Parameters.Add(Uuid(collectionId));
        command.Parameters.Add(Text(subject.Name));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RenameSubjectAsync(Guid collectionId, Guid subjectId, string newName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(newName);
        await using var command = dataSource.CreateCommand("UPDATE cf_subject SET name = $3 WHERE collection_id = $1 AND subject_id = $2");
        command.Parameters.Add(Uuid(collectionId));
        command.Parameters.Add(Uuid(subjectId));
        command.Parameters.Add(Text(newName));
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            throw SubjectNotFound(collectionId, subjectId);
        }
    }

    public async Task MergeSubjectAsync(Guid collectionId, Guid fromSubjectId, Guid toSubjectId, CancellationToken cancellationToken = default)
    {
        if (fromSubjectId == toSubjectId)
        {
            throw new ArgumentException("A subject cannot be merged into itself.", nameof(toSubjectId));
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Lock both rows so the check holds until commit.
        await using (var check = new NpgsqlCommand(
            "SELECT subject_id FROM cf_subject WHERE collection_id = $1 AND subject_id = ANY($2) FOR UPDATE", connection, transaction))
        {
            check.Parameters.Add(Uuid(collectionId));
            check.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [fromSubjectId, toSubjectId] });
            await using var reader = await check.ExecuteReaderAsync(cancellationToken);
            var found = new HashSet<Guid>();
            while (await reader.ReadAsync(cancellationToken))
            {
                found.Add(reader.GetGuid(0));
            }

            if (!found.Contains(fromSubjectId))
            {
                throw SubjectNotFound(collectionId, fromSubjectId);
            }

            if (!found.Contains(toSubjectId))
            {
                throw SubjectNotFound(collectionId, toSubjectId);
            }
        }

        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(Statement(
                "UPDATE cf_face SET subject_id = $3 WHERE collection_id = $1 AND subject_id = $2",
                Uuid(collectionId), Uuid(fromSubjectId), Uuid(toSubjectId)));
            batch.BatchCommands.Add(Statement(
                "DELETE FROM cf_subject WHERE collection_id = $1 AND subject_id = $2",
                Uuid(collectionId), Uuid(fromSubjectId)));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<int> DeleteSubjectsAsync(Guid collectionId, IReadOnlyCollection<Guid> subjectIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subjectIds);
        if (subjectIds.Count == 0)
        {
            return 0;
        }

        var ids = subjectIds.ToArray();
        await using var batch = dataSource.CreateBatch();

        // Faces first so their count is known; images go with them by cascade.
        var faces = Statement(
            "DELETE FROM cf_face WHERE collection_id = $1 AND subject_id = ANY($2)",
            Uuid(collectionId), new NpgsqlParameter<Guid[]> { TypedValue = ids });
        batch.BatchCommands.Add(faces);
        batch.BatchCommands.Add(Statement(
            "DELETE FROM cf_subject WHERE collection_id = $1 AND subject_id = ANY($2)",
            Uuid(collectionId), new NpgsqlParameter<Guid[]> { TypedValue = ids }));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return checked((int)faces.RecordsAffected);
    }

    public async Task<int> DeleteCollectionAsync(Guid collectionId, CancellationToken cancellationToken = default)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Statement("DELETE FROM cf_face WHERE collection_id = $1", Uuid(collectionId)));
        var subjects = Statement("DELETE FROM cf_subject WHERE collection_id = $1", Uuid(collectionId));
        batch.BatchCommands.Add(subjects);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return checked((int)subjects.RecordsAffected);
    }

    public async Task AddFaceAsync(Guid collectionId, FaceRecord face, ReadOnlyMemory<byte>? image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(face);
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Statement(
            "INSERT INTO cf_face (image_id, collection_id, subject_id, shard, embedding, calculator) VALUES ($1, $2, $3, $4, $5, $6)",
            Uuid(face.ImageId),
            Uuid(collectionId),
            Uuid(face.SubjectId),
            new NpgsqlParameter<int> { TypedValue = face.Shard },
            new NpgsqlParameter<byte[]> { TypedValue = EmbeddingCodec.Encode(face.Embedding), NpgsqlDbType = NpgsqlDbType.Bytea },
            Text(face.Calculator)));
        if (image is { IsEmpty: false } bytes && _saveImages)
        {
            batch.BatchCommands.Add(Statement(
                "INSERT INTO cf_image (image_id, content) VALUES ($1, $2)",
                Uuid(face.ImageId),
                new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = bytes, NpgsqlDbType = NpgsqlDbType.Bytea }));
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> CopyCollectionAsync(Guid sourceId, Guid targetId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfEqual(sourceId, targetId);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);

        // One snapshot for all statements, so a write to the source during the copy is either wholly in or wholly out.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new("CREATE TEMP TABLE cf_copy_subject ON COMMIT DROP AS SELECT subject_id AS old_id, gen_random_uuid() AS new_id FROM cf_subject WHERE collection_id = $1"),
                new("""
                    INSERT INTO cf_subject (subject_id, collection_id, name)
                    SELECT m.new_id, $2, s.name FROM cf_subject s JOIN cf_copy_subject m ON m.old_id = s.subject_id WHERE s.collection_id = $1 ORDER BY s.seq
                    """),
                new("CREATE TEMP TABLE cf_copy_face ON COMMIT DROP AS SELECT image_id AS old_id, gen_random_uuid() AS new_id FROM cf_face WHERE collection_id = $1"),
                new("""
                    INSERT INTO cf_face (image_id, collection_id, subject_id, shard, embedding, calculator)
                    SELECT fm.new_id, $2, sm.new_id, f.shard, f.embedding, f.calculator
                    FROM cf_face f JOIN cf_copy_face fm ON fm.old_id = f.image_id JOIN cf_copy_subject sm ON sm.old_id = f.subject_id
                    WHERE f.collection_id = $1 ORDER BY f.seq
                    """),
                new("INSERT INTO cf_image (image_id, content) SELECT fm.new_id, i.content FROM cf_image i JOIN cf_copy_face fm ON fm.old_id = i.image_id"),
            },
        };
        foreach (var command in batch.BatchCommands)
        {
            command.Parameters.Add(Uuid(sourceId));
            if (command.CommandText.Contains("$2", StringComparison.Ordinal))
            {
                command.Parameters.Add(Uuid(targetId));
            }
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
        var copied = batch.BatchCommands[3].RecordsAffected;
        await transaction.CommitAsync(cancellationToken);
        return copied;
    }

    public async Task AddFacesAsync(Guid collectionId, IReadOnlyList<FaceRecord> faces, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(faces);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var import = await connection.BeginBinaryImportAsync(
            "COPY cf_face (image_id, collection_id, subject_id, shard, embedding, calculator) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var face in faces)
            {
                await import.StartRowAsync(cancellationToken);
                await import.WriteAsync(face.ImageId, NpgsqlDbType.Uuid, cancellationToken);
                await import.WriteAsync(collectionId, NpgsqlDbType.Uuid, cancellationToken);
                await import.WriteAsync(face.SubjectId, NpgsqlDbType.Uuid, cancellationToken);
                await import.WriteAsync(face.Shard, NpgsqlDbType.Integer, cancellationToken);
                await import.WriteAsync(EmbeddingCodec.Encode(face.Embedding), NpgsqlDbType.Bytea, cancellationToken);
                await import.WriteAsync(face.Calculator, NpgsqlDbType.Text, cancellationToken);
            }

            await import.CompleteAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<FaceRecord>> DeleteFacesAsync(Guid collectionId, IReadOnlyCollection<Guid> imageIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(imageIds);
        if (imageIds.Count == 0)
        {
            return [];
        }

        await using var command = dataSource.CreateCommand(
            "DELETE FROM cf_face WHERE collection_id = $1 AND image_id = ANY($2) RETURNING image_id, subject_id, shard, embedding, calculator");
        command.Parameters.Add(Uuid(collectionId));
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = imageIds.ToArray() });
        var deleted = new Dictionary<Guid, FaceRecord>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var face = new FaceRecord(
                    reader.GetGuid(0),
                    reader.GetGuid(1),
                    reader.GetInt32(2),
                    EmbeddingCodec.Decode(await reader.GetFieldValueAsync<byte[]>(3, cancellationToken)),
                    reader.GetString(4));
                deleted[face.ImageId] = face;
            }
        }

        return InRequestOrder(imageIds, deleted);
    }

    public async Task<FaceRecord?> GetFaceAsync(Guid collectionId, Guid imageId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT subject_id, shard, embedding, calculator FROM cf_face WHERE collection_id = $1 AND image_id = $2");
        command.Parameters.Add(Uuid(collectionId));
        command.Parameters.Add(Uuid(imageId));
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
        await using var command = dataSource.CreateCommand(
            "SELECT i.content FROM cf_image i JOIN cf_face f ON f.image_id = i.image_id WHERE f.collection_id = $1 AND i.image_id = $2");
        command.Parameters.Add(Uuid(collectionId));
        command.Parameters.Add(Uuid(imageId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? await reader.GetFieldValueAsync<byte[]>(0, cancellationToken) : null;
    }

    public async Task<(IReadOnlyList<FaceListing> Page, long Total)> ListFacesAsync(
        Guid collectionId, string? subject, int page, int size, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(page);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);

        const string Join = "FROM cf_face f JOIN cf_subject s ON s.collection_id = f.collection_id AND s.subject_id = f.subject_id WHERE f.collection_id = $1";
        var filter = subject is null ? string.Empty : " AND s.name = $2";
        var limits = subject is null ? "$2 OFFSET $3" : "$3 OFFSET $4";

        await using var batch = dataSource.CreateBatch();
        var pageCommand = new NpgsqlBatchCommand($"SELECT f.image_id, s.name {Join}{filter} ORDER BY f.seq LIMIT {limits}");
        var countCommand = new NpgsqlBatchCommand($"SELECT count(*) {Join}{filter}");
        foreach (var command in new[] { pageCommand, countCommand })
        {
            command.Parameters.Add(Uuid(collectionId));
            if (subject is not null)
            {
                command.Parameters.Add(Text(subject));
            }
        }

        pageCommand.Parameters.Add(new NpgsqlParameter<int> { TypedValue = size });
        pageCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)page * size });
        batch.BatchCommands.Add(pageCommand);
        batch.BatchCommands.Add(countCommand);

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var faces = new List<FaceListing>();
        while (await reader.ReadAsync(cancellationToken))
        {
            faces.Add(new FaceListing(reader.GetGuid(0), reader.GetString(1)));
        }

        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (faces, reader.GetInt64(0));
    }

    public async Task<long> CountImagesAsync(Guid collectionId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT count(*) FROM cf_image i JOIN cf_face f ON f.image_id = i.image_id WHERE f.collection_id = $1");
        command.Parameters.Add(Uuid(collectionId));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IReadOnlyDictionary<int, int>> CountFacesByShardAsync(Guid collectionId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT shard, count(*) FROM cf_face WHERE collection_id = $1 GROUP BY shard");
        command.Parameters.Add(Uuid(collectionId));
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

        // "<" and ">" rather than "<>" so each side is a range scan of cf_face_calculator_idx.
        await using var command = dataSource.CreateCommand("""
            SELECT EXISTS (SELECT 1 FROM cf_face WHERE (calculator < $1 OR calculator > $1) AND collection_id = $2),
                   EXISTS (SELECT 1 FROM cf_face WHERE (calculator < $1 OR calculator > $1) AND collection_id <> $2)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = calculator, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(Uuid(collectionId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetBoolean(0), reader.GetBoolean(1));
    }

    public async Task LoadShardAsync(Guid collectionId, int shard, FaceSink sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        var started = Stopwatch.GetTimestamp();

        // COPY takes no parameters; both values are typed (a Guid and an int) and formatted invariantly, so nothing
        // from outside reaches the SQL text.
        var sql = string.Create(
            CultureInfo.InvariantCulture,
            $"COPY (SELECT image_id, subject_id, calculator, embedding FROM cf_face WHERE collection_id = '{collectionId:D}' AND shard = {shard} ORDER BY seq) TO STDOUT (FORMAT BINARY)");

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var scratch = Array.Empty<float>(); // only used on big-endian hosts
        var rows = 0;
        await using (var exporter = await connection.BeginBinaryExportAsync(sql, cancellationToken))
        {
            while (await exporter.StartRowAsync(cancellationToken) != -1)
            {
                var imageId = await exporter.ReadAsync<Guid>(NpgsqlDbType.Uuid, cancellationToken);
                var subjectId = await exporter.ReadAsync<Guid>(NpgsqlDbType.Uuid, cancellationToken);
                var calculator = await exporter.ReadAsync<string>(NpgsqlDbType.Text, cancellationToken);

                // The exporter has no stream or span access to a bytea (Npgsql 10 throws NotSupportedException for
                // Stream), so each vector costs the one byte[] Npgsql makes; it is viewed as floats in place.
                var bytes = await exporter.ReadAsync<byte[]>(NpgsqlDbType.Bytea, cancellationToken);
                sink(imageId, subjectId, calculator, EmbeddingCodec.View(bytes, ref scratch));
                rows++;
            }
        }

        var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Log.ShardLoaded(logger, collectionId, shard, rows, elapsedMs);
    }

    private static List<FaceRecord> InRequestOrder(IReadOnlyCollection<Guid> requested, Dictionary<Guid, FaceRecord> deleted)
    {
        var result = new List<FaceRecord>(deleted.Count);
        foreach (var id in requested)
        {
            if (deleted.Remove(id, out var face))
            {
                result.Add(face);
            }
        }

        return result;
    }

    private static KeyNotFoundException SubjectNotFound(Guid collectionId, Guid subjectId) =>
        new($"Subject {subjectId} is not in collection {collectionId}.");

    private static NpgsqlParameter<Guid> Uuid(Guid value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Uuid };

    private static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlBatchCommand Statement(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }
}
