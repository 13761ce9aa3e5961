using CompreFace.Grains.Storage;
using Npgsql;

namespace CompreFace.Cluster.Tests;

/// <summary>
/// The schema and its catalog, and the membership texts run directly (as the provider binds them) on a deployment
/// id of their own: the atomicity rules that a live cluster cannot be pushed into on demand.
/// </summary>
public sealed class SchemaTests : IAsyncLifetime
{
    private static readonly string[] RequiredKeys =
    [
        "GatewaysQueryKey", "MembershipReadRowKey", "MembershipReadAllKey", "InsertMembershipVersionKey", "UpdateIAmAlivetimeKey",
        "InsertMembershipKey", "UpdateMembershipKey", "DeleteMembershipTableEntriesKey", "CleanupDefunctSiloEntriesKey",
        "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey",
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    private static readonly string[] OptionalKeys = ["CleanupDefunctSiloEntryKey", "DeleteStorageKey"];

    private ScratchDatabase? _database;
    private NpgsqlDataSource? _dataSource;
    private Dictionary<string, string> _catalog = [];

    public async Task InitializeAsync()
    {
        if (PostgresServer.SkipReason is not null)
        {
            return;
        }

        _database = await PostgresServer.CreateDatabaseAsync("cf_orleans");
        _dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
        await OrleansSchema.EnsureAsync(_dataSource);

        // Exactly the providers' own catalog read: unquoted identifiers through the search_path.
        await using var command = _dataSource.CreateCommand("SELECT QueryKey, QueryText FROM OrleansQuery");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            _catalog.Add(reader.GetString(0), reader.GetString(1));
        }
    }

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

    [PostgresFact]
    public void Catalog_ProvidersSelect_HoldsThe19RequiredAnd2OptionalKeysOnce()
    {
        Assert.Equal(21, _catalog.Count);
        Assert.All(RequiredKeys.Concat(OptionalKeys), key => Assert.True(_catalog.ContainsKey(key), key));
        Assert.Equal(OrleansQueries.All.OrderBy(p => p.Key, StringComparer.Ordinal), _catalog.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [PostgresFact]
    public async Task EnsureAsync_RunTwiceAndConcurrently_IsIdempotentAndRestoresAnEditedText()
    {
        await ExecuteAsync("UPDATE orleansquery SET querytext = 'SELECT 1' WHERE querykey = 'GatewaysQueryKey'");
        var versions = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => OrleansSchema.EnsureAsync(_database!.ConnectionString)));

        Assert.All(versions, v => Assert.Equal(OrleansSchema.Steps[^1].Version, v));
        Assert.Equal(OrleansSchema.Steps.Count, await ScalarAsync<long>("SELECT count(*) FROM cf_orleans_schema_version"));
        Assert.Equal(OrleansQueries.Gateways, await ScalarAsync<string>("SELECT querytext FROM orleansquery WHERE querykey = 'GatewaysQueryKey'"));
        Assert.Equal(21L, await ScalarAsync<long>("SELECT count(*) FROM orleansquery"));
    }

    [PostgresFact]
    public async Task EnsureAsync_DatabaseNewerThanBuild_Throws()
    {
        await using var other = await PostgresServer.CreateDatabaseAsync("cf_orleans");
        await OrleansSchema.EnsureAsync(other.ConnectionString);
        await using (var connection = new NpgsqlConnection(other.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("INSERT INTO cf_orleans_schema_version (version, description) VALUES (999, 'future')", connection);
            await command.ExecuteNonQueryAsync();
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => OrleansSchema.EnsureAsync(other.ConnectionString));
    }

    [PostgresFact]
    public async Task Membership_VersionRow_ConcurrentCreatorsAllGetOneRowAndOneWins()
    {
        var deployment = NewDeployment();
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => BoolAsync("InsertMembershipVersionKey", Params(deployment))));

        Assert.Equal(1, results.Count(r => r));
        Assert.Equal(0, await CounterAsync(deployment));
    }

    [PostgresFact]
    public async Task Membership_InsertAndUpdate_CompareAndSwapOnTheCounter()
    {
        var deployment = NewDeployment();
        await BoolAsync("InsertMembershipVersionKey", Params(deployment));

        Assert.True(await BoolAsync("InsertMembershipKey", Member(deployment, 1, version: 0)));
        Assert.Equal(1, await CounterAsync(deployment));

        // Existing member at the current version, a new member at a stale version: false, nothing changes.
        Assert.False(await BoolAsync("InsertMembershipKey", Member(deployment, 1, version: 1)));
        Assert.False(await BoolAsync("InsertMembershipKey", Member(deployment, 2, version: 0)));
        Assert.Equal(1, await CounterAsync(deployment));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM cf_orleans_membership WHERE deployment_id = $1", deployment));

        // Update: stale version, missing member (no bump), then success.
        Assert.False(await BoolAsync("UpdateMembershipKey", Update(deployment, 1, version: 0, status: 3)));
        Assert.False(await BoolAsync("UpdateMembershipKey", Update(deployment, 9, version: 1, status: 3)));
        Assert.Equal(1, await CounterAsync(deployment));
        Assert.True(await BoolAsync("UpdateMembershipKey", Update(deployment, 1, version: 1, status: 3, suspect: "127.0.0.1:2@1,2026-11-28 18:34:08.237 GMT")));
        Assert.Equal(2, await CounterAsync(deployment));
        Assert.Equal("127.0.0.1:2@1,2026-11-28 18:34:08.237 GMT", await ScalarAsync<string>("SELECT suspect_times FROM cf_orleans_membership WHERE deployment_id = $1", deployment));

        // Eight concurrent updates holding the same version: exactly one wins, the counter moves by one.
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => BoolAsync("UpdateMembershipKey", Update(deployment, 1, version: 2, status: i % 2 == 0 ? 3 : 4))));
        Assert.Equal(1, results.Count(r => r));
        Assert.Equal(3, await CounterAsync(deployment));

        // Eight concurrent inserts of different members holding the same version: exactly one wins.
        var inserts = await Task.WhenAll(Enumerable.Range(10, 8).Select(port => BoolAsync("InsertMembershipKey", Member(deployment, port, version: 3))));
        Assert.Equal(1, inserts.Count(r => r));
        Assert.Equal(4, await CounterAsync(deployment));
    }

    [PostgresFact]
    public async Task Membership_Heartbeat_NeverBumpsTheCounterNorMovesTimeBack()
    {
        var deployment = NewDeployment();
        await BoolAsync("InsertMembershipVersionKey", Params(deployment));
        Assert.True(await BoolAsync("InsertMembershipKey", Member(deployment, 1, version: 0)));
        var later = new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        await ExecuteAsync("UpdateIAmAlivetimeKey", Alive(deployment, 1, later));
        await ExecuteAsync("UpdateIAmAlivetimeKey", Alive(deployment, 1, later.AddMinutes(-5)));
        await ExecuteAsync("UpdateIAmAlivetimeKey", Alive(deployment, 77, later));   // missing row: no-op

        Assert.Equal(1, await CounterAsync(deployment));
        Assert.Equal(later, await ScalarAsync<DateTime>("SELECT i_am_alive_time FROM cf_orleans_membership WHERE deployment_id = $1", deployment));
    }

    [PostgresFact]
    public async Task Membership_ReadsAndGateways_ReturnTheContractShapes()
    {
        var deployment = NewDeployment();
        await BoolAsync("InsertMembershipVersionKey", Params(deployment));

        // No members: exactly one row carrying the version and a NULL StartTime.
        var empty = await RowsAsync("MembershipReadAllKey", Params(deployment));
        var only = Assert.Single(empty);
        Assert.Equal(0, only["Version"]);
        Assert.Equal(DBNull.Value, only["StartTime"]);

        Assert.True(await BoolAsync("InsertMembershipKey", Member(deployment, 1, version: 0, proxyPort: 30000)));
        Assert.True(await BoolAsync("InsertMembershipKey", Member(deployment, 2, version: 1, proxyPort: 0)));
        Assert.True(await BoolAsync("UpdateMembershipKey", Update(deployment, 1, version: 2, status: 3)));
        Assert.True(await BoolAsync("UpdateMembershipKey", Update(deployment, 2, version: 3, status: 3)));

        var all = await RowsAsync("MembershipReadAllKey", Params(deployment));
        Assert.Equal(2, all.Count);
        Assert.All(all, r => Assert.Equal(4, r["Version"]));
        Assert.All(all, r => Assert.Equal(DateTimeKind.Utc, ((DateTime)r["StartTime"]).Kind));

        var absent = Assert.Single(await RowsAsync("MembershipReadRowKey", Params(deployment, ("Address", "127.0.0.1"), ("Port", 99), ("Generation", 1))));
        Assert.Equal(DBNull.Value, absent["StartTime"]);
        Assert.Equal(4, absent["Version"]);

        // Gateways: Active members with a gateway port only.
        var gateways = await RowsAsync("GatewaysQueryKey", Params(deployment, ("Status", 3)));
        var gateway = Assert.Single(gateways);
        Assert.Equal(30000, gateway["ProxyPort"]);
    }

    [PostgresFact]
    public async Task Membership_Cleanup_DeletesOnlyOldDeadRows_LegacyAndPerRow_ThenDeleteAllRemovesTheVersionRow()
    {
        var deployment = NewDeployment();
        await BoolAsync("InsertMembershipVersionKey", Params(deployment));
        var old = DateTime.UtcNow.AddDays(-10);
        for (var port = 1; port <= 4; port++)
        {
            Assert.True(await BoolAsync("InsertMembershipKey", Member(deployment, port, version: port - 1, at: old)));
        }

        // 1 and 2 Dead (2 with a suspicion), 3 Active, 4 Dead but recently alive.
        Assert.True(await BoolAsync("UpdateMembershipKey", Update(deployment, 1, version: 4, status: 6, at: old)));
        Assert.True(await BoolAsync("UpdateMembershipKey", Update(deployment, 2, version: 5, status: 6, at: old, suspect: "127.0.0.1:3@1,2026-11-18 10:00:00.000 GMT")));
        Assert.True(await BoolAsync("UpdateMembershipKey", Update(deployment, 3, version: 6, status: 3, at: old)));
        Assert.True(await BoolAsync("UpdateMembershipKey", Update(deployment, 4, version: 7, status: 6, at: DateTime.UtcNow)));
        var cutoff = DateTime.UtcNow.AddDays(-1);

        // Per-row key: a changed row (times differ) survives; the captured row goes.
        var captured = (await RowsAsync("MembershipReadRowKey", Params(deployment, ("Address", "127.0.0.1"), ("Port", 1), ("Generation", 1))))[0];
        await ExecuteAsync("CleanupDefunctSiloEntryKey", Params(deployment, ("Address", "127.0.0.1"), ("Port", 1), ("Generation", 1),
            ("SuspectTimes", ""), ("StartTime", ((DateTime)captured["StartTime"]).AddSeconds(1)), ("IAmAliveTime", captured["IAmAliveTime"])));
        Assert.Equal(4L, await MembersAsync(deployment));
        await ExecuteAsync("CleanupDefunctSiloEntryKey", Params(deployment, ("Address", "127.0.0.1"), ("Port", 1), ("Generation", 1),
            ("SuspectTimes", DBNull.Value), ("StartTime", captured["StartTime"]), ("IAmAliveTime", captured["IAmAliveTime"])));
        Assert.Equal(3L, await MembersAsync(deployment));

        // Legacy key: the other old Dead row (suspicion included) goes; Active and recently-alive Dead rows stay.
        await ExecuteAsync("CleanupDefunctSiloEntriesKey", Params(deployment, ("IAmAliveTime", cutoff)));
        Assert.Equal(2L, await MembersAsync(deployment));
        Assert.Equal(8, await CounterAsync(deployment));

        await ExecuteAsync("DeleteMembershipTableEntriesKey", Params(deployment));
        Assert.Equal(0L, await MembersAsync(deployment));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM cf_orleans_membership_version WHERE deployment_id = $1", deployment));
    }

    private static string NewDeployment() => $"direct-{Guid.NewGuid():N}";

    private static (string, object)[] Params(string deployment, params (string, object)[] more) => [("DeploymentId", deployment), .. more];

    private static (string, object)[] Member(string deployment, int port, int version, int proxyPort = 0, DateTime? at = null)
    {
        var time = at ?? DateTime.UtcNow;
        return Params(deployment, ("Address", "127.0.0.1"), ("Port", port), ("Generation", 1), ("SiloName", $"silo{port}"), ("HostName", "host"),
            ("Status", 2), ("ProxyPort", proxyPort), ("StartTime", time), ("IAmAliveTime", time), ("Version", version));
    }

    private static (string, object)[] Update(string deployment, int port, int version, int status, DateTime? at = null, string? suspect = null) =>
        Params(deployment, ("Address", "127.0.0.1"), ("Port", port), ("Generation", 1), ("Status", status),
            ("SuspectTimes", (object?)suspect ?? DBNull.Value), ("IAmAliveTime", at ?? DateTime.UtcNow), ("Version", version));

    private static (string, object)[] Alive(string deployment, int port, DateTime time) =>
        Params(deployment, ("Address", "127.0.0.1"), ("Port", port), ("Generation", 1), ("IAmAliveTime", time));

    private NpgsqlCommand Command(string key, (string Name, object Value)[] parameters)
    {
        var command = _dataSource!.CreateCommand(_catalog[key]);
        foreach (var (name, value) in parameters)
        {
            var parameter = new NpgsqlParameter(name, value);
            if (value is DBNull)
            {
                parameter.DbType = System.Data.DbType.String;   // SuspectTimes: typed NULL, as the provider binds it
            }

            command.Parameters.Add(parameter);
        }

        return command;
    }

    private async Task<bool> BoolAsync(string key, (string, object)[] parameters)
    {
        await using var command = Command(key, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(1, reader.FieldCount);
        var result = Convert.ToBoolean(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(await reader.ReadAsync());
        return result;
    }

    private async Task ExecuteAsync(string key, (string, object)[] parameters)
    {
        await using var command = Command(key, parameters);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<Dictionary<string, object>>> RowsAsync(string key, (string, object)[] parameters)
    {
        await using var command = Command(key, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Dictionary<string, object>>();
        while (await reader.ReadAsync())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, reader.GetValue, StringComparer.Ordinal));
        }

        return rows;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _dataSource!.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = _dataSource!.CreateCommand(sql);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    private Task<int> CounterAsync(string deployment) => ScalarAsync<int>("SELECT version FROM cf_orleans_membership_version WHERE deployment_id = $1", deployment);

    private Task<long> MembersAsync(string deployment) => ScalarAsync<long>("SELECT count(*) FROM cf_orleans_membership WHERE deployment_id = $1", deployment);
}
