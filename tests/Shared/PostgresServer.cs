using Npgsql;

namespace CompreFace.Testing;

/// <summary>The PostgreSQL server the tests use (linked into each test project that needs one): <c>COMPREFACE_TEST_POSTGRES</c>, a connection string to a superuser database.</summary>
public static class PostgresServer
{
    public const string Variable = "COMPREFACE_TEST_POSTGRES";

    public const string HowToStart =
        $"Set {Variable} to a superuser connection string, e.g. \"Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres\". " +
        ".ci/run starts a throw-away server itself; by hand: apt-get install postgresql; as user postgres, " +
        "/usr/lib/postgresql/15/bin/initdb -D DIR/data -A trust -E UTF8 --locale=C.UTF-8 --no-sync, then " +
        "pg_ctl -D DIR/data -w -o \"-p 55432 -k DIR -c listen_addresses=127.0.0.1 -c fsync=off\" start.";

    public static string? AdminConnectionString { get; } = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    private static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why PostgreSQL tests are skipped here, or null when they must run (server configured, or CI, where a missing server is a failure).</summary>
    public static string? SkipReason => AdminConnectionString is null && !IsCi ? $"PostgreSQL not configured. {HowToStart}" : null;

    /// <summary>The admin connection string, or a failure that says how to provide one.</summary>
    public static string RequireAdminConnectionString() =>
        AdminConnectionString ?? throw new InvalidOperationException($"{Variable} is not set, and these tests need PostgreSQL (CI=true never skips them). {HowToStart}");

    /// <summary>
    /// Creates an empty database <c>&lt;prefix&gt;_&lt;guid&gt;</c> on the test server, or on <paramref name="server"/> (a
    /// superuser connection string, e.g. a test's own throw-away cluster); dispose the result to drop it.
    /// </summary>
    public static async Task<ScratchDatabase> CreateDatabaseAsync(string prefix = "cf_test", string? server = null)
    {
        var database = ScratchDatabase.Name(server ?? RequireAdminConnectionString(), prefix);
        await using var connection = new NpgsqlConnection(database.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{database.DatabaseName}\"", connection);
        await command.ExecuteNonQueryAsync();
        return database;
    }

    /// <summary>
    /// <see cref="CreateDatabaseAsync"/> for the places that cannot await (a <c>WebApplicationFactory</c>'s
    /// constructor, an xunit data row).
    /// </summary>
    public static ScratchDatabase CreateDatabase(string prefix = "cf_test", string? server = null)
    {
        var database = ScratchDatabase.Name(server ?? RequireAdminConnectionString(), prefix);
        using var connection = new NpgsqlConnection(database.AdminConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"CREATE DATABASE \"{database.DatabaseName}\"", connection);
        command.ExecuteNonQuery();
        return database;
    }
}

/// <summary>
/// A database created for one test or test class, the one scratch-database helper of every suite; dropped on dispose
/// (best effort: a throw-away server that is already gone takes its databases with it).
/// </summary>
public sealed class ScratchDatabase : IAsyncDisposable, IDisposable
{
    private int _dropped;

    private ScratchDatabase(string adminConnectionString, string name)
    {
        AdminConnectionString = adminConnectionString;
        DatabaseName = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>The database's name (<c>&lt;prefix&gt;_&lt;guid&gt;</c>: a valid, unique identifier, e.g. for a cluster id).</summary>
    public string DatabaseName { get; }

    /// <summary>A connection string to this database, with the server's credentials.</summary>
    public string ConnectionString { get; }

    /// <summary>The server's superuser connection string this database was created with.</summary>
    public string AdminConnectionString { get; }

    internal static ScratchDatabase Name(string adminConnectionString, string prefix) =>
        new(adminConnectionString, $"{prefix.TrimEnd('_')}_{Guid.NewGuid():N}");

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _dropped, 1) == 1)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var connection = new NpgsqlConnection(AdminConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // The server is gone already (a throw-away cluster stopped first); nothing left to drop.
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _dropped, 1) == 1)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            using var connection = new NpgsqlConnection(AdminConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)", connection);
            command.ExecuteNonQuery();
        }
        catch (NpgsqlException)
        {
            // As above.
        }
    }
}
