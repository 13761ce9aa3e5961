using CompreFace.Grains;
using CompreFace.Grains.Admin;
using CompreFace.Grains.Persistence;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

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
}

/// <summary>A freshly migrated database of one kind and its <see cref="IAdminStore"/>.</summary>
internal sealed class StoreHarness : IAsyncDisposable
{
    private readonly string? _directory;
    private readonly PostgresDatabase? _database;
    private readonly NpgsqlDataSource? _dataSource;

    private StoreHarness(IAdminStore store, string? directory, PostgresDatabase? database, NpgsqlDataSource? dataSource)
    {
        Store = store;
        _directory = directory;
        _database = database;
        _dataSource = dataSource;
    }

    public IAdminStore Store { get; }

    public static async Task<StoreHarness> CreateAsync(Store kind)
    {
        if (kind == Tests.Store.Sqlite)
        {
            var directory = Path.Combine(Path.GetTempPath(), "cf-admin-store-" + Guid.NewGuid().ToString("N"));
            var options = Options.Create(new StorageOptions { DataDirectory = directory });
            await new SqliteFaceStore(options, NullLogger<SqliteFaceStore>.Instance).EnsureSchemaAsync();
            return new StoreHarness(new SqliteAdminStore(options), directory, null, null);
        }

        var database = PostgresDatabase.Create();
        var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await new PostgresFaceStore(dataSource, Options.Create(new StorageOptions()), NullLogger<PostgresFaceStore>.Instance).EnsureSchemaAsync();
        return new StoreHarness(new PostgresAdminStore(dataSource), null, database, dataSource);
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
