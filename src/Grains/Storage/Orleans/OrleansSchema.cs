using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CompreFace.Grains.Storage;

/// <summary>
/// The project's own PostgreSQL schema for the Orleans ADO.NET providers (clustering, grain storage, reminders)
/// (docs/decisions/0010-orleans-adonet-schema.md): the tables are <see cref="OrleansSteps"/>, applied by the storage's
/// <see cref="MigrationRunner"/> and recorded in <c>cf_orleans_schema_version</c>; in the same transaction the
/// <c>orleansquery</c> catalog is reconciled with this build's texts (<see cref="OrleansQueries.All"/>).
/// </summary>
public static class OrleansSchema
{
    /// <summary>Key of the advisory lock that serialises this schema's migration across nodes ("cf_orlns").</summary>
    public const long MigrationLockKey = 0x63665F6F726C6E73;

    /// <summary>The schema steps, in order: 1, 2, 3… without gaps.</summary>
    public static IReadOnlyList<SchemaStep> Steps => StorageSchemas.Orleans.Steps;

    /// <summary>Brings the database at <paramref name="connectionString"/> to this build's Orleans schema.</summary>
    /// <returns>The schema version the database is at afterwards.</returns>
    public static async Task<int> EnsureAsync(string connectionString, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        return await EnsureAsync(dataSource, logger, cancellationToken);
    }

    /// <summary>Brings the database of <paramref name="dataSource"/> to this build's Orleans schema.</summary>
    /// <returns>The schema version the database is at afterwards.</returns>
    public static Task<int> EnsureAsync(NpgsqlDataSource dataSource, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        MigrationRunner.ApplyAsync(dataSource, StorageSchemas.Orleans, MigrationLockKey, logger ?? NullLogger.Instance, ReconcileQueriesAsync, cancellationToken);

    /// <summary>
    /// The catalog holds this build's texts: rows are written only where the text differs, so a re-run changes nothing.
    /// The texts are code, not steps: a text may change without a step only if it still fits the current tables.
    /// </summary>
    private static async Task ReconcileQueriesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var (key, text) in OrleansQueries.All)
        {
            var upsert = new NpgsqlBatchCommand("""
                INSERT INTO orleansquery (querykey, querytext) VALUES ($1, $2)
                ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext
                WHERE orleansquery.querytext IS DISTINCT FROM excluded.querytext
                """);
            upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
            upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = text });
            batch.BatchCommands.Add(upsert);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
