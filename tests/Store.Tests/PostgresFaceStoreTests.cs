using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Xunit.Abstractions;

namespace CompreFace.Store.Tests;

/// <summary>A fresh database per test class, with the schema applied; dropped afterwards.</summary>
public sealed class PostgresStoreFixture : IAsyncLifetime
{
    private ScratchDatabase? _database;
    private NpgsqlDataSource? _dataSource;

    public NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException(PostgresServer.RequireAdminConnectionString());

    public async Task InitializeAsync()
    {
        if (PostgresServer.AdminConnectionString is null)
        {
            return; // The tests are skipped, or (CI) fail with the reason when they touch DataSource.
        }

        _database = await PostgresServer.CreateDatabaseAsync();
        _dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
        await CreateStore(saveImages: true).EnsureSchemaAsync();
    }

    public IFaceStore CreateStore(bool saveImages) =>
        new PostgresFaceStore(DataSource, Options.Create(new StorageOptions { SaveImages = saveImages }), NullLogger<PostgresFaceStore>.Instance);

    public async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

[RequiresPostgres]
public sealed class PostgresFaceStoreTests(PostgresStoreFixture fixture, ITestOutputHelper output) : FaceStoreContractTests, IClassFixture<PostgresStoreFixture>
{
    protected override ITestOutputHelper Output => output;

    protected override async Task SeedFacesAsync(Guid collection, Guid subjectId, int shard, IReadOnlyList<(Guid ImageId, float[] Embedding)> faces)
    {
        await using var connection = await fixture.DataSource.OpenConnectionAsync();
        await using (var importer = await connection.BeginBinaryImportAsync(
            "COPY cf_face (image_id, collection_id, subject_id, shard, embedding, calculator) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (imageId, embedding) in faces)
            {
                await importer.StartRowAsync();
                await importer.WriteAsync(imageId, NpgsqlDbType.Uuid);
                await importer.WriteAsync(collection, NpgsqlDbType.Uuid);
                await importer.WriteAsync(subjectId, NpgsqlDbType.Uuid);
                await importer.WriteAsync(shard, NpgsqlDbType.Integer);
                await importer.WriteAsync(EmbeddingBytes(embedding), NpgsqlDbType.Bytea);
                await importer.WriteAsync("seed", NpgsqlDbType.Text);
            }

            await importer.CompleteAsync();
        }

        await using var analyze = new NpgsqlCommand("ANALYZE cf_face", connection);
        await analyze.ExecuteNonQueryAsync();
    }

    private readonly Lazy<IFaceStore> _store = new(() => fixture.CreateStore(saveImages: true));

    protected override IFaceStore Store => _store.Value;

    protected override IFaceStore CreateStore(bool saveImages) => fixture.CreateStore(saveImages);

    protected override async Task<long> CountRowsAsync(string table, string column, IReadOnlyCollection<Guid> ids)
    {
        await using var command = fixture.DataSource.CreateCommand($"SELECT count(*) FROM {table} WHERE {column} = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids.ToArray() });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    protected override async Task<long> ScalarAsync(string sql)
    {
        await using var command = fixture.DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [StoreFact]
    public async Task EnsureSchema_ConcurrentlyFromTwoNodesOnEmptyDatabase_AppliesEachStepOnce()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var first = NpgsqlDataSource.Create(database.ConnectionString);
        await using var second = NpgsqlDataSource.Create(database.ConnectionString);
        var options = Options.Create(new StorageOptions());
        var stores = Enumerable.Range(0, 4)
            .Select(i => new PostgresFaceStore(i % 2 == 0 ? first : second, options, NullLogger<PostgresFaceStore>.Instance))
            .ToArray();

        await Task.WhenAll(stores.Select(s => Task.Run(() => s.EnsureSchemaAsync())));

        await using var command = first.CreateCommand("SELECT count(*), count(DISTINCT version) FROM cf_schema_version");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(reader.GetInt64(1), reader.GetInt64(0));
        Assert.Equal((long)StorageSchemas.Postgres.Steps.Count, reader.GetInt64(0));
    }

    [StoreFact]
    public async Task Schema_EmbeddingColumn_IsStoredInlineUncompressed()
    {
        // Decision 0006: rows stay in the heap (no TOAST lookups per face when a shard loads).
        Assert.Equal(
            1,
            await ScalarAsync("SELECT count(*) FROM pg_attribute WHERE attrelid = 'cf_face'::regclass AND attname = 'embedding' AND attstorage = 'e'"));
        Assert.Equal(
            1,
            await ScalarAsync("SELECT count(*) FROM pg_class WHERE oid = 'cf_face'::regclass AND 'toast_tuple_target=8160' = ANY(reloptions)"));
    }
}
