using System.Data.Common;
using CompreFace.Grains.Interfaces;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CompreFace.Grains.Storage;

/// <summary>
/// <see cref="IFaceStore"/> on the embedded SQLite file (the single-node default): the portable SQL of
/// <see cref="AdoFaceStore"/> on connections of the shared <see cref="SqliteConnectionFactory"/>. SQLite has one writer
/// at a time, so writes in this process queue on a semaphore and take the write lock up front (<c>BEGIN IMMEDIATE</c>);
/// the busy timeout covers another process (or the admin store) holding the file. Readers run beside the writer (WAL
/// snapshots).
/// </summary>
internal sealed class SqliteFaceStore(SqliteConnectionFactory connections, IOptions<StorageOptions> options, ILogger<SqliteFaceStore> logger)
    : AdoFaceStore(options.Value, logger), IDisposable
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <summary>The database file (for tests and diagnostics).</summary>
    public string FilePath => connections.FilePath;

    public override async Task EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await MigrationRunner.ApplyAsync(connections, StorageSchemas.Sqlite, Logger, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public override Task<int> CopyCollectionAsync(Guid sourceId, Guid targetId, CancellationToken cancellationToken = default)
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
                Bind(command, "$src", sourceId);
                Bind(command, "$dst", targetId);
                return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            },
            cancellationToken);
    }

    protected override string NewIdSql => SqliteDialect.NewId;

    protected override string NowMsSql => SqliteDialect.NowMs;

    public void Dispose() => _writeLock.Dispose();

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await connections.OpenAsync(cancellationToken);

    protected override async Task<DbConnection> OpenProbeAsync(CancellationToken cancellationToken) => await connections.OpenExistingAsync(cancellationToken);

    protected override Task<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));

    protected override async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            return await base.WriteAsync(work, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Ids as 16-byte BLOBs (<see cref="SqliteDataReader.GetGuid"/> reads them back); images as arrays.</summary>
    protected override object ToDatabase(object value) => value switch
    {
        Guid guid => guid.ToByteArray(),
        ReadOnlyMemory<byte> bytes => bytes.ToArray(),
        _ => value,
    };
}
