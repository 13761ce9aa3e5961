using CompreFace.Grains.Interfaces;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace CompreFace.Grains.Storage;

/// <summary>
/// The one way this process opens the embedded SQLite file (<see cref="StorageOptions.SqliteFilePath"/>): pooled
/// connections with foreign keys on, the configured <c>synchronous</c> level and a 30 s busy timeout, so the face
/// store and the admin store, which share the file, behave alike when the other one writes.
/// </summary>
internal sealed class SqliteConnectionFactory
{
    private readonly string _connectionString;
    private readonly string _pingConnectionString;
    private readonly string _connectionPragmas;

    public SqliteConnectionFactory(IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        FilePath = options.Value.SqliteFilePath;
        Synchronous = options.Value.SqliteSynchronous;
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = 30,
        };
        _connectionString = builder.ToString();

        // ReadWriteCreate would quietly create an empty file where the database went missing: the probe opens
        // read-write only, and unpooled, so a file that went away is noticed.
        _pingConnectionString = new SqliteConnectionStringBuilder(_connectionString) { Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();

        // Per connection, not stored in the file; cheap enough to repeat on every open (pooled connections included).
        var synchronous = Synchronous == SqliteSynchronous.Full ? "FULL" : "NORMAL";
        _connectionPragmas = $"PRAGMA synchronous = {synchronous}; PRAGMA busy_timeout = 30000;";
    }

    /// <summary>The database file.</summary>
    public string FilePath { get; }

    /// <summary>The <c>synchronous</c> level every connection runs with.</summary>
    public SqliteSynchronous Synchronous { get; }

    /// <summary>Creates the file's directory when missing (once, before the schema is applied).</summary>
    public void EnsureDirectory() => Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);

    /// <summary>An open connection with this store's pragmas; creates the file when missing.</summary>
    public Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => OpenAsync(_connectionString, cancellationToken);

    /// <summary>A fresh, unpooled connection to the existing file (the readiness probe); throws when the file is gone.</summary>
    public Task<SqliteConnection> OpenExistingAsync(CancellationToken cancellationToken) => OpenAsync(_pingConnectionString, cancellationToken);

    private async Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var pragmas = connection.CreateCommand();
            pragmas.CommandText = _connectionPragmas;
            await pragmas.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
