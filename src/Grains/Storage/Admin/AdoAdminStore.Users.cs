using System.Data.Common;
using System.Globalization;
using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Grains.Storage;

/// <summary>The admin store's users: accounts, the demo takeover, global roles, deletion with hand-over, unconfirmed sign-ups.</summary>
internal sealed partial class AdoAdminStore
{
    private const string UserColumns = "user_id, email, password_hash, first_name, last_name, global_role, allow_statistics, is_demo, enabled, security_stamp";

    public Task<UserRecord?> FindUserAsync(Guid userId, CancellationToken cancellationToken = default) =>
        QuerySingleAsync($"SELECT {UserColumns} FROM cf_user WHERE user_id = @id", ReadUser, cancellationToken, ("@id", userId));

    public Task<UserRecord?> FindUserByEmailAsync(string email, CancellationToken cancellationToken = default) =>
        QuerySingleAsync($"SELECT {UserColumns} FROM cf_user WHERE email = @email", ReadUser, cancellationToken, ("@email", email));

    public Task<IReadOnlyList<UserRecord>> ListUsersAsync(CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {UserColumns} FROM cf_user ORDER BY created_at, email", ReadUser, cancellationToken);

    public async Task<UserCensus> GetUserCensusAsync(CancellationToken cancellationToken = default) =>
        (await QuerySingleAsync(
            """
            SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM cf_user WHERE global_role = @owner AND is_demo = @no LIMIT 1) o),
                   CASE WHEN (SELECT COUNT(*) FROM (SELECT 1 FROM cf_user LIMIT 2) a) = 1
                        THEN (SELECT COUNT(*) FROM cf_user WHERE is_demo = @yes) ELSE 0 END
            """,
            r => new UserCensus(
                Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture) > 0, Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture) == 1),
            cancellationToken,
            ("@owner", RoleCode(Role.Owner)), ("@no", false), ("@yes", true)))!;

    public Task<bool> AddUserAsync(UserRecord user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        return UniqueAsync(() => ExecuteAsync(
            $"INSERT INTO cf_user ({UserColumns}, created_at) VALUES (@id, @email, @hash, @first, @last, @role, @stats, @demo, @enabled, @stamp, @now)",
            cancellationToken,
            ("@id", user.UserId), ("@email", user.Email), ("@hash", user.PasswordHash), ("@first", user.FirstName),
            ("@last", user.LastName), ("@role", RoleCode(user.GlobalRole)), ("@stats", user.AllowStatistics),
            ("@demo", user.IsDemo), ("@enabled", user.Enabled), ("@stamp", user.SecurityStamp), ("@now", _time.GetUtcNow().UtcDateTime)));
    }

    public Task<bool> TakeOverDemoUserAsync(UserRecord user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        return UniqueAsync(() => ExecuteAsync(
            """
            UPDATE cf_user SET user_id = @id, email = @email, password_hash = @hash, first_name = @first, last_name = @last,
                allow_statistics = @stats, is_demo = @notDemo, enabled = @enabled, created_at = @now,
                -- An unconfirmed takeover is a USER until confirmed (then owner, as there is none): docs/compreface-behaviour.md#users.
                global_role = CASE WHEN @enabled THEN global_role ELSE @user END
            WHERE is_demo = @demo
            """,
            cancellationToken,
            ("@id", user.UserId), ("@email", user.Email), ("@hash", user.PasswordHash), ("@first", user.FirstName),
            ("@last", user.LastName), ("@stats", user.AllowStatistics), ("@notDemo", false), ("@demo", true), ("@now", _time.GetUtcNow().UtcDateTime),
            ("@enabled", user.Enabled), ("@user", RoleCode(Role.User))));
    }

    public Task<bool> RemoveUntouchedDemoSeedAsync(CancellationToken cancellationToken = default) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                // One transaction: a sign-up taking the demo user over commits before (nothing removed) or after (the
                // takeover finds no demo user and the registry makes a fresh owner).
                await using (var demo = Command(connection, transaction, "SELECT COUNT(*) FROM cf_user WHERE is_demo = @demo", ("@demo", true)))
                {
                    if (Convert.ToInt64(await demo.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0)
                    {
                        return false;
                    }
                }

                await DeleteWebhooksAsync(connection, transaction, "SELECT service_id FROM cf_service WHERE app_id = @app", ("@app", DemoServices.ApplicationId), cancellationToken);
                (string Sql, (string, object) Parameter)[] deletes =
                [
                    ("DELETE FROM cf_service_statistic WHERE service_id IN (SELECT service_id FROM cf_service WHERE app_id = @app)", ("@app", DemoServices.ApplicationId)),
                    ("DELETE FROM cf_app WHERE app_id = @app", ("@app", DemoServices.ApplicationId)),   // services and members cascade
                    ("DELETE FROM cf_user WHERE is_demo = @demo", ("@demo", true)),
                ];
                foreach (var (sql, parameter) in deletes)
                {
                    await using var delete = Command(connection, transaction, sql, parameter);
                    await delete.ExecuteNonQueryAsync(cancellationToken);
                }

                return true;
            },
            cancellationToken);

    public async Task<bool> UpdateUserNamesAsync(Guid userId, string firstName, string lastName, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(
            "UPDATE cf_user SET first_name = @first, last_name = @last WHERE user_id = @id",
            cancellationToken, ("@id", userId), ("@first", firstName), ("@last", lastName)) > 0;

    public async Task<bool> SetPasswordHashAsync(Guid userId, string passwordHash, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("UPDATE cf_user SET password_hash = @hash WHERE user_id = @id", cancellationToken, ("@id", userId), ("@hash", passwordHash)) > 0;

    public Task<bool> ReplacePasswordAsync(Guid userId, string passwordHash, CancellationToken cancellationToken = default) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                await using (var set = Command(
                    connection, transaction, "UPDATE cf_user SET password_hash = @hash WHERE user_id = @id", ("@id", userId), ("@hash", passwordHash)))
                {
                    if (await set.ExecuteNonQueryAsync(cancellationToken) == 0)
                    {
                        return false;
                    }
                }

                return await EndSessionsAsync(connection, transaction, userId, cancellationToken);
            },
            cancellationToken);

    public Task<bool> EndSessionsAsync(Guid userId, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction) => EndSessionsAsync(connection, transaction, userId, cancellationToken), cancellationToken);

    private async Task<bool> EndSessionsAsync(DbConnection connection, DbTransaction transaction, Guid userId, CancellationToken cancellationToken)
    {
        await using (var bump = Command(
            connection, transaction, "UPDATE cf_user SET security_stamp = security_stamp + 1 WHERE user_id = @id", ("@id", userId)))
        {
            if (await bump.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }

        await using var delete = Command(connection, transaction, "DELETE FROM cf_token WHERE user_id = @id", ("@id", userId));
        await delete.ExecuteNonQueryAsync(cancellationToken);
        return true;
    }

    public async Task<bool> SetGlobalRoleAsync(Guid userId, Role role, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("UPDATE cf_user SET global_role = @role WHERE user_id = @id", cancellationToken, ("@id", userId), ("@role", RoleCode(role))) > 0;

    public Task<bool> TransferGlobalOwnershipAsync(Guid ownerId, Guid userId, CancellationToken cancellationToken = default) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                var owner = await FindUserAsync(connection, transaction, ownerId, cancellationToken);
                var user = await FindUserAsync(connection, transaction, userId, cancellationToken);
                if (owner is not { GlobalRole: Role.Owner } || user is null || ownerId == userId)
                {
                    return false;
                }

                // The owner first: the partial unique index allows one 'O' at a time, checked per statement. The
                // statistics consent is the owner's (CompreFace moves it with the role).
                await using (var demote = Command(
                    connection, transaction, "UPDATE cf_user SET global_role = @admin, allow_statistics = @no WHERE user_id = @owner",
                    ("@owner", ownerId), ("@admin", RoleCode(Role.Administrator)), ("@no", false)))
                {
                    await demote.ExecuteNonQueryAsync(cancellationToken);
                }

                await using var promote = Command(
                    connection, transaction, "UPDATE cf_user SET global_role = @ownerRole, allow_statistics = @consent WHERE user_id = @user",
                    ("@user", userId), ("@ownerRole", RoleCode(Role.Owner)), ("@consent", owner.AllowStatistics));
                return await promote.ExecuteNonQueryAsync(cancellationToken) == 1
                    ? true
                    : throw new InvalidOperationException("The new global owner disappeared during the transfer; rolled back.");
            },
            cancellationToken);

    public Task<bool> DeleteUserAsync(Guid userId, Guid replacerId, CancellationToken cancellationToken = default) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                if (await FindUserAsync(connection, transaction, userId, cancellationToken) is null)
                {
                    return false;
                }

                // The replacer becomes owner of every application the user owns (added if not a member yet).
                await using (var handOver = Command(
                    connection, transaction,
                    """
                    INSERT INTO cf_app_member (app_id, user_id, role)
                    SELECT app_id, @replacer, @owner FROM cf_app_member WHERE user_id = @user AND role = @owner
                    ON CONFLICT (app_id, user_id) DO UPDATE SET role = excluded.role
                    """,
                    ("@replacer", replacerId), ("@user", userId), ("@owner", RoleCode(Role.Owner))))
                {
                    await handOver.ExecuteNonQueryAsync(cancellationToken);
                }

                // Memberships and tokens cascade.
                await using var delete = Command(connection, transaction, "DELETE FROM cf_user WHERE user_id = @user", ("@user", userId));
                return await delete.ExecuteNonQueryAsync(cancellationToken) == 1;
            },
            cancellationToken);

    public Task<int> DeleteUnconfirmedUsersAsync(DateTimeOffset createdBefore, CancellationToken cancellationToken = default) =>
        ExecuteAsync(
            """
            DELETE FROM cf_user WHERE enabled = @no AND created_at < @before
                AND NOT EXISTS (SELECT 1 FROM cf_app_member m WHERE m.user_id = cf_user.user_id AND m.role = @owner)
            """,
            cancellationToken, ("@no", false), ("@before", createdBefore.UtcDateTime), ("@owner", RoleCode(Role.Owner)));

    private async Task<UserRecord?> FindUserAsync(DbConnection connection, DbTransaction transaction, Guid userId, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, $"SELECT {UserColumns} FROM cf_user WHERE user_id = @id", ("@id", userId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadUser(reader) : null;
    }

    private static UserRecord ReadUser(DbDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), ParseRole(r.GetString(5)), r.GetBoolean(6), r.GetBoolean(7),
        r.GetBoolean(8), r.GetInt64(9));
}
