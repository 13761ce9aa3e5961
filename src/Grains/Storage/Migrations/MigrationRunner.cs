using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CompreFace.Grains.Storage;

/// <summary>
/// Brings a database to a <see cref="Schema"/>: in one transaction, creates the version table if absent, refuses a
/// database newer than the build, applies every step above the recorded version and records each one. The one runner of
/// the face, admin and Orleans schemas (docs/decisions/0017-storage-layout-and-migrations.md); only how the transaction
/// is opened and serialised is dialect code.
/// </summary>
public static class MigrationRunner
{
    /// <summary>
    /// Applies <paramref name="schema"/> on PostgreSQL under the transaction-scoped advisory lock
    /// <paramref name="lockKey"/>, so nodes starting together migrate one after the other and later ones find the work
    /// done (<c>CREATE TABLE IF NOT EXISTS</c> alone is not safe under concurrency). <paramref name="beforeCommit"/>
    /// runs in the same transaction after the steps (the Orleans query catalog).
    /// </summary>
    /// <returns>The version the database is at afterwards.</returns>
    public static async Task<int> ApplyAsync(
        NpgsqlDataSource dataSource,
        Schema schema,
        long lockKey,
        ILogger logger,
        Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task>? beforeCommit = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(schema);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lockKey });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        await ApplyStepsAsync(connection, transaction, schema, "PostgreSQL", logger, cancellationToken);
        if (beforeCommit is not null)
        {
            await beforeCommit(connection, transaction, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        Log.SchemaReady(logger, schema.Name, "PostgreSQL", schema.Latest);
        return schema.Latest;
    }

    /// <summary>
    /// Applies <paramref name="schema"/> to the embedded SQLite file: WAL journal (stored in the file, set outside a
    /// transaction), then one transaction that takes the write lock up front (<c>BEGIN IMMEDIATE</c>), so two
    /// processes cannot both migrate. Callers in this process serialise writes themselves.
    /// </summary>
    /// <returns>The version the database is at afterwards.</returns>
    internal static async Task<int> ApplyAsync(SqliteConnectionFactory connections, Schema schema, ILogger logger, CancellationToken cancellationToken)
    {
        connections.EnsureDirectory();
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            await wal.ExecuteNonQueryAsync(cancellationToken);
        }

        // Microsoft.Data.Sqlite begins IMMEDIATE unless asked for a deferred transaction.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ApplyStepsAsync(connection, transaction, schema, connections.FilePath, logger, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Log.SqliteOpened(logger, connections.FilePath, connections.Synchronous);
        Log.SchemaReady(logger, schema.Name, "SQLite", schema.Latest);
        return schema.Latest;
    }

    private static async Task ApplyStepsAsync(
        DbConnection connection, DbTransaction transaction, Schema schema, string where, ILogger logger, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, transaction, schema.CreateVersionTableSql, cancellationToken);
        int current;
        await using (var version = Command(connection, transaction, $"SELECT coalesce(max(version), 0) FROM {schema.VersionTable}"))
        {
            current = Convert.ToInt32(await version.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }

        if (current > schema.Latest)
        {
            throw new InvalidOperationException(
                $"The {schema.Name} schema in {where} is at version {current}, newer than this build knows ({schema.Latest}); run a newer build.");
        }

        foreach (var step in schema.Steps.Where(s => s.Version > current))
        {
            await ExecuteAsync(connection, transaction, step.Sql, cancellationToken);
            await using (var record = Command(connection, transaction, $"INSERT INTO {schema.VersionTable} (version, description) VALUES (@version, @description)"))
            {
                AddParameter(record, "@version", step.Version);
                AddParameter(record, "@description", step.Description);
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            Log.SchemaStepApplied(logger, schema.Name, step.Version, step.Description);
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

#pragma warning disable CA2100 // The schema's own DDL and table names, never input.
    private static DbCommand Command(DbConnection connection, DbTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
#pragma warning restore CA2100

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
