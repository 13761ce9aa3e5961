using CompreFace.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Admin.Tests;

/// <summary>One contract for both <see cref="IAdminStore"/>s, each test on a freshly migrated database (seed included).</summary>
public sealed class AdminStoreContractTests
{
    private static readonly Guid DemoUser = Guid.Parse("00000000-0000-0000-0000-000000000001");
    private static readonly Guid DemoApp = Guid.Parse("00000000-0000-0000-0000-000000000001");

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task Seed_HasTheDemoUserAppAndServicesWithTheirKeys(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var demo = Assert.Single(await store.ListUsersAsync());
        Assert.Equal(new UserRecord(DemoUser, "demo@demo.com", string.Empty, "Demo", "User", Role.Owner, false, true), demo);
        var members = await store.ListMembersAsync(DemoApp);
        Assert.Equal(Role.Owner, Assert.Single(members).Role);

        var recognition = await store.FindServiceByKeyAsync(Guid.Parse("00000000-0000-0000-0000-000000000002"));
        Assert.Equal((Guid.Parse("00000000-0000-0000-0000-000000000001"), FaceServiceType.Recognition, "Demo"), (recognition!.ServiceId, recognition.Type, recognition.Name));
        var detection = await store.FindServiceByKeyAsync(Guid.Parse("00000000-0000-0000-0000-000000000003"));
        Assert.Equal((Guid.Parse("00000000-0000-0000-0000-000000000003"), FaceServiceType.Detection), (detection!.ServiceId, detection.Type));
        var verify = await store.FindServiceByKeyAsync(Guid.Parse("00000000-0000-0000-0000-000000000004"));
        Assert.Equal((Guid.Parse("00000000-0000-0000-0000-000000000004"), FaceServiceType.Verify), (verify!.ServiceId, verify.Type));
        Assert.Equal(3, (await store.ListServicesAsync(DemoApp)).Count);
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task TakeOverDemoUser_KeepsOwnerRoleAndMemberships_UnderTheNewId(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var user = new UserRecord(Guid.NewGuid(), "new@example.com", "hash", "N", "U", Role.User, true, false);
        Assert.True(await store.TakeOverDemoUserAsync(user));

        Assert.Null(await store.FindUserAsync(DemoUser));
        var taken = await store.FindUserAsync(user.UserId);
        Assert.Equal(user with { GlobalRole = Role.Owner }, taken);
        Assert.Equal(user.UserId, Assert.Single(await store.ListMembersAsync(DemoApp)).User.UserId);
        Assert.False(await store.TakeOverDemoUserAsync(user with { UserId = Guid.NewGuid(), Email = "again@example.com" }));
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task UserCensus_FollowsTheDemoTakeoverConfirmationAndASecondUser(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        Assert.Equal(new UserCensus(HasOwner: false, DemoOnly: true), await store.GetUserCensusAsync());

        // An unconfirmed takeover is a USER until confirmed: nobody owns the server yet, and the demo user is gone.
        var first = new UserRecord(Guid.NewGuid(), "first@example.com", "h", "F", "L", Role.User, false, false, Enabled: false);
        Assert.True(await store.TakeOverDemoUserAsync(first));
        Assert.Equal(new UserCensus(HasOwner: false, DemoOnly: false), await store.GetUserCensusAsync());

        Assert.True(await store.SetGlobalRoleAsync(first.UserId, Role.Owner));
        Assert.True(await store.AddUserAsync(new UserRecord(Guid.NewGuid(), "second@example.com", "h", "S", "L", Role.User, false, false)));
        Assert.Equal(new UserCensus(HasOwner: true, DemoOnly: false), await store.GetUserCensusAsync());
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task UnconfirmedUsers_StampedByTheStoresClock_ArePurgedOnlyWhenOlderThanTheCutoff(Store kind)
    {
        // The purge compares the sign-up's created_at with the purger's clock, so the store must stamp it with that clock.
        var signedUpAt = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        await using var harness = await StoreHarness.CreateAsync(kind, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(signedUpAt));
        var user = new UserRecord(Guid.NewGuid(), "unconfirmed@example.com", "h", "F", "L", Role.User, false, false, Enabled: false);
        Assert.True(await harness.Store.AddUserAsync(user));

        Assert.Equal(0, await harness.Store.DeleteUnconfirmedUsersAsync(signedUpAt.AddMinutes(-1)));
        Assert.NotNull(await harness.Store.FindUserAsync(user.UserId));
        Assert.Equal(1, await harness.Store.DeleteUnconfirmedUsersAsync(signedUpAt.AddMinutes(1)));
        Assert.Null(await harness.Store.FindUserAsync(user.UserId));
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task Users_EmailIsUnique_AndOnlyOneGlobalOwner(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var user = new UserRecord(Guid.NewGuid(), "u@example.com", "h", "F", "L", Role.User, false, false);
        Assert.True(await store.AddUserAsync(user));
        Assert.False(await store.AddUserAsync(user with { UserId = Guid.NewGuid() }));
        Assert.Equal(user, await store.FindUserByEmailAsync("u@example.com"));
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => store.SetGlobalRoleAsync(user.UserId, Role.Owner));
        Assert.True(await store.SetGlobalRoleAsync(user.UserId, Role.Administrator));
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task Tokens_RoundTripByHash_AndDelete(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var hash = SessionTokenHash.Compute("token");
        var expires = DateTimeOffset.UtcNow.AddMinutes(40);
        await store.AddTokensAsync([new TokenRecord(hash, DemoUser, TokenKind.Refresh, expires)]);

        var found = await store.FindTokenAsync(hash);
        Assert.NotNull(found);
        Assert.Equal((DemoUser, TokenKind.Refresh), (found.UserId, found.Kind));
        Assert.True(Math.Abs((found.ExpiresAt - expires).TotalMilliseconds) < 1);
        Assert.True(await store.DeleteTokenAsync(hash));
        Assert.Null(await store.FindTokenAsync(hash));
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task Applications_NamesUniqueCaseSensitively_DeleteCascadesToServicesAndMembers(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var app = new AppRecord(Guid.NewGuid(), "Shop", Guid.NewGuid());
        Assert.True(await store.AddApplicationAsync(app, DemoUser));
        Assert.False(await store.AddApplicationAsync(app with { AppId = Guid.NewGuid(), ApiKey = Guid.NewGuid() }, DemoUser));
        Assert.True(await store.AddApplicationAsync(new AppRecord(Guid.NewGuid(), "SHOP", Guid.NewGuid()), DemoUser));
        Assert.Equal(NamingOutcome.NameTaken, await store.RenameApplicationAsync(app.AppId, "SHOP"));
        Assert.Equal(NamingOutcome.NotFound, await store.RenameApplicationAsync(Guid.NewGuid(), "x"));
        Assert.Equal(["Demo application", "SHOP", "Shop"], (await store.ListApplicationsAsync(null)).Select(a => a.Name));

        var service = new ServiceRecord(Guid.NewGuid(), app.AppId, "Door", Guid.NewGuid(), FaceServiceType.Recognition, new DateTime(2026, 1, 2, 3, 4, 5, 123, 456, DateTimeKind.Utc));
        Assert.True(await store.AddServiceAsync(service));
        Assert.Equal(service, await store.FindServiceAsync(service.ServiceId));
        Assert.True(await store.DeleteApplicationAsync(app.AppId));
        Assert.Null(await store.FindServiceAsync(service.ServiceId));
        Assert.Empty(await store.ListMembersAsync(app.AppId));
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task Services_NamesUniquePerAppCaseInsensitively_KeysUnique_RenameToSameNameIsTaken(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var service = new ServiceRecord(Guid.NewGuid(), DemoApp, "Door", Guid.NewGuid(), FaceServiceType.Detection, DateTime.UtcNow);
        Assert.True(await store.AddServiceAsync(service));
        Assert.False(await store.AddServiceAsync(service with { ServiceId = Guid.NewGuid(), Name = "DOOR", ApiKey = Guid.NewGuid() }));
        Assert.False(await store.AddServiceAsync(service with { ServiceId = Guid.NewGuid(), Name = "Other" })); // same key
        Assert.Equal(NamingOutcome.NameTaken, await store.RenameServiceAsync(service.ServiceId, "door"));
        Assert.Equal(NamingOutcome.NameTaken, await store.RenameServiceAsync(service.ServiceId, "demo"));
        Assert.Equal(NamingOutcome.Done, await store.RenameServiceAsync(service.ServiceId, "Gate"));

        var newKey = Guid.NewGuid();
        Assert.True(await store.SetServiceKeyAsync(service.ServiceId, newKey));
        Assert.Null(await store.FindServiceByKeyAsync(service.ApiKey));
        Assert.Equal("Gate", (await store.FindServiceByKeyAsync(newKey))!.Name);
        Assert.True(await store.DeleteServiceAsync(service.ServiceId));
        Assert.False(await store.DeleteServiceAsync(service.ServiceId));
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task ServiceQuota_SetReadByIdKeyAndListCleared_NoneByDefault(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var service = new ServiceRecord(Guid.NewGuid(), DemoApp, "Door", Guid.NewGuid(), FaceServiceType.Recognition, DateTime.UtcNow);
        Assert.True(await store.AddServiceAsync(service));
        Assert.Null((await store.FindServiceAsync(service.ServiceId))!.Quota);

        var quota = new ServiceQuota(0.25, 3);
        Assert.True(await store.SetServiceQuotaAsync(service.ServiceId, quota));
        Assert.Equal(quota, (await store.FindServiceAsync(service.ServiceId))!.Quota);
        Assert.Equal(quota, (await store.FindServiceByKeyAsync(service.ApiKey))!.Quota);
        Assert.Equal(quota, (await store.ListServicesAsync(DemoApp)).Single(s => s.ServiceId == service.ServiceId).Quota);
        Assert.Null((await store.FindServiceByKeyAsync(Guid.Parse("00000000-0000-0000-0000-000000000002")))!.Quota); // others untouched

        // A service added with a quota (a clone) keeps it; clearing brings back "none".
        var copy = service with { ServiceId = Guid.NewGuid(), Name = "Copy", ApiKey = Guid.NewGuid(), Quota = new ServiceQuota(1000, 5000) };
        Assert.True(await store.AddServiceAsync(copy));
        Assert.Equal(copy.Quota, (await store.FindServiceAsync(copy.ServiceId))!.Quota);
        Assert.True(await store.SetServiceQuotaAsync(service.ServiceId, null));
        Assert.Null((await store.FindServiceAsync(service.ServiceId))!.Quota);
        Assert.False(await store.SetServiceQuotaAsync(Guid.NewGuid(), quota));
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task Members_SetRoleUpserts(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var user = new UserRecord(Guid.NewGuid(), "m@example.com", "h", "F", "L", Role.User, false, false);
        await store.AddUserAsync(user);
        await store.SetMemberRoleAsync(DemoApp, user.UserId, Role.User);
        await store.SetMemberRoleAsync(DemoApp, user.UserId, Role.Administrator);
        Assert.Equal(Role.Administrator, (await store.ListMembersAsync(DemoApp)).Single(m => m.User.UserId == user.UserId).Role);
        Assert.Single(await store.ListApplicationsAsync(user.UserId));
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task Members_TransferOwnershipDemotesTheOwner_RemoveMember(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var user = new UserRecord(Guid.NewGuid(), "t@example.com", "h", "F", "L", Role.User, false, false);
        await store.AddUserAsync(user);

        await store.TransferOwnershipAsync(DemoApp, user.UserId);

        var roles = (await store.ListMembersAsync(DemoApp)).ToDictionary(m => m.User.UserId, m => m.Role);
        Assert.Equal(Role.Owner, roles[user.UserId]);
        Assert.Equal(Role.Administrator, roles[DemoUser]);
        Assert.True(await store.RemoveMemberAsync(DemoApp, DemoUser));
        Assert.False(await store.RemoveMemberAsync(DemoApp, DemoUser));
        Assert.Equal(user.UserId, Assert.Single(await store.ListMembersAsync(DemoApp)).User.UserId);
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task TransferGlobalOwnership_SwapsRolesAndConsent_OnlyFromTheOwner(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var owner = new UserRecord(Guid.NewGuid(), "o@example.com", "h", "O", "W", Role.User, true, false);
        var user = new UserRecord(Guid.NewGuid(), "u@example.com", "h", "U", "S", Role.User, false, false);
        Assert.True(await store.TakeOverDemoUserAsync(owner));
        Assert.True(await store.AddUserAsync(user));

        Assert.False(await store.TransferGlobalOwnershipAsync(user.UserId, owner.UserId)); // not the owner
        Assert.False(await store.TransferGlobalOwnershipAsync(owner.UserId, Guid.NewGuid())); // no such user
        Assert.Equal(Role.Owner, (await store.FindUserAsync(owner.UserId))!.GlobalRole);

        Assert.True(await store.TransferGlobalOwnershipAsync(owner.UserId, user.UserId));
        Assert.Equal((Role.Administrator, false), ((await store.FindUserAsync(owner.UserId))!.GlobalRole, (await store.FindUserAsync(owner.UserId))!.AllowStatistics));
        Assert.Equal((Role.Owner, true), ((await store.FindUserAsync(user.UserId))!.GlobalRole, (await store.FindUserAsync(user.UserId))!.AllowStatistics));
        Assert.Single(await store.ListUsersAsync(), u => u.GlobalRole == Role.Owner);
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task DeleteUser_HandsOwnedAppsToTheReplacer_MembershipsAndTokensGo(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var leaver = new UserRecord(Guid.NewGuid(), "l@example.com", "h", "L", "V", Role.User, false, false);
        var replacer = new UserRecord(Guid.NewGuid(), "r@example.com", "h", "R", "P", Role.Administrator, false, false);
        await store.AddUserAsync(leaver);
        await store.AddUserAsync(replacer);
        var owned = new AppRecord(Guid.NewGuid(), "Owned", Guid.NewGuid());
        var shared = new AppRecord(Guid.NewGuid(), "Shared", Guid.NewGuid());
        Assert.True(await store.AddApplicationAsync(owned, leaver.UserId));
        Assert.True(await store.AddApplicationAsync(shared, leaver.UserId));
        await store.SetMemberRoleAsync(shared.AppId, replacer.UserId, Role.User); // already a member: promoted
        await store.SetMemberRoleAsync(DemoApp, leaver.UserId, Role.User); // not owned: just removed
        var token = SessionTokenHash.Compute("leaver-token");
        await store.AddTokensAsync([new TokenRecord(token, leaver.UserId, TokenKind.Access, DateTimeOffset.UtcNow.AddHours(1))]);

        Assert.True(await store.DeleteUserAsync(leaver.UserId, replacer.UserId));

        Assert.Null(await store.FindUserAsync(leaver.UserId));
        Assert.Null(await store.FindTokenAsync(token));
        Assert.Equal((replacer.UserId, Role.Owner), Assert.Single(await store.ListMembersAsync(owned.AppId)) is var o ? (o.User.UserId, o.Role) : default);
        Assert.Equal((replacer.UserId, Role.Owner), Assert.Single(await store.ListMembersAsync(shared.AppId)) is var s ? (s.User.UserId, s.Role) : default);
        Assert.DoesNotContain(await store.ListMembersAsync(DemoApp), m => m.User.UserId == leaver.UserId);
        Assert.Equal(DemoUser, (await store.ListMembersAsync(DemoApp)).Single(m => m.Role == Role.Owner).User.UserId);
        Assert.False(await store.DeleteUserAsync(leaver.UserId, replacer.UserId));
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task DeleteExpiredTokens_RemovesOnlyExpired(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var now = DateTimeOffset.UtcNow;
        var expired = SessionTokenHash.Compute("expired");
        var valid = SessionTokenHash.Compute("valid");
        await store.AddTokensAsync([
            new TokenRecord(expired, DemoUser, TokenKind.Access, now.AddSeconds(-1)),
            new TokenRecord(valid, DemoUser, TokenKind.Refresh, now.AddMinutes(5)),
        ]);

        Assert.Equal(1, await store.DeleteExpiredTokensAsync(now));
        Assert.Null(await store.FindTokenAsync(expired));
        Assert.NotNull(await store.FindTokenAsync(valid));
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task ResetTokens_OnePerUser_SingleUse_ExpiredOnesGiveNobodyAndArePurged(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var now = DateTimeOffset.UtcNow;
        var first = SessionTokenHash.Compute("first");
        var second = SessionTokenHash.Compute("second");
        await store.SetResetTokenAsync(first, DemoUser, now.AddMinutes(15));
        await store.SetResetTokenAsync(second, DemoUser, now.AddMinutes(15)); // replaces the first

        Assert.Null(await store.TakeResetTokenAsync(first, now));
        Assert.Equal(DemoUser, await store.TakeResetTokenAsync(second, now));
        Assert.Null(await store.TakeResetTokenAsync(second, now)); // spent

        var expiring = SessionTokenHash.Compute("expiring");
        await store.SetResetTokenAsync(expiring, DemoUser, now.AddMinutes(15));
        Assert.Null(await store.TakeResetTokenAsync(expiring, now.AddMinutes(16)));

        await store.SetResetTokenAsync(expiring, DemoUser, now.AddMinutes(-1));
        Assert.Equal(1, await store.DeleteExpiredTokensAsync(now));
        Assert.Null(await store.TakeResetTokenAsync(expiring, now.AddMinutes(-2)));
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task Confirmation_UnconfirmedTakeoverIsUser_ConfirmEnablesAndMakesOwner_OnceAndNotAfterExpiry(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var now = DateTimeOffset.UtcNow;
        var first = new UserRecord(Guid.NewGuid(), "f@example.com", "h", "F", "U", Role.User, false, false, Enabled: false);
        Assert.True(await store.TakeOverDemoUserAsync(first));
        Assert.Equal(first, await store.FindUserAsync(first.UserId)); // USER, disabled: no global owner now

        var token = SessionTokenHash.Compute("confirm-first");
        await store.SetRegistrationTokenAsync(token, first.UserId, now.AddHours(1));
        Assert.Null(await store.ConfirmRegistrationAsync(SessionTokenHash.Compute("unknown"), now));
        Assert.Equal(first.UserId, await store.ConfirmRegistrationAsync(token, now));
        Assert.Equal(first with { GlobalRole = Role.Owner, Enabled = true }, await store.FindUserAsync(first.UserId));
        Assert.Null(await store.ConfirmRegistrationAsync(token, now)); // spent

        // A later confirmation leaves the owner alone; an expired link confirms nothing.
        var second = new UserRecord(Guid.NewGuid(), "s@example.com", "h", "S", "U", Role.User, false, false, Enabled: false);
        Assert.True(await store.AddUserAsync(second));
        var late = SessionTokenHash.Compute("confirm-second");
        await store.SetRegistrationTokenAsync(late, second.UserId, now.AddHours(1));
        Assert.Null(await store.ConfirmRegistrationAsync(late, now.AddHours(2)));
        Assert.False((await store.FindUserAsync(second.UserId))!.Enabled);
        var again = SessionTokenHash.Compute("confirm-second-again");
        await store.SetRegistrationTokenAsync(again, second.UserId, now.AddHours(1));
        Assert.Equal(second.UserId, await store.ConfirmRegistrationAsync(again, now));
        Assert.Equal((Role.User, true), ((await store.FindUserAsync(second.UserId))!.GlobalRole, (await store.FindUserAsync(second.UserId))!.Enabled));
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task DeleteUnconfirmedUsers_OnlyOldUnconfirmedWhoOwnNothing(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var unconfirmed = new UserRecord(Guid.NewGuid(), "u@example.com", "h", "U", "C", Role.User, false, false, Enabled: false);
        var owning = new UserRecord(Guid.NewGuid(), "o@example.com", "h", "O", "C", Role.User, false, false, Enabled: false);
        var confirmed = new UserRecord(Guid.NewGuid(), "c@example.com", "h", "C", "C", Role.User, false, false);
        foreach (var user in new[] { unconfirmed, owning, confirmed })
        {
            Assert.True(await store.AddUserAsync(user));
        }

        Assert.True(await store.AddApplicationAsync(new AppRecord(Guid.NewGuid(), "Held", Guid.NewGuid()), owning.UserId));

        Assert.Equal(0, await store.DeleteUnconfirmedUsersAsync(DateTimeOffset.UtcNow.AddHours(-1))); // too recent
        Assert.Equal(1, await store.DeleteUnconfirmedUsersAsync(DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Null(await store.FindUserAsync(unconfirmed.UserId));
        Assert.NotNull(await store.FindUserAsync(owning.UserId));
        Assert.NotNull(await store.FindUserAsync(confirmed.UserId));
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task RequestCounts_AddUpPerHour_ListFromADate_DeletedServicesDropped(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var service = Guid.Parse("00000000-0000-0000-0000-000000000003");
        var gone = Guid.NewGuid();
        var h1 = new DateTime(2026, 3, 1, 23, 0, 0, DateTimeKind.Utc);
        var h2 = h1.AddHours(1);
        var old = h1.AddMonths(-7);

        await store.AddRequestCountsAsync([new RequestCount(service, h1, 3), new RequestCount(service, h2, 1), new RequestCount(gone, h1, 9), new RequestCount(service, old, 4)]);
        await store.AddRequestCountsAsync([new RequestCount(service, h1, 2)]);

        Assert.Equal(
            [new RequestCount(service, h1, 5), new RequestCount(service, h2, 1)],
            await store.ListRequestCountsAsync(service, h1.AddDays(-1)));
        Assert.Equal(3, (await store.ListRequestCountsAsync(service, old)).Count);
        Assert.Empty(await store.ListRequestCountsAsync(gone, old));

        Assert.True(await store.DeleteServiceAsync(service));
        Assert.Empty(await store.ListRequestCountsAsync(service, old));
    }
}

/// <summary>A freshly migrated database of one kind and its <see cref="IAdminStore"/>.</summary>
internal sealed class StoreHarness : IAsyncDisposable
{
    private readonly string? _directory;
    private readonly ScratchDatabase? _database;
    private readonly NpgsqlDataSource? _dataSource;
    private readonly SqliteConnectionFactory? _connections;

    private StoreHarness(IAdminStore store, IWebhookStore webhooks, string? directory, ScratchDatabase? database, NpgsqlDataSource? dataSource, SqliteConnectionFactory? connections = null)
    {
        Store = store;
        Webhooks = webhooks;
        _connections = connections;
        _directory = directory;
        _database = database;
        _dataSource = dataSource;
    }

    public IAdminStore Store { get; }

    /// <summary>The webhook store in the same database.</summary>
    public IWebhookStore Webhooks { get; }

    /// <summary>The same store's audit log.</summary>
    public IAuditStore Audit => (IAuditStore)Store;

    /// <summary>Runs one SQL statement on the database directly, as an operator or an attacker with a connection would.</summary>
    public async Task<int> ExecuteSqlAsync(string sql)
    {
        await using System.Data.Common.DbConnection connection = _dataSource is not null
            ? await _dataSource.OpenConnectionAsync()
            : await _connections!.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    }

    public static async Task<StoreHarness> CreateAsync(Store kind, TimeProvider? time = null)
    {
        if (kind == Tests.Store.Sqlite)
        {
            var directory = Path.Combine(Path.GetTempPath(), "cf-admin-store-" + Guid.NewGuid().ToString("N"));
            var options = Options.Create(new StorageOptions { DataDirectory = directory });
            var connections = new SqliteConnectionFactory(options);
            await new SqliteFaceStore(connections, options, NullLogger<SqliteFaceStore>.Instance).EnsureSchemaAsync();
            return new StoreHarness(new AdoAdminStore(new SqliteDialect(connections), time), new AdoWebhookStore(new SqliteDialect(connections)), directory, null, null, connections);
        }

        var database = await PostgresServer.CreateDatabaseAsync("cf_admin");
        var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await new PostgresFaceStore(dataSource, Options.Create(new StorageOptions()), NullLogger<PostgresFaceStore>.Instance).EnsureSchemaAsync();
        return new StoreHarness(new AdoAdminStore(new PostgresDialect(dataSource), time), new AdoWebhookStore(new PostgresDialect(dataSource)), null, database, dataSource);
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        _database?.Dispose();
        if (_directory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
