using CompreFace.Grains.Interfaces.Admin;
using CompreFace.Grains.Storage;

namespace CompreFace.Admin.Tests;

/// <summary>
/// The store's part of accounts and sessions (docs/decisions/0023-accounts-and-sessions.md) on both stores: security
/// stamps, token families, one-shot refresh spending, invitations.
/// </summary>
public sealed class AccountStoreContractTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task EndSessions_BumpsTheStampAndDeletesOnlyThatUsersTokens(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var user = await AddUserAsync(store, "stamp@example.com");
        var other = await AddUserAsync(store, "other@example.com");
        var mine = await AddTokenAsync(store, user, Guid.NewGuid(), TokenKind.Access);
        var theirs = await AddTokenAsync(store, other, Guid.NewGuid(), TokenKind.Access);
        var session = await store.FindSessionTokenAsync(mine);
        Assert.Equal((0L, 0L), (session!.Token.Stamp, session.UserStamp));

        Assert.True(await store.EndSessionsAsync(user.UserId));

        Assert.Null(await store.FindSessionTokenAsync(mine));
        Assert.Equal(1L, (await store.FindUserAsync(user.UserId))!.SecurityStamp);
        Assert.Equal(0L, (await store.FindSessionTokenAsync(theirs))!.UserStamp);
        Assert.False(await store.EndSessionsAsync(Guid.NewGuid()));
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task ReplacePassword_SetsTheHashAndEndsSessions_ATokenIssuedUnderTheOldStampIsSeenAsOld(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var user = await AddUserAsync(store, "replace@example.com");
        var before = await AddTokenAsync(store, user, Guid.NewGuid(), TokenKind.Refresh);

        Assert.True(await store.ReplacePasswordAsync(user.UserId, "new-hash"));

        var changed = (await store.FindUserAsync(user.UserId))!;
        Assert.Equal(("new-hash", 1L), (changed.PasswordHash, changed.SecurityStamp));
        Assert.Null(await store.FindSessionTokenAsync(before));

        // A login that read the user before the change writes its token after it: the stamps differ.
        var late = await AddTokenAsync(store, user, Guid.NewGuid(), TokenKind.Access, stamp: 0);
        var found = (await store.FindSessionTokenAsync(late))!;
        Assert.NotEqual(found.Token.Stamp, found.UserStamp);
        Assert.False(await store.ReplacePasswordAsync(Guid.NewGuid(), "x"));
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task RefreshTokens_SpentOnce_KeptWithUsedAt_FamilyDeletedTogether(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var user = await AddUserAsync(store, "family@example.com");
        var family = Guid.NewGuid();
        var refresh = await AddTokenAsync(store, user, family, TokenKind.Refresh);
        var access = await AddTokenAsync(store, user, family, TokenKind.Access);
        var elsewhere = await AddTokenAsync(store, user, Guid.NewGuid(), TokenKind.Access);

        Assert.False(await store.SpendRefreshTokenAsync(access, Now));
        Assert.True(await store.SpendRefreshTokenAsync(refresh, Now));
        Assert.False(await store.SpendRefreshTokenAsync(refresh, Now.AddSeconds(1)));
        var spent = (await store.FindSessionTokenAsync(refresh))!.Token;
        Assert.Equal(family, spent.FamilyId);
        Assert.Equal(Now, spent.UsedAt);
        Assert.Equal(Now.AddDays(-1), spent.SessionStartedAt);

        Assert.Equal(2, await store.DeleteTokenFamilyAsync(family));
        Assert.Null(await store.FindSessionTokenAsync(refresh));
        Assert.Null(await store.FindSessionTokenAsync(access));
        Assert.NotNull(await store.FindSessionTokenAsync(elsewhere));
    }

    [Theory, Stores(Tests.Store.Sqlite), Stores(Tests.Store.Postgres)]
    public async Task Invitations_ValidUntilExpiry_ReplacedByANewOne_DeletedOnceUsedOrPurged(Store kind)
    {
        await using var harness = await StoreHarness.CreateAsync(kind);
        var store = harness.Store;
        var inviter = await AddUserAsync(store, "inviter@example.com");

        Assert.False(await store.HasInvitationAsync("guest@example.com", Now));
        await store.SetInvitationAsync("guest@example.com", inviter.UserId, Now.AddHours(1));
        Assert.True(await store.HasInvitationAsync("guest@example.com", Now));
        Assert.False(await store.HasInvitationAsync("guest@example.com", Now.AddHours(1)));

        await store.SetInvitationAsync("guest@example.com", inviter.UserId, Now.AddHours(2));
        Assert.True(await store.HasInvitationAsync("guest@example.com", Now.AddHours(1)));
        Assert.True(await store.DeleteInvitationAsync("guest@example.com"));
        Assert.False(await store.HasInvitationAsync("guest@example.com", Now));

        await store.SetInvitationAsync("late@example.com", inviter.UserId, Now);
        Assert.True(await store.DeleteExpiredTokensAsync(Now.AddSeconds(1)) >= 1);
        Assert.False(await store.DeleteInvitationAsync("late@example.com"));
    }

    private static async Task<UserRecord> AddUserAsync(IAdminStore store, string email)
    {
        var user = new UserRecord(Guid.NewGuid(), email, "hash", "F", "L", Role.User, false, false);
        Assert.True(await store.AddUserAsync(user));
        return user;
    }

    private static async Task<byte[]> AddTokenAsync(IAdminStore store, UserRecord user, Guid family, TokenKind kind, long stamp = 0)
    {
        var hash = SessionTokenHash.Compute(Guid.NewGuid().ToString());
        await store.AddTokensAsync(
            [new TokenRecord(hash, user.UserId, kind, Now.AddDays(1)) { FamilyId = family, Stamp = stamp, SessionStartedAt = Now.AddDays(-1) }]);
        return hash;
    }
}
