using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace CompreFace.Cluster.Tests;

/// <summary>Orleans' ADO.NET contract (docs/decisions/0010-orleans-adonet-schema.md) on a 2-silo cluster: join, membership conflicts, state, storage keys, reminders.</summary>
public sealed class ClusterConformanceTests(OrleansPostgresCluster fixture) : IClassFixture<OrleansPostgresCluster>
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromMilliseconds(1);

    [PostgresFact]
    public async Task Join_TwoSilos_AreActiveAndTheVersionCountsTheirWrites()
    {
        Assert.Equal(2L, await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM cf_orleans_membership WHERE deployment_id = $1 AND status = 3", fixture.ClusterId));

        // Insert (Joining) + update (Active) per silo.
        var counter = await fixture.ScalarAsync<int>("SELECT version FROM cf_orleans_membership_version WHERE deployment_id = $1", fixture.ClusterId);
        Assert.Equal(4, counter);

        var table = fixture.Services().GetRequiredService<IMembershipTable>();
        var all = await table.ReadAllAsync(CancellationToken.None);
        Assert.Equal(counter, all.Version.Version);
        Assert.Equal(2, all.Members.Count);

        var one = await table.ReadRowAsync(all.Members[0].Item1.SiloAddress, CancellationToken.None);
        Assert.Single(one.Members);
        var absent = await table.ReadRowAsync(SiloAddress.New(System.Net.IPAddress.Loopback, 1, 1), CancellationToken.None);
        Assert.Empty(absent.Members);
        Assert.Equal(counter, absent.Version.Version);
    }

    [PostgresFact]
    public async Task Membership_StaleUpdateAndDuplicateInsert_ReturnFalseAndLeaveTheCounter()
    {
        var table = fixture.Services().GetRequiredService<IMembershipTable>();
        var all = await table.ReadAllAsync(CancellationToken.None);
        var version = all.Version;
        var (entry, _) = all.Members[0];
        var stale = (version.Version - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.False(await table.UpdateRowAsync(entry, stale, new TableVersion(version.Version, stale), CancellationToken.None));
        Assert.False(await table.InsertRowAsync(entry, version.Next(), CancellationToken.None));

        Assert.Equal(version.Version, (await table.ReadAllAsync(CancellationToken.None)).Version.Version);
    }

    [PostgresFact]
    public async Task State_ThroughAGrain_SurvivesDeactivationAndClearKeepsTheRow()
    {
        var grain = fixture.Cluster.Client.GetGrain<ICounterGrain>($"counter-{Guid.NewGuid():N}");
        for (var i = 0; i < 3; i++)
        {
            await grain.IncrementAsync();
        }

        var deactivated = CounterGrain.DeactivatedAsync(grain.GetPrimaryKeyString());
        await grain.DeactivateAsync();
        await deactivated.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, await grain.GetAsync());

        const string row = "FROM cf_orleans_storage WHERE grain_type = 'cluster-tests-counter' AND grain_id_extension = $1";
        var key = grain.GetPrimaryKeyString();
        Assert.Equal(3, await fixture.ScalarAsync<int>($"SELECT version {row}", key));
        var json = await fixture.ScalarAsync<string>($"SELECT convert_from(payload, 'UTF8') {row}", key);
        Assert.Contains("\"format\":\"cf-json/1\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("$type", json, StringComparison.Ordinal);

        await grain.ClearAsync();
        Assert.True(await fixture.ScalarAsync<bool>($"SELECT payload IS NULL AND version = 4 {row}", key));
        Assert.Equal(1, await grain.IncrementAsync());
        Assert.Equal(5, await fixture.ScalarAsync<int>($"SELECT version {row}", key));
    }

    [PostgresFact]
    public async Task Storage_EveryKeyKind_FollowsTheETagRules()
    {
        var storage = fixture.Services().GetRequiredKeyedService<IGrainStorage>("Default");
        var stateName = $"kinds-{Guid.NewGuid():N}";
        var guid = Guid.NewGuid();
        GrainId[] ids =
        [
            GrainId.Create("kind", "s-key"),
            GrainId.Create(GrainType.Create("kind"), GrainIdKeyExtensions.CreateIntegerKey(42)),
            GrainId.Create(GrainType.Create("kind"), GrainIdKeyExtensions.CreateIntegerKey(42, "ext")),
            GrainId.Create(GrainType.Create("kind"), GrainIdKeyExtensions.CreateGuidKey(guid)),
            GrainId.Create(GrainType.Create("kind"), GrainIdKeyExtensions.CreateGuidKey(guid, "ext")),
        ];

        foreach (var id in ids)
        {
            var state = new GrainState<CounterState>(new CounterState());
            await storage.ReadStateAsync(stateName, id, state);
            Assert.Null(state.ETag);
            Assert.False(state.RecordExists);

            state.State!.Count = 1;
            await storage.WriteStateAsync(stateName, id, state);
            Assert.Equal("1", state.ETag);

            var twin = new GrainState<CounterState>(new CounterState { Count = 9 });
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(stateName, id, twin));

            state.State!.Count = 2;
            await storage.WriteStateAsync(stateName, id, state);
            Assert.Equal("2", state.ETag);

            var stale = new GrainState<CounterState>(new CounterState { Count = 7 }) { ETag = "1" };
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(stateName, id, stale));

            var back = new GrainState<CounterState>(new CounterState());
            await storage.ReadStateAsync(stateName, id, back);
            Assert.Equal(2, back.State!.Count);
            Assert.Equal("2", back.ETag);
            Assert.True(back.RecordExists);

            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(stateName, id, stale));
            await storage.ClearStateAsync(stateName, id, state);
            Assert.Equal("3", state.ETag);
            Assert.False(state.RecordExists);

            var cleared = new GrainState<CounterState>(new CounterState());
            await storage.ReadStateAsync(stateName, id, cleared);
            Assert.Equal(0, cleared.State!.Count);
            Assert.Equal("3", cleared.ETag);
            Assert.False(cleared.RecordExists);

            state.State!.Count = 4;
            await storage.WriteStateAsync(stateName, id, state);
            Assert.Equal("4", state.ETag);
        }

        Assert.Equal(5L, await fixture.ScalarAsync<long>("SELECT count(*) FROM cf_orleans_storage WHERE grain_type = $1", stateName));
    }

    [PostgresFact]
    public async Task Storage_EightConcurrentFirstWrites_OneWinnerSevenConflicts()
    {
        var storage = fixture.Services().GetRequiredKeyedService<IGrainStorage>("Default");
        var id = GrainId.Create("race", Guid.NewGuid().ToString("N"));
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await storage.WriteStateAsync("race", id, new GrainState<CounterState>(new CounterState { Count = i }));
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));

        Assert.Equal(1, outcomes.Count(o => o));
    }

    [PostgresFact]
    public async Task Storage_DeleteStateOnClear_DeletesTheRowAndTheNextWriteInserts()
    {
        var storage = fixture.Services().GetRequiredKeyedService<IGrainStorage>(OrleansPostgresCluster.DeletingStorage);
        var stateName = $"deleting-{Guid.NewGuid():N}";
        var id = GrainId.Create("del", "k");
        var state = new GrainState<CounterState>(new CounterState { Count = 1 });
        await storage.WriteStateAsync(stateName, id, state);
        Assert.Equal("1", state.ETag);

        var stale = new GrainState<CounterState>(new CounterState()) { ETag = "7" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(stateName, id, stale));

        await storage.ClearStateAsync(stateName, id, state);
        Assert.Null(state.ETag);
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM cf_orleans_storage WHERE grain_type = $1", stateName));

        await storage.WriteStateAsync(stateName, id, state);
        Assert.Equal("1", state.ETag);
    }

    [PostgresFact]
    public async Task Reminders_TableDirectly_UpsertReadRangeDelete()
    {
        var table = fixture.Services().GetRequiredService<IReminderTable>();
        var grain = GrainId.Create("remi", Guid.NewGuid().ToString("N"));
        var start = DateTime.UtcNow;
        var entry = new ReminderEntry { GrainId = grain, ReminderName = "a", StartAt = start, Period = TimeSpan.FromMinutes(1) };

        var etag = await table.UpsertRow(entry);
        var read = await table.ReadRow(grain, "a");
        Assert.NotNull(read);
        Assert.Equal(etag, read.ETag);
        Assert.Equal(grain, read.GrainId);
        Assert.Equal(TimeSpan.FromMinutes(1), read.Period);
        Assert.Equal(DateTimeKind.Utc, read.StartAt.Kind);
        Assert.True((read.StartAt - start).Duration() < Tolerance);

        entry.Period = TimeSpan.FromDays(30);
        var etag2 = await table.UpsertRow(entry);
        Assert.NotEqual(etag, etag2);
        Assert.Equal(TimeSpan.FromDays(30), (await table.ReadRow(grain, "a"))!.Period);
        Assert.False(await table.RemoveRow(grain, "a", etag!));

        await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "b", StartAt = start, Period = TimeSpan.FromMinutes(2) });
        Assert.Equal(2, (await table.ReadRows(grain)).Reminders.Count);
        Assert.Null(await table.ReadRow(grain, "absent"));

        var h = grain.GetUniformHashCode();
        bool Has(ReminderTableData data) => data.Reminders.Any(r => r.GrainId == grain);
        Assert.True(Has(await table.ReadRows(h - 1, h)));
        Assert.False(Has(await table.ReadRows(h, h + 1)));
        Assert.False(Has(await table.ReadRows(h, h - 1)));
        Assert.Equal(2, (await table.ReadRows(h, h)).Reminders.Count(r => r.GrainId == grain));

        Assert.True(await table.RemoveRow(grain, "a", etag2!));
        Assert.Null(await table.ReadRow(grain, "a"));
    }

    [PostgresFact]
    public async Task Reminders_ThroughAGrain_FireAndUnregisterRemovesTheRow()
    {
        var key = $"probe-{Guid.NewGuid():N}";
        var grain = fixture.Cluster.Client.GetGrain<IReminderProbeGrain>(key);
        await grain.RegisterAsync(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

        // The reminder service fires at its own pace (due 1 s, but it reads its table periodically); 60 s only bounds a failure.
        await ReminderProbeGrain.FiredAsync(key).WaitAsync(TimeSpan.FromSeconds(60));
        await grain.UnregisterAsync();
        Assert.Equal(0L, await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM cf_orleans_reminder WHERE grain_id LIKE $1", $"%{key}"));
    }
}
