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

    /// <summary>Creates an empty database <c>&lt;prefix&gt;_&lt;guid&gt;</c>; dispose the result to drop it.</summary>
    public static async Task<ScratchDatabase> CreateDatabaseAsync(string prefix = "cf_test")
    {
        var admin = RequireAdminConnectionString();
        var name = $"{prefix}_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new ScratchDatabase(admin, name, builder.ConnectionString);
    }
}

/// <summary>A database created for one test class; dropped on dispose.</summary>
public sealed class ScratchDatabase(string adminConnectionString, string name, string connectionString) : IAsyncDisposable
{
    public string ConnectionString { get; } = connectionString;

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
