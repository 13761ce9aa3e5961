namespace CompreFace.Grains.Storage;

/// <summary>
/// One step of a schema. Steps are applied in <see cref="Version"/> order, each exactly once, and recorded in the
/// schema's version table. A released step is never edited: a change is a new step.
/// </summary>
/// <param name="Version">1, 2, 3… without gaps within its schema.</param>
/// <param name="Description">What the step does, stored beside the version.</param>
/// <param name="Sql">The DDL; it runs inside the migration transaction.</param>
public sealed record SchemaStep(int Version, string Description, string Sql);

/// <summary>
/// A step of a schema that both dialects share: version and description are written once, so the two dialects' step
/// lists cannot drift apart; only the DDL differs.
/// </summary>
/// <param name="Version">1, 2, 3… without gaps within its schema.</param>
/// <param name="Description">What the step does, stored beside the version.</param>
/// <param name="Postgres">The DDL on PostgreSQL.</param>
/// <param name="Sqlite">The DDL on SQLite.</param>
public sealed record DialectStep(int Version, string Description, string Postgres, string Sqlite)
{
    /// <summary>The step as <paramref name="dialect"/> runs it.</summary>
    public SchemaStep In(StorageDialect dialect) => new(Version, Description, dialect == StorageDialect.Postgres ? Postgres : Sqlite);
}

/// <summary>The SQL dialects the storage speaks.</summary>
public enum StorageDialect
{
    /// <summary>PostgreSQL (cluster and any shared deployment).</summary>
    Postgres,

    /// <summary>The embedded SQLite file (single node).</summary>
    Sqlite,
}

/// <summary>
/// A versioned schema in one dialect: its steps and the table that records which of them ran
/// (<c>version, description, applied_at</c>). <see cref="MigrationRunner"/> applies it.
/// </summary>
public sealed class Schema
{
    /// <summary>Creates a schema from steps that may come from several concerns; they are ordered by version.</summary>
    /// <exception cref="ArgumentException">The versions are not 1, 2, 3… without gaps or repeats.</exception>
    public Schema(string name, StorageDialect dialect, string versionTable, params IEnumerable<SchemaStep>[] steps)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(versionTable);
        Name = name;
        Dialect = dialect;
        VersionTable = versionTable;
        Steps = [.. steps.SelectMany(s => s).OrderBy(s => s.Version)];
        for (var i = 0; i < Steps.Count; i++)
        {
            if (Steps[i].Version != i + 1)
            {
                throw new ArgumentException($"Schema {name}: step {i + 1} is missing or repeated (found version {Steps[i].Version}).", nameof(steps));
            }
        }
    }

    /// <summary>For messages and logs ("CompreFace", "Orleans").</summary>
    public string Name { get; }

    /// <summary>The dialect of the steps' SQL.</summary>
    public StorageDialect Dialect { get; }

    /// <summary>The table that records the applied steps.</summary>
    public string VersionTable { get; }

    /// <summary>Every step, in version order.</summary>
    public IReadOnlyList<SchemaStep> Steps { get; }

    /// <summary>The version a database is at once every step ran.</summary>
    public int Latest => Steps.Count == 0 ? 0 : Steps[^1].Version;

    /// <summary>Creates the version table if absent; runs on every start, under the migration lock.</summary>
    internal string CreateVersionTableSql => Dialect switch
    {
        StorageDialect.Postgres => $"""
            CREATE TABLE IF NOT EXISTS {VersionTable} (
                version     integer     PRIMARY KEY,
                description text        NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            );
            """,
        _ => $"""
            CREATE TABLE IF NOT EXISTS {VersionTable} (
                version     INTEGER PRIMARY KEY,
                description TEXT    NOT NULL,
                applied_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            );
            """,
    };
}

/// <summary>
/// The schemas of this product. The face and admin tables share one version table (<c>cf_schema_version</c>), so their
/// steps are numbered in one sequence across both concerns: a new step of either takes the next free number. The
/// Orleans tables have their own (<c>cf_orleans_schema_version</c>, docs/decisions/0010-orleans-adonet-schema.md).
/// </summary>
public static class StorageSchemas
{
    /// <summary>Face and admin tables on PostgreSQL.</summary>
    public static Schema Postgres { get; } = CompreFace(StorageDialect.Postgres);

    /// <summary>Face and admin tables in the embedded SQLite file.</summary>
    public static Schema Sqlite { get; } = CompreFace(StorageDialect.Sqlite);

    /// <summary>The tables of Orleans' ADO.NET providers (PostgreSQL only).</summary>
    public static Schema Orleans { get; } = new("Orleans", StorageDialect.Postgres, "cf_orleans_schema_version", OrleansSteps.Postgres);

    private static Schema CompreFace(StorageDialect dialect) => new(
        "CompreFace",
        dialect,
        "cf_schema_version",
        [.. new[] { FaceSteps.Steps, AdminSteps.Steps, AuditSteps.Steps, WebhookSteps.Steps, JobSteps.Steps, EnrolmentSteps.Steps }.SelectMany(s => s).Select(s => s.In(dialect))]);
}
