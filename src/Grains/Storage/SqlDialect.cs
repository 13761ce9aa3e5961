using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CompreFace.Grains.Storage;

/// <summary>
/// What differs between the two databases for the stores written in portable SQL (admin, webhooks, jobs), in one place
/// per database: how a connection opens, how a .NET value binds and a stored boolean reads, the SQL for a fresh id and
/// for the clock in Unix milliseconds, a typed null parameter, and what a unique violation looks like. The stores take
/// the node's one dialect instead of each having a PostgreSQL and a SQLite subclass. (The face store keeps its dialect
/// subclasses for what only one database does: COPY, batches, the clone, merge locking.)
/// </summary>
internal abstract class SqlDialect
{
    /// <summary>An open connection, ready for commands.</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>The value bound for a .NET value (the default binds it as is).</summary>
    public virtual object ToDatabase(object value) => value;

    /// <summary>How a stored boolean reads.</summary>
    public abstract bool ReadBoolean(DbDataReader reader, int ordinal);

    /// <summary>SQL for a fresh random id in one row.</summary>
    public abstract string NewIdSql { get; }

    /// <summary>SQL for the database's clock in Unix milliseconds (the webhook outbox's and the jobs' time unit).</summary>
    public abstract string NowMsSql { get; }

    /// <summary>Whether the exception is a unique or primary-key violation.</summary>
    public abstract bool IsUniqueViolation(DbException exception);

    /// <summary>A parameter that may be null, typed where the dialect needs it (PostgreSQL cannot infer a null's type in a select list).</summary>
    public virtual string Typed(string parameter, string postgresType) => parameter;
}

/// <summary>PostgreSQL, through the node's one <see cref="NpgsqlDataSource"/>.</summary>
internal sealed class PostgresDialect(NpgsqlDataSource dataSource) : SqlDialect
{
    /// <summary>PostgreSQL's clock in Unix milliseconds.</summary>
    internal const string NowMs = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

    /// <summary>A fresh random uuid.</summary>
    internal const string NewId = "gen_random_uuid()";

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await dataSource.OpenConnectionAsync(cancellationToken);

    public override bool ReadBoolean(DbDataReader reader, int ordinal) => reader.GetBoolean(ordinal);

    public override string NewIdSql => NewId;

    public override string NowMsSql => NowMs;

    public override bool IsUniqueViolation(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override string Typed(string parameter, string postgresType) => $"CAST({parameter} AS {postgresType})";
}

/// <summary>
/// The embedded SQLite file, through the node's one <see cref="SqliteConnectionFactory"/> (WAL, foreign keys on; writes
/// take the write lock up front and wait on the busy timeout while another store writes).
/// </summary>
internal sealed class SqliteDialect(SqliteConnectionFactory connections) : SqlDialect
{
    /// <summary>SQLite's clock in Unix milliseconds.</summary>
    internal const string NowMs = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";

    /// <summary>A fresh random id as the 16-byte BLOB the stores use for Guids.</summary>
    internal const string NewId = "randomblob(16)";

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await connections.OpenAsync(cancellationToken);

    /// <summary>Guids as the face store's 16-byte BLOBs (Microsoft.Data.Sqlite would bind TEXT); times as sortable ISO-8601 UTC text.</summary>
    public override object ToDatabase(object value) => value switch
    {
        Guid guid => guid.ToByteArray(),
        DateTime time => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        _ => value,
    };

    public override bool ReadBoolean(DbDataReader reader, int ordinal) => reader.GetInt64(ordinal) != 0;

    public override string NewIdSql => NewId;

    public override string NowMsSql => NowMs;

    public override bool IsUniqueViolation(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 };
}
