using System.Data.Common;
using CompreFace.Grains.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace CompreFace.Grains.Admin;

/// <summary>
/// <see cref="IAdminStore"/> in the embedded SQLite file of the face store (WAL, foreign keys on). Writes take the
/// write lock up front (<c>BEGIN IMMEDIATE</c>, Microsoft.Data.Sqlite's default) and wait on the busy timeout while
/// the face store writes.
/// </summary>
internal sealed class SqliteAdminStore(IOptions<StorageOptions> options) : AdoAdminStore
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = options.Value.SqliteFilePath,
        Mode = SqliteOpenMode.ReadWriteCreate,
        ForeignKeys = true,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA busy_timeout = 30000;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Guids as the face store's 16-byte BLOBs (Microsoft.Data.Sqlite would bind TEXT); times as sortable ISO-8601 UTC text.</summary>
    protected override object ToDatabase(object value) => value switch
    {
        Guid guid => guid.ToByteArray(),
        DateTime time => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
        _ => value,
    };

    protected override bool IsUniqueViolation(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 };
}
