using Npgsql;

namespace CompreFace.Silo.Cluster;

/// <summary>
/// The project's own PostgreSQL schema for the Orleans ADO.NET providers (clustering, grain storage, reminders),
/// written from Orleans' ADO.NET contract as docs/decisions/0010-orleans-adonet-schema.md records it.
/// <para>
/// Tables are ordered, versioned steps recorded in <c>cf_orleans_schema_version</c>; a released step is never edited,
/// a change is a new step. The <c>orleansquery</c> catalog is then reconciled with this build's texts
/// (<see cref="OrleansQueries.All"/>). Everything runs in one transaction under a transaction-scoped advisory lock,
/// so nodes starting together apply it one after the other and later ones find the work done.
/// </para>
/// </summary>
public static class OrleansSchema
{
    /// <summary>Key of the advisory lock that serialises this schema's migration across nodes ("cf_orlns").</summary>
    public const long MigrationLockKey = 0x63665F6F726C6E73;

    /// <summary>Creates the version table; safe to run every time (it runs under the migration lock).</summary>
    public const string VersionTable = """
        CREATE TABLE IF NOT EXISTS cf_orleans_schema_version (
            version     integer     PRIMARY KEY,
            description text        NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now()
        );
        """;

    /// <summary>The schema steps, in order: 1, 2, 3… without gaps.</summary>
    public static IReadOnlyList<OrleansSchemaStep> Steps { get; } =
    [
        new(1, "Orleans query catalog, membership, grain state and reminder tables", """
            -- Read by the providers with an unquoted "SELECT QueryKey, QueryText FROM OrleansQuery": lower-case names.
            CREATE TABLE orleansquery (
                querykey  text PRIMARY KEY,
                querytext text NOT NULL
            );

            -- One membership table version (the ETag) per deployment (ClusterOptions.ClusterId).
            CREATE TABLE cf_orleans_membership_version (
                deployment_id text        PRIMARY KEY,
                version       integer     NOT NULL DEFAULT 0 CHECK (version >= 0),
                changed_at    timestamptz NOT NULL DEFAULT now()
            );

            CREATE TABLE cf_orleans_membership (
                deployment_id   text        NOT NULL
                                REFERENCES cf_orleans_membership_version (deployment_id) ON DELETE CASCADE,
                address         text        NOT NULL,
                port            integer     NOT NULL,
                generation      integer     NOT NULL,
                silo_name       text        NOT NULL,
                host_name       text        NOT NULL,
                status          integer     NOT NULL,
                proxy_port      integer     NOT NULL,
                suspect_times   text,
                start_time      timestamptz NOT NULL,
                i_am_alive_time timestamptz NOT NULL,
                PRIMARY KEY (deployment_id, address, port, generation)
            );

            -- Grain state. Identity: (service, state name, n0, n1, extension); NULLS NOT DISTINCT (PostgreSQL >= 15)
            -- makes a NULL extension one identity, so concurrent first writes have exactly one winner.
            CREATE TABLE cf_orleans_storage (
                service_id         text        NOT NULL,
                grain_type         text        NOT NULL,
                grain_id_n0        bigint      NOT NULL,
                grain_id_n1        bigint      NOT NULL,
                grain_id_extension text,
                grain_id_hash      integer     NOT NULL,
                grain_type_hash    integer     NOT NULL,
                payload            bytea,
                version            integer     NOT NULL,
                modified_at        timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT cf_orleans_storage_identity_key
                    UNIQUE NULLS NOT DISTINCT (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
            );

            CREATE TABLE cf_orleans_reminder (
                service_id    text        NOT NULL,
                grain_id      text        NOT NULL,
                reminder_name text        NOT NULL,
                start_time    timestamptz NOT NULL,
                period        bigint      NOT NULL,
                -- GrainId.GetUniformHashCode() as the same signed int4 the provider binds (range reads compare signed).
                grain_hash    integer     NOT NULL,
                version       integer     NOT NULL,
                PRIMARY KEY (service_id, grain_id, reminder_name)
            );
            CREATE INDEX cf_orleans_reminder_hash_idx ON cf_orleans_reminder (service_id, grain_hash);
            """),
    ];

    /// <summary>Brings the database at <paramref name="connectionString"/> to this build's Orleans schema.</summary>
    /// <returns>The schema version the database is at afterwards.</returns>
    public static async Task<int> EnsureAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        return await EnsureAsync(dataSource, cancellationToken);
    }

    /// <summary>Brings the database of <paramref name="dataSource"/> to this build's Orleans schema.</summary>
    /// <returns>The schema version the database is at afterwards.</returns>
    public static async Task<int> EnsureAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Held until commit or rollback. CREATE TABLE IF NOT EXISTS alone is not safe under concurrency.
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = MigrationLockKey });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var create = new NpgsqlCommand(VersionTable, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        int current;
        await using (var versionCommand = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM cf_orleans_schema_version", connection, transaction))
        {
            current = (int)(await versionCommand.ExecuteScalarAsync(cancellationToken))!;
        }

        var latest = Steps[^1].Version;
        if (current > latest)
        {
            throw new InvalidOperationException(
                $"The Orleans schema is at version {current}, newer than this build knows ({latest}); run a newer build.");
        }

        foreach (var step in Steps.Where(s => s.Version > current))
        {
            await using (var command = new NpgsqlCommand(step.Sql, connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var record = new NpgsqlCommand("INSERT INTO cf_orleans_schema_version (version, description) VALUES ($1, $2)", connection, transaction))
            {
                record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = step.Version });
                record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = step.Description });
                await record.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        // The catalog holds this build's texts: rows are written only where the text differs, so a re-run changes nothing.
        var batch = new NpgsqlBatch(connection, transaction);
        await using (batch)
        {
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

        await transaction.CommitAsync(cancellationToken);
        return latest;
    }
}

/// <summary>One step of the Orleans schema; applied once, in <see cref="Version"/> order, inside the migration transaction.</summary>
/// <param name="Version">1, 2, 3… without gaps.</param>
/// <param name="Description">What the step does, stored beside the version.</param>
/// <param name="Sql">The DDL.</param>
public sealed record OrleansSchemaStep(int Version, string Description, string Sql);
