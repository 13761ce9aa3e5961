using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace CompreFace.Grains.Storage;

/// <summary>
/// <see cref="IAdminStore"/> in the embedded SQLite file of the face store (WAL, foreign keys on, connections from the shared <see cref="SqliteConnectionFactory"/>). Writes take the
/// write lock up front (<c>BEGIN IMMEDIATE</c>, Microsoft.Data.Sqlite's default) and wait on the busy timeout while
/// the face store writes.
/// </summary>
internal sealed class SqliteAdminStore(SqliteConnectionFactory connections, TimeProvider? time = null) : AdoAdminStore(time)
{
    protected override string NewIdSql => "randomblob(16)";

    protected override string NowMsSql => SqliteFaceStore.SqliteNowMs;

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await connections.OpenAsync(cancellationToken);

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
