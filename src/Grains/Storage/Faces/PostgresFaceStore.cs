using System.Data;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using CompreFace.Grains.Interfaces;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace CompreFace.Grains.Storage;

/// <summary>
/// <see cref="IFaceStore"/> on PostgreSQL (the cluster store): the portable SQL of <see cref="AdoFaceStore"/> on pooled
/// connections of the one <see cref="NpgsqlDataSource"/>, plus what PostgreSQL does better: multi-statement writes as
/// one <see cref="NpgsqlBatch"/> (one implicit transaction, one round trip), binary COPY for bulk loads and shard reads,
/// array deletes, a clone inside one repeatable-read snapshot, and row locks for a merge.
/// </summary>
internal sealed class PostgresFaceStore(
    NpgsqlDataSource dataSource,
    IOptions<StorageOptions> options,
    ILogger<PostgresFaceStore> logger) : AdoFaceStore(options.Value, logger)
{
    /// <summary>Key of the transaction-scoped advisory lock that serialises schema migration across nodes ("cf_schma").</summary>
    private const long MigrationLockKey = 0x63665F7363686D61;

    protected override string LockRows => " FOR UPDATE";

    protected override string NewIdSql => PostgresDialect.NewId;

    protected override string NowMsSql => PostgresDialect.NowMs;

    public override Task EnsureSchemaAsync(CancellationToken cancellationToken = default) =>
        MigrationRunner.ApplyAsync(dataSource, StorageSchemas.Postgres, MigrationLockKey, Logger, cancellationToken: cancellationToken);

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken);

    protected override async Task<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);

    protected override async Task<int[]> ExecuteAtomicAsync(IReadOnlyList<Statement> statements, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        foreach (var statement in statements)
        {
            var command = new NpgsqlBatchCommand(statement.Sql);
            foreach (var (name, value) in statement.Parameters)
            {
                command.Parameters.Add(new NpgsqlParameter(name, value));
            }

            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
        return [.. batch.BatchCommands.Select((NpgsqlBatchCommand c) => checked((int)c.RecordsAffected))];
    }

    public override async Task<int> CopyCollectionAsync(Guid sourceId, Guid targetId, CancellationToken cancellationToken = default)
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
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = sourceId, NpgsqlDbType = NpgsqlDbType.Uuid });
            if (command.CommandText.Contains("$2", StringComparison.Ordinal))
            {
                command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = targetId, NpgsqlDbType = NpgsqlDbType.Uuid });
            }
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
        var copied = batch.BatchCommands[3].RecordsAffected;
        await transaction.CommitAsync(cancellationToken);
        return copied;
    }

    public override async Task AddFacesAsync(Guid collectionId, IReadOnlyList<FaceRecord> faces, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(faces);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await CopyFacesAsync(connection, collectionId, faces, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public override async Task ImportAsync(
        Guid collectionId, IReadOnlyList<SubjectRecord> subjects, IReadOnlyList<FaceRecord> faces, IReadOnlyDictionary<Guid, byte[]> images,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(images);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (subjects.Count > 0)
        {
            // In the given order, so the subjects keep their list order (seq).
            await using var insert = new NpgsqlCommand(
                "INSERT INTO cf_subject (subject_id, collection_id, name) SELECT t.s, @c, t.n FROM unnest(@ids, @names) WITH ORDINALITY AS t(s, n, o) ORDER BY t.o",
                connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter<Guid>("c", collectionId) { NpgsqlDbType = NpgsqlDbType.Uuid });
            insert.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", subjects.Select(x => x.SubjectId).ToArray()));
            insert.Parameters.Add(new NpgsqlParameter<string[]>("names", subjects.Select(x => x.Name).ToArray()));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await CopyFacesAsync(connection, collectionId, faces, cancellationToken);
        if (SaveImages && images.Count > 0)
        {
            await using var import = await connection.BeginBinaryImportAsync("COPY cf_image (image_id, content) FROM STDIN (FORMAT BINARY)", cancellationToken);
            foreach (var face in faces)
            {
                if (images.TryGetValue(face.ImageId, out var bytes) && bytes.Length > 0)
                {
                    await import.StartRowAsync(cancellationToken);
                    await import.WriteAsync(face.ImageId, NpgsqlDbType.Uuid, cancellationToken);
                    await import.WriteAsync(bytes, NpgsqlDbType.Bytea, cancellationToken);
                }
            }

            await import.CompleteAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public override async Task<IReadOnlySet<Guid>> FindFacesAsync(Guid collectionId, IReadOnlyCollection<Guid> imageIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(imageIds);
        var found = new HashSet<Guid>();
        if (imageIds.Count == 0)
        {
            return found;
        }

        await using var command = dataSource.CreateCommand("SELECT image_id FROM cf_face WHERE collection_id = @c AND image_id = ANY(@ids)");
        command.Parameters.Add(new NpgsqlParameter<Guid>("c", collectionId) { NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", imageIds.ToArray()));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(reader.GetGuid(0));
        }

        return found;
    }

    /// <summary>Streams examples into <c>cf_face</c> with binary COPY, inside the caller's transaction.</summary>
    private static async Task CopyFacesAsync(NpgsqlConnection connection, Guid collectionId, IReadOnlyList<FaceRecord> faces, CancellationToken cancellationToken)
    {
        await using var import = await connection.BeginBinaryImportAsync(
            "COPY cf_face (image_id, collection_id, subject_id, shard, embedding, calculator) FROM STDIN (FORMAT BINARY)", cancellationToken);
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

    public override async Task<IReadOnlyList<FaceRecord>> DeleteFacesAsync(Guid collectionId, IReadOnlyCollection<Guid> imageIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(imageIds);
        if (imageIds.Count == 0)
        {
            return [];
        }

        // The outbox rows and the delete in one implicit transaction (one batch).
        await using var batch = dataSource.CreateBatch();
        var outbox = new NpgsqlBatchCommand(FaceDeletedOutbox("f.image_id = ANY(@ids)"));
        outbox.Parameters.Add(new NpgsqlParameter<Guid>("c", collectionId) { NpgsqlDbType = NpgsqlDbType.Uuid });
        outbox.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", imageIds.ToArray()));
        batch.BatchCommands.Add(outbox);
        var delete = new NpgsqlBatchCommand("DELETE FROM cf_face WHERE collection_id = @c AND image_id = ANY(@ids) RETURNING image_id, subject_id, shard, embedding, calculator");
        delete.Parameters.Add(new NpgsqlParameter<Guid>("c", collectionId) { NpgsqlDbType = NpgsqlDbType.Uuid });
        delete.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", imageIds.ToArray()));
        batch.BatchCommands.Add(delete);
        var deleted = new Dictionary<Guid, FaceRecord>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var face = ReadFace(reader);
                deleted[face.ImageId] = face;
            }
        }

        return InRequestOrder(imageIds, deleted);
    }

    public override async Task LoadShardAsync(Guid collectionId, int shard, FaceSink sink, CancellationToken cancellationToken = default)
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
        Log.ShardLoaded(Logger, collectionId, shard, rows, elapsedMs);
    }

    /// <summary>The digest summed in SQL: no id leaves the database (a 10M collection is one aggregate, not 160 MB of ids).</summary>
    public override async Task<IReadOnlyDictionary<int, ulong>> DigestFacesByShardAsync(Guid collectionId, CancellationToken cancellationToken = default)
    {
        // The first 15 hex digits of each id as a 60-bit number (ShardDigest.Of), summed exactly (numeric), modulo 2^64.
        var rows = await QueryAsync(
            """
            SELECT shard, (sum(('x' || substr(replace(image_id::text, '-', ''), 1, 15))::bit(60)::bigint) % 18446744073709551616)::text
            FROM cf_face WHERE collection_id = @c GROUP BY shard
            """,
            r => (Shard: r.GetInt32(0), Digest: ulong.Parse(r.GetString(1), System.Globalization.CultureInfo.InvariantCulture)),
            cancellationToken,
            ("@c", collectionId));
        return rows.ToDictionary(r => r.Shard, r => r.Digest);
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
}
