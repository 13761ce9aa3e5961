using System.Data.Common;
using CompreFace.Grains.Admin;
using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Interfaces.Admin;
using CompreFace.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CompreFace.Admin.Tests;

/// <summary>The audit log's storage, writer and retention on both stores, each test on a freshly migrated database.</summary>
public sealed class AuditStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task Query_FiltersByTimeActorActionAndApplication_NewestFirst_WithPagingAndTotal(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var audit = harness.Audit;
        var alice = Guid.NewGuid();
        var appA = Guid.NewGuid();
        var appB = Guid.NewGuid();
        await audit.AppendAsync([new AuditEntry(AuditActions.Login, AuditActorKind.User, alice, "alice@example.com", "10.0.0.1")], T0);
        await audit.AppendAsync(
            [
                new AuditEntry(AuditActions.ApplicationCreate, AuditActorKind.User, alice, "alice@example.com", "10.0.0.1", appA, "app", appA.ToString(), "A"),
                new AuditEntry(AuditActions.ApplicationCreate, AuditActorKind.User, alice, "alice@example.com", "10.0.0.1", appB, "app", appB.ToString(), "B"),
            ],
            T0.AddHours(1));
        await audit.AppendAsync([new AuditEntry(AuditActions.LoginFailed, AuditActorKind.Anonymous, null, "bob@example.com", "192.0.2.7", Details: "Bad credentials")], T0.AddHours(2));

        var all = await audit.QueryAsync(new AuditQuery());
        Assert.Equal(4, all.Total);
        Assert.Equal([AuditActions.LoginFailed, AuditActions.ApplicationCreate, AuditActions.ApplicationCreate, AuditActions.Login], all.Items.Select(e => e.Entry.Action));
        Assert.Equal(T0.AddHours(2), all.Items[0].OccurredAt);
        Assert.Equal(
            new AuditEntry(AuditActions.ApplicationCreate, AuditActorKind.User, alice, "alice@example.com", "10.0.0.1", appB, "app", appB.ToString(), "B"),
            all.Items[1].Entry);

        Assert.Equal(2, (await audit.QueryAsync(new AuditQuery(From: T0.AddHours(1), To: T0.AddHours(2)))).Total);
        Assert.Equal(3, (await audit.QueryAsync(new AuditQuery(Actor: "ALICE@example.com"))).Total);
        Assert.Equal(3, (await audit.QueryAsync(new AuditQuery(Actor: alice.ToString()))).Total);
        Assert.Equal("192.0.2.7", Assert.Single((await audit.QueryAsync(new AuditQuery(Action: AuditActions.LoginFailed))).Items).Entry.Address);
        Assert.Equal("A", Assert.Single((await audit.QueryAsync(new AuditQuery(AppId: appA))).Items).Entry.TargetName);
        Assert.Equal(2, (await audit.QueryAsync(new AuditQuery(AppIds: [appA, appB]))).Total);
        Assert.Empty((await audit.QueryAsync(new AuditQuery(AppIds: []))).Items);

        var page = await audit.QueryAsync(new AuditQuery(Page: 1, Size: 3));
        Assert.Equal(4, page.Total);
        Assert.Equal(AuditActions.Login, Assert.Single(page.Items).Entry.Action);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task Append_ByAService_RecordsTheServicesApplication_AndCutsLongTexts(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var app = new AppRecord(Guid.NewGuid(), "Audited", Guid.NewGuid());
        var owner = Guid.NewGuid();
        Assert.True(await harness.Store.AddUserAsync(new UserRecord(owner, "o@example.com", "h", "O", "W", Role.User, false, false)));
        Assert.True(await harness.Store.AddApplicationAsync(app, owner));
        var service = new ServiceRecord(Guid.NewGuid(), app.AppId, "Faces", Guid.NewGuid(), FaceServiceType.Recognition, T0.UtcDateTime);
        Assert.True(await harness.Store.AddServiceAsync(service));

        await harness.Audit.AppendAsync(
            [new AuditEntry(AuditActions.FaceAdd, AuditActorKind.Service, service.ServiceId, "Faces", "127.0.0.1", null, "face", Guid.NewGuid().ToString(), null, new string('x', 5000))],
            T0);

        var stored = Assert.Single((await harness.Audit.QueryAsync(new AuditQuery(AppId: app.AppId))).Items).Entry;
        Assert.Equal((AuditActorKind.Service, service.ServiceId, "Faces"), (stored.ActorKind, stored.ActorId, stored.ActorName));
        Assert.Equal(512, stored.Details!.Length);

        // The event outlives the service and its application.
        Assert.True(await harness.Store.DeleteApplicationAsync(app.AppId));
        Assert.Single((await harness.Audit.QueryAsync(new AuditQuery(AppId: app.AppId))).Items);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task StoredEvent_UpdatedThroughSql_IsRefusedByTheSchema(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        await harness.Audit.AppendAsync([new AuditEntry(AuditActions.Login, AuditActorKind.User, null, "a@example.com", "10.0.0.1")], T0);

        await Assert.ThrowsAnyAsync<DbException>(() => harness.ExecuteSqlAsync("UPDATE cf_audit_event SET actor_name = 'someone-else@example.com'"));
        Assert.Equal("a@example.com", Assert.Single((await harness.Audit.QueryAsync(new AuditQuery())).Items).Entry.ActorName);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task Retention_PurgeOnTheFakeClock_DeletesOnlyEventsOlderThanRetentionDays(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        await harness.Audit.AppendAsync([new AuditEntry(AuditActions.Login, AuditActorKind.User, null, "old@example.com", null)], T0);
        await harness.Audit.AppendAsync([new AuditEntry(AuditActions.Login, AuditActorKind.User, null, "new@example.com", null)], T0.AddDays(20));
        var clock = new FakeTimeProvider(T0.AddDays(29));
        var retention = new PeriodicPurge<AuditRetention>(
            new AuditRetention(harness.Audit, Options.Create(new AuditOptions { RetentionDays = 30 }), NullLogger<AuditRetention>.Instance),
            clock,
            NullLogger<AuditRetention>.Instance);

        Assert.Equal(0, await retention.PurgeAsync(CancellationToken.None));
        Assert.Equal(2, (await harness.Audit.QueryAsync(new AuditQuery())).Total);

        clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, await retention.PurgeAsync(CancellationToken.None));
        Assert.Equal("new@example.com", Assert.Single((await harness.Audit.QueryAsync(new AuditQuery())).Items).Entry.ActorName);
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task Writer_ManyConcurrentRecords_EachCompletesOnlyOnceCommitted_StampedByTheClock(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var writer = new AuditWriter(harness.Audit, new FakeTimeProvider(T0), NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, 300).Select(i =>
                writer.RecordAsync(new AuditEntry(AuditActions.FaceAdd, AuditActorKind.Service, Guid.NewGuid(), "svc", null, Details: $"#{i}"), CancellationToken.None)));

            var stored = await harness.Audit.QueryAsync(new AuditQuery(Size: 1000));
            Assert.Equal(300, stored.Total);
            Assert.All(stored.Items, e => Assert.Equal(T0, e.OccurredAt));
            Assert.Equal(300, stored.Items.Select(e => e.Entry.Details).Distinct().Count());
        }
        finally
        {
            await writer.StopAsync(CancellationToken.None);
        }
    }

    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task Writer_StoreFails_TheRecordFailsToo(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        await harness.ExecuteSqlAsync("DROP TABLE cf_audit_event");
        var writer = new AuditWriter(harness.Audit, TimeProvider.System, NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        try
        {
            await Assert.ThrowsAnyAsync<DbException>(() =>
                writer.RecordAsync(new AuditEntry(AuditActions.Login, AuditActorKind.User, null, "a@example.com", null), CancellationToken.None));
        }
        finally
        {
            await writer.StopAsync(CancellationToken.None);
        }
    }
}
