using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace CompreFace.Store.Tests;

/// <summary>A temporary data directory per test class, with the schema applied; deleted afterwards.</summary>
public sealed class SqliteStoreFixture : IAsyncLifetime
{
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), $"cf-store-tests-{Guid.NewGuid():N}");

    public string FilePath => Path.Combine(DataDirectory, "compreface.db");

    public async Task InitializeAsync() => await CreateStore(saveImages: true).EnsureSchemaAsync();

    internal SqliteFaceStore CreateStore(bool saveImages)
    {
        var options = Options.Create(new StorageOptions { DataDirectory = DataDirectory, SaveImages = saveImages });
        return new(new SqliteConnectionFactory(options), options, NullLogger<SqliteFaceStore>.Instance);
    }

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(DataDirectory, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class SqliteFaceStoreTests(SqliteStoreFixture fixture, ITestOutputHelper output) : FaceStoreContractTests, IClassFixture<SqliteStoreFixture>, IDisposable
{
    protected override ITestOutputHelper Output => output;

    protected override async Task SeedFacesAsync(Guid collection, Guid subjectId, int shard, IReadOnlyList<(Guid ImageId, float[] Embedding)> faces)
    {
        await using var connection = await OpenAsync();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO cf_face (image_id, collection_id, subject_id, shard, embedding, calculator) VALUES ($i, $c, $s, $sh, $e, 'seed')";
        var id = insert.Parameters.Add("$i", SqliteType.Blob);
        insert.Parameters.Add("$c", SqliteType.Blob).Value = collection.ToByteArray();
        insert.Parameters.Add("$s", SqliteType.Blob).Value = subjectId.ToByteArray();
        insert.Parameters.AddWithValue("$sh", shard);
        var embedding = insert.Parameters.Add("$e", SqliteType.Blob);
        foreach (var face in faces)
        {
            id.Value = face.ImageId.ToByteArray();
            embedding.Value = EmbeddingBytes(face.Embedding);
            await insert.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    private readonly SqliteFaceStore _store = fixture.CreateStore(saveImages: true);
    private readonly List<SqliteFaceStore> _others = [];

    protected override IFaceStore Store => _store;

    protected override IFaceStore CreateStore(bool saveImages)
    {
        var store = fixture.CreateStore(saveImages);
        _others.Add(store);
        return store;
    }

    protected override async Task<long> CountRowsAsync(string table, string column, IReadOnlyCollection<Guid> ids)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {table} WHERE {column} = $id";
        var parameter = command.Parameters.Add("$id", SqliteType.Blob);
        long count = 0;
        foreach (var id in ids)
        {
            parameter.Value = id.ToByteArray();
            count += (long)(await command.ExecuteScalarAsync())!;
        }

        return count;
    }

    protected override async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task EnsureSchema_NewDirectory_CreatesWalDatabaseFile()
    {
        Assert.Equal(_store.FilePath, fixture.FilePath);
        Assert.True(File.Exists(fixture.FilePath));
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Writes_ManyConcurrentAdds_AllStored()
    {
        var collection = Guid.NewGuid();
        var subject = new SubjectRecord(Guid.NewGuid(), "a");
        await _store.AddSubjectAsync(collection, subject);
        var second = (SqliteFaceStore)CreateStore(saveImages: true); // a second writer on the same file, as after a restart overlap

        await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() =>
            (i % 2 == 0 ? _store : second).AddFaceAsync(
                collection, new FaceRecord(Guid.NewGuid(), subject.SubjectId, i % 4, RandomUnitVector(new Random(i), 64), "c"), new byte[] { 1 }))));

        Assert.Equal(64, (await _store.ListFacesAsync(collection, null, 0, 100)).Total);
    }

    public void Dispose()
    {
        _store.Dispose();
        foreach (var store in _others)
        {
            store.Dispose();
        }
    }

    private async Task<SqliteConnection> OpenAsync()
    {
        var connection = new SqliteConnection($"Data Source={fixture.FilePath};Pooling=False");
        await connection.OpenAsync();
        return connection;
    }
}
