using System.Data.Common;
using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Grains.Storage;

/// <summary>
/// <see cref="IAdminStore"/> in portable SQL (<c>@name</c> parameters, <c>ON CONFLICT</c>, <c>RETURNING</c>) over
/// ADO.NET; the PostgreSQL and SQLite subclasses supply connections, transactions and the unique-violation test.
/// Guids bind natively (uuid in PostgreSQL, the 16-byte <see cref="Guid.ToByteArray()"/> BLOB in SQLite).
/// Creation times come from the node's <see cref="TimeProvider"/>, the clock the purge of unconfirmed sign-ups compares them with.
/// </summary>
internal abstract class AdoAdminStore(TimeProvider? time) : AdoStore, IAdminStore
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private const string UserColumns = "user_id, email, password_hash, first_name, last_name, global_role, allow_statistics, is_demo, enabled";
    private const string ServiceColumns = "service_id, app_id, name, api_key, type, created_at";
    private static readonly string[] ExpiringTokenTables = ["cf_token", "cf_reset_token", "cf_registration_token"];

    /// <summary>Whether the exception is a unique or primary-key violation.</summary>
    protected abstract bool IsUniqueViolation(DbException exception);

    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken);
    }

    public Task<UserRecord?> FindUserAsync(Guid userId, CancellationToken cancellationToken = default) =>
        QuerySingleAsync($"SELECT {UserColumns} FROM cf_user WHERE user_id = @id", ReadUser, cancellationToken, ("@id", userId));

    public Task<UserRecord?> FindUserByEmailAsync(string email, CancellationToken cancellationToken = default) =>
        QuerySingleAsync($"SELECT {UserColumns} FROM cf_user WHERE email = @email", ReadUser, cancellationToken, ("@email", email));

    public Task<IReadOnlyList<UserRecord>> ListUsersAsync(CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {UserColumns} FROM cf_user ORDER BY created_at, email", ReadUser, cancellationToken);

    public Task<bool> AddUserAsync(UserRecord user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        return UniqueAsync(() => ExecuteAsync(
            $"INSERT INTO cf_user ({UserColumns}, created_at) VALUES (@id, @email, @hash, @first, @last, @role, @stats, @demo, @enabled, @now)",
            cancellationToken,
            ("@id", user.UserId), ("@email", user.Email), ("@hash", user.PasswordHash), ("@first", user.FirstName),
            ("@last", user.LastName), ("@role", RoleCode(user.GlobalRole)), ("@stats", user.AllowStatistics),
            ("@demo", user.IsDemo), ("@enabled", user.Enabled), ("@now", _time.GetUtcNow().UtcDateTime)));
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

    public async Task<bool> UpdateUserNamesAsync(Guid userId, string firstName, string lastName, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(
            "UPDATE cf_user SET first_name = @first, last_name = @last WHERE user_id = @id",
            cancellationToken, ("@id", userId), ("@first", firstName), ("@last", lastName)) > 0;

    public async Task<bool> SetPasswordHashAsync(Guid userId, string passwordHash, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("UPDATE cf_user SET password_hash = @hash WHERE user_id = @id", cancellationToken, ("@id", userId), ("@hash", passwordHash)) > 0;

    public Task AddTokensAsync(IReadOnlyList<TokenRecord> tokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return WriteAsync(
            async (connection, transaction) =>
            {
                foreach (var token in tokens)
                {
                    await using var command = Command(
                        connection, transaction, "INSERT INTO cf_token (token_hash, user_id, kind, expires_at) VALUES (@hash, @user, @kind, @expires)",
                        ("@hash", token.Hash), ("@user", token.UserId), ("@kind", token.Kind == TokenKind.Access ? "A" : "R"),
                        ("@expires", token.ExpiresAt.UtcDateTime));
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }

                return true;
            },
            cancellationToken);
    }

    public Task<TokenRecord?> FindTokenAsync(byte[] hash, CancellationToken cancellationToken = default) =>
        QuerySingleAsync(
            "SELECT token_hash, user_id, kind, expires_at FROM cf_token WHERE token_hash = @hash",
            r => new TokenRecord(
                (byte[])r.GetValue(0), r.GetGuid(1), r.GetString(2) == "A" ? TokenKind.Access : TokenKind.Refresh,
                new DateTimeOffset(Utc(r.GetDateTime(3)))),
            cancellationToken,
            ("@hash", hash));

    public async Task<bool> DeleteTokenAsync(byte[] hash, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("DELETE FROM cf_token WHERE token_hash = @hash", cancellationToken, ("@hash", hash)) > 0;

    public Task<bool> AddApplicationAsync(AppRecord app, Guid ownerId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        return UniqueAsync(() => WriteAsync(
            async (connection, transaction) =>
            {
                await using (var insert = Command(
                    connection, transaction, "INSERT INTO cf_app (app_id, name, api_key, created_at) VALUES (@id, @name, @key, @now)",
                    ("@id", app.AppId), ("@name", app.Name), ("@key", app.ApiKey), ("@now", _time.GetUtcNow().UtcDateTime)))
                {
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                }

                await using var member = Command(
                    connection, transaction, "INSERT INTO cf_app_member (app_id, user_id, role) VALUES (@app, @user, @role)",
                    ("@app", app.AppId), ("@user", ownerId), ("@role", RoleCode(Role.Owner)));
                return await member.ExecuteNonQueryAsync(cancellationToken);
            },
            cancellationToken));
    }

    public Task<AppRecord?> FindApplicationAsync(Guid appId, CancellationToken cancellationToken = default) =>
        QuerySingleAsync("SELECT app_id, name, api_key FROM cf_app WHERE app_id = @id", ReadApp, cancellationToken, ("@id", appId));

    public async Task<IReadOnlyList<AppRecord>> ListApplicationsAsync(Guid? memberId, CancellationToken cancellationToken = default)
    {
        var apps = memberId is { } user
            ? await QueryAsync(
                "SELECT a.app_id, a.name, a.api_key FROM cf_app a JOIN cf_app_member m ON m.app_id = a.app_id WHERE m.user_id = @user",
                ReadApp, cancellationToken, ("@user", user))
            : await QueryAsync("SELECT app_id, name, api_key FROM cf_app", ReadApp, cancellationToken);

        // Sorted here, ordinally: database collations differ (PostgreSQL's locale vs SQLite's BINARY).
        return [.. apps.OrderBy(a => a.Name, StringComparer.Ordinal)];
    }

    public async Task<NamingOutcome> RenameApplicationAsync(Guid appId, string name, CancellationToken cancellationToken = default)
    {
        try
        {
            var rows = await ExecuteAsync("UPDATE cf_app SET name = @name WHERE app_id = @id", cancellationToken, ("@id", appId), ("@name", name));
            return rows > 0 ? NamingOutcome.Done : NamingOutcome.NotFound;
        }
        catch (DbException e) when (IsUniqueViolation(e))
        {
            return NamingOutcome.NameTaken;
        }
    }

    public async Task<bool> SetApplicationKeyAsync(Guid appId, Guid apiKey, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("UPDATE cf_app SET api_key = @key WHERE app_id = @id", cancellationToken, ("@id", appId), ("@key", apiKey)) > 0;

    public async Task<bool> DeleteApplicationAsync(Guid appId, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("DELETE FROM cf_app WHERE app_id = @id", cancellationToken, ("@id", appId)) > 0;

    public async Task<IReadOnlyList<(UserRecord User, Role Role)>> ListMembersAsync(Guid appId, CancellationToken cancellationToken = default) =>
        await QueryAsync(
            """
            SELECT u.user_id, u.email, u.password_hash, u.first_name, u.last_name, u.global_role, u.allow_statistics, u.is_demo, u.enabled, m.role
            FROM cf_app_member m JOIN cf_user u ON u.user_id = m.user_id
            WHERE m.app_id = @app ORDER BY u.email
            """,
            r => (ReadUser(r), ParseRole(r.GetString(9))),
            cancellationToken,
            ("@app", appId));

    public Task SetMemberRoleAsync(Guid appId, Guid userId, Role role, CancellationToken cancellationToken = default) =>
        ExecuteAsync(
            "INSERT INTO cf_app_member (app_id, user_id, role) VALUES (@app, @user, @role) ON CONFLICT (app_id, user_id) DO UPDATE SET role = excluded.role",
            cancellationToken, ("@app", appId), ("@user", userId), ("@role", RoleCode(role)));

    public Task TransferOwnershipAsync(Guid appId, Guid userId, CancellationToken cancellationToken = default) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                await using (var demote = Command(
                    connection, transaction, "UPDATE cf_app_member SET role = @admin WHERE app_id = @app AND role = @owner AND user_id <> @user",
                    ("@app", appId), ("@user", userId), ("@admin", RoleCode(Role.Administrator)), ("@owner", RoleCode(Role.Owner))))
                {
                    await demote.ExecuteNonQueryAsync(cancellationToken);
                }

                await using var promote = Command(
                    connection, transaction,
                    "INSERT INTO cf_app_member (app_id, user_id, role) VALUES (@app, @user, @owner) ON CONFLICT (app_id, user_id) DO UPDATE SET role = excluded.role",
                    ("@app", appId), ("@user", userId), ("@owner", RoleCode(Role.Owner)));
                return await promote.ExecuteNonQueryAsync(cancellationToken);
            },
            cancellationToken);

    public async Task<bool> RemoveMemberAsync(Guid appId, Guid userId, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("DELETE FROM cf_app_member WHERE app_id = @app AND user_id = @user", cancellationToken, ("@app", appId), ("@user", userId)) > 0;

    public async Task<bool> SetGlobalRoleAsync(Guid userId, Role role, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("UPDATE cf_user SET global_role = @role WHERE user_id = @id", cancellationToken, ("@id", userId), ("@role", RoleCode(role))) > 0;

    public Task<bool> AddServiceAsync(ServiceRecord service, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        return UniqueAsync(() => ExecuteAsync(
            "INSERT INTO cf_service (service_id, app_id, name, name_key, api_key, type, created_at) VALUES (@id, @app, @name, @nameKey, @key, @type, @created)",
            cancellationToken,
            ("@id", service.ServiceId), ("@app", service.AppId), ("@name", service.Name), ("@nameKey", NameKey(service.Name)),
            ("@key", service.ApiKey), ("@type", TypeCode(service.Type)), ("@created", service.CreatedAt)));
    }

    public Task<ServiceRecord?> FindServiceAsync(Guid serviceId, CancellationToken cancellationToken = default) =>
        QuerySingleAsync($"SELECT {ServiceColumns} FROM cf_service WHERE service_id = @id", ReadService, cancellationToken, ("@id", serviceId));

    public Task<ServiceRecord?> FindServiceByKeyAsync(Guid apiKey, CancellationToken cancellationToken = default) =>
        QuerySingleAsync($"SELECT {ServiceColumns} FROM cf_service WHERE api_key = @key", ReadService, cancellationToken, ("@key", apiKey));

    public Task<IReadOnlyList<ServiceRecord>> ListServicesAsync(Guid appId, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {ServiceColumns} FROM cf_service WHERE app_id = @app ORDER BY created_at, name", ReadService, cancellationToken, ("@app", appId));

    public async Task<NamingOutcome> RenameServiceAsync(Guid serviceId, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        try
        {
            // CompreFace refuses renaming to the current name (code 17, docs/compreface-behaviour.md#services); a conflict with the own row does that.
            var current = await FindServiceAsync(serviceId, cancellationToken);
            if (current is null)
            {
                return NamingOutcome.NotFound;
            }

            if (NameKey(current.Name) == NameKey(name))
            {
                return NamingOutcome.NameTaken;
            }

            var rows = await ExecuteAsync(
                "UPDATE cf_service SET name = @name, name_key = @nameKey WHERE service_id = @id",
                cancellationToken, ("@id", serviceId), ("@name", name), ("@nameKey", NameKey(name)));
            return rows > 0 ? NamingOutcome.Done : NamingOutcome.NotFound;
        }
        catch (DbException e) when (IsUniqueViolation(e))
        {
            return NamingOutcome.NameTaken;
        }
    }

    public async Task<bool> SetServiceKeyAsync(Guid serviceId, Guid apiKey, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("UPDATE cf_service SET api_key = @key WHERE service_id = @id", cancellationToken, ("@id", serviceId), ("@key", apiKey)) > 0;

    public Task<bool> DeleteServiceAsync(Guid serviceId, CancellationToken cancellationToken = default) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                await using (var statistics = Command(
                    connection, transaction, "DELETE FROM cf_service_statistic WHERE service_id = @id", ("@id", serviceId)))
                {
                    await statistics.ExecuteNonQueryAsync(cancellationToken);
                }

                await using var delete = Command(connection, transaction, "DELETE FROM cf_service WHERE service_id = @id", ("@id", serviceId));
                return await delete.ExecuteNonQueryAsync(cancellationToken) > 0;
            },
            cancellationToken);

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

    public Task<int> DeleteExpiredTokensAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                var deleted = 0;
                foreach (var table in ExpiringTokenTables)
                {
                    await using var delete = Command(connection, transaction, $"DELETE FROM {table} WHERE expires_at < @now", ("@now", now.UtcDateTime));
                    deleted += await delete.ExecuteNonQueryAsync(cancellationToken);
                }

                return deleted;
            },
            cancellationToken);

    public Task SetRegistrationTokenAsync(byte[] hash, Guid userId, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
        ExecuteAsync(
            """
            INSERT INTO cf_registration_token (token_hash, user_id, expires_at) VALUES (@hash, @user, @expires)
            ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, expires_at = excluded.expires_at
            """,
            cancellationToken, ("@hash", hash), ("@user", userId), ("@expires", expiresAt.UtcDateTime));

    public Task<Guid?> ConfirmRegistrationAsync(byte[] hash, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WriteAsync<Guid?>(
            async (connection, transaction) =>
            {
                Guid user;
                DateTimeOffset expiresAt;
                await using (var take = Command(
                    connection, transaction, "DELETE FROM cf_registration_token WHERE token_hash = @hash RETURNING user_id, expires_at", ("@hash", hash)))
                {
                    await using var reader = await take.ExecuteReaderAsync(cancellationToken);
                    if (!await reader.ReadAsync(cancellationToken))
                    {
                        return null;
                    }

                    (user, expiresAt) = (reader.GetGuid(0), new DateTimeOffset(Utc(reader.GetDateTime(1))));
                }

                if (expiresAt <= now)
                {
                    return null;
                }

                await using (var enable = Command(connection, transaction, "UPDATE cf_user SET enabled = @yes WHERE user_id = @user", ("@user", user), ("@yes", true)))
                {
                    await enable.ExecuteNonQueryAsync(cancellationToken);
                }

                await using var owner = Command(
                    connection, transaction,
                    "UPDATE cf_user SET global_role = @owner WHERE user_id = @user AND NOT EXISTS (SELECT 1 FROM cf_user WHERE global_role = @owner)",
                    ("@user", user), ("@owner", RoleCode(Role.Owner)));
                await owner.ExecuteNonQueryAsync(cancellationToken);
                return user;
            },
            cancellationToken);

    public Task<int> DeleteUnconfirmedUsersAsync(DateTimeOffset createdBefore, CancellationToken cancellationToken = default) =>
        ExecuteAsync(
            """
            DELETE FROM cf_user WHERE enabled = @no AND created_at < @before
                AND NOT EXISTS (SELECT 1 FROM cf_app_member m WHERE m.user_id = cf_user.user_id AND m.role = @owner)
            """,
            cancellationToken, ("@no", false), ("@before", createdBefore.UtcDateTime), ("@owner", RoleCode(Role.Owner)));

    public Task SetResetTokenAsync(byte[] hash, Guid userId, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
        ExecuteAsync(
            """
            INSERT INTO cf_reset_token (token_hash, user_id, expires_at) VALUES (@hash, @user, @expires)
            ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, expires_at = excluded.expires_at
            """,
            cancellationToken, ("@hash", hash), ("@user", userId), ("@expires", expiresAt.UtcDateTime));

    public async Task<Guid?> TakeResetTokenAsync(byte[] hash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        // Single use: the row goes whether or not it is still valid.
        var rows = await QueryAsync(
            "DELETE FROM cf_reset_token WHERE token_hash = @hash RETURNING user_id, expires_at",
            r => (User: r.GetGuid(0), ExpiresAt: new DateTimeOffset(Utc(r.GetDateTime(1)))),
            cancellationToken,
            ("@hash", hash));
        return rows.Count == 1 && rows[0].ExpiresAt > now ? rows[0].User : null;
    }

    public Task AddRequestCountsAsync(IReadOnlyList<RequestCount> counts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return WriteAsync(
            async (connection, transaction) =>
            {
                foreach (var count in counts)
                {
                    // WHERE EXISTS drops counts of a deleted service (and keeps SQLite's INSERT … SELECT … ON CONFLICT unambiguous).
                    await using var upsert = Command(
                        connection, transaction,
                        """
                        INSERT INTO cf_service_statistic (service_id, hour, request_count)
                        SELECT @service, @hour, @count WHERE EXISTS (SELECT 1 FROM cf_service WHERE service_id = @service)
                        ON CONFLICT (service_id, hour) DO UPDATE SET request_count = cf_service_statistic.request_count + excluded.request_count
                        """,
                        ("@service", count.ServiceId), ("@hour", Utc(count.Hour)), ("@count", count.Count));
                    await upsert.ExecuteNonQueryAsync(cancellationToken);
                }

                return counts.Count;
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<RequestCount>> ListRequestCountsAsync(Guid serviceId, DateTime fromUtc, CancellationToken cancellationToken = default) =>
        QueryAsync(
            "SELECT service_id, hour, request_count FROM cf_service_statistic WHERE service_id = @service AND hour >= @from ORDER BY hour",
            r => new RequestCount(r.GetGuid(0), Utc(r.GetDateTime(1)), r.GetInt64(2)),
            cancellationToken,
            ("@service", serviceId), ("@from", Utc(fromUtc)));

    private async Task<UserRecord?> FindUserAsync(DbConnection connection, DbTransaction transaction, Guid userId, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, $"SELECT {UserColumns} FROM cf_user WHERE user_id = @id", ("@id", userId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadUser(reader) : null;
    }

    /// <summary>The case-insensitive uniqueness key of a service name.</summary>
    internal static string NameKey(string name) => name.ToLowerInvariant();

    internal static string RoleCode(Role role) => role switch
    {
        Role.Owner => "O",
        Role.Administrator => "A",
        _ => "U",
    };

    internal static Role ParseRole(string code) => code.Trim() switch
    {
        "O" => Role.Owner,
        "A" => Role.Administrator,
        "U" => Role.User,
        _ => throw new InvalidDataException($"Unknown role code '{code}' in the admin store."),
    };

    private static string TypeCode(FaceServiceType type) => type switch
    {
        FaceServiceType.Recognition => "R",
        FaceServiceType.Detection => "D",
        _ => "V",
    };

    private static FaceServiceType ParseType(string code) => code.Trim() switch
    {
        "R" => FaceServiceType.Recognition,
        "D" => FaceServiceType.Detection,
        "V" => FaceServiceType.Verify,
        _ => throw new InvalidDataException($"Unknown service type code '{code}' in the admin store."),
    };

    private static DateTime Utc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
    };

    private static UserRecord ReadUser(DbDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), ParseRole(r.GetString(5)), r.GetBoolean(6), r.GetBoolean(7),
        r.GetBoolean(8));

    private static AppRecord ReadApp(DbDataReader r) => new(r.GetGuid(0), r.GetString(1), r.GetGuid(2));

    private static ServiceRecord ReadService(DbDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetGuid(3), ParseType(r.GetString(4)), Utc(r.GetDateTime(5)));

    private async Task<bool> UniqueAsync(Func<Task<int>> write)
    {
        try
        {
            return await write() > 0;
        }
        catch (DbException e) when (IsUniqueViolation(e))
        {
            return false;
        }
    }
}
