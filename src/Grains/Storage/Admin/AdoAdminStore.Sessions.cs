using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Grains.Storage;

/// <summary>The admin store's session, password-reset and sign-up confirmation tokens (stored as SHA-256 hashes), and sign-up invitations.</summary>
internal sealed partial class AdoAdminStore
{
    private static readonly string[] ExpiringTokenTables = ["cf_token", "cf_reset_token", "cf_registration_token", "cf_invitation"];

    private const string TokenColumns = "t.token_hash, t.user_id, t.kind, t.expires_at, t.family_id, t.stamp, t.session_started_at, t.used_at";

    public Task AddTokensAsync(IReadOnlyList<TokenRecord> tokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return ExecuteEachAsync(
            tokens,
            """
            INSERT INTO cf_token (token_hash, user_id, kind, expires_at, family_id, stamp, session_started_at)
            VALUES (@hash, @user, @kind, @expires, @family, @stamp, @started)
            """,
            token =>
            [
                ("@hash", token.Hash), ("@user", token.UserId), ("@kind", token.Kind == TokenKind.Access ? "A" : "R"), ("@expires", token.ExpiresAt.UtcDateTime),
                ("@family", token.FamilyId ?? Guid.NewGuid()), ("@stamp", token.Stamp), ("@started", (token.SessionStartedAt ?? _time.GetUtcNow()).UtcDateTime),
            ],
            cancellationToken);
    }

    public async Task<TokenRecord?> FindTokenAsync(byte[] hash, CancellationToken cancellationToken = default) =>
        (await FindSessionTokenAsync(hash, cancellationToken))?.Token;

    public Task<SessionTokenRecord?> FindSessionTokenAsync(byte[] hash, CancellationToken cancellationToken = default) =>
        QuerySingleAsync(
            $"SELECT {TokenColumns}, u.security_stamp FROM cf_token t JOIN cf_user u ON u.user_id = t.user_id WHERE t.token_hash = @hash",
            r => new SessionTokenRecord(
                new TokenRecord(
                    (byte[])r.GetValue(0), r.GetGuid(1), r.GetString(2) == "A" ? TokenKind.Access : TokenKind.Refresh,
                    new DateTimeOffset(Utc(r.GetDateTime(3))))
                {
                    FamilyId = r.IsDBNull(4) ? null : r.GetGuid(4),
                    Stamp = r.GetInt64(5),
                    SessionStartedAt = r.IsDBNull(6) ? null : new DateTimeOffset(Utc(r.GetDateTime(6))),
                    UsedAt = r.IsDBNull(7) ? null : new DateTimeOffset(Utc(r.GetDateTime(7))),
                },
                r.GetInt64(8)),
            cancellationToken,
            ("@hash", hash));

    public async Task<bool> DeleteTokenAsync(byte[] hash, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("DELETE FROM cf_token WHERE token_hash = @hash", cancellationToken, ("@hash", hash)) > 0;

    public async Task<bool> SpendRefreshTokenAsync(byte[] hash, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(
            "UPDATE cf_token SET used_at = @now WHERE token_hash = @hash AND kind = @refresh AND used_at IS NULL",
            cancellationToken, ("@hash", hash), ("@now", now.UtcDateTime), ("@refresh", "R")) == 1;

    public Task<int> DeleteTokenFamilyAsync(Guid familyId, CancellationToken cancellationToken = default) =>
        ExecuteAsync("DELETE FROM cf_token WHERE family_id = @family", cancellationToken, ("@family", familyId));

    public Task SetInvitationAsync(string email, Guid invitedBy, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
        ExecuteAsync(
            """
            INSERT INTO cf_invitation (email, invited_by, expires_at) VALUES (@email, @by, @expires)
            ON CONFLICT (email) DO UPDATE SET invited_by = excluded.invited_by, expires_at = excluded.expires_at
            """,
            cancellationToken, ("@email", email), ("@by", invitedBy), ("@expires", expiresAt.UtcDateTime));

    public async Task<bool> HasInvitationAsync(string email, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        (await QueryAsync(
            "SELECT 1 FROM cf_invitation WHERE email = @email AND expires_at > @now", _ => 1, cancellationToken,
            ("@email", email), ("@now", now.UtcDateTime))).Count > 0;

    public async Task<bool> DeleteInvitationAsync(string email, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("DELETE FROM cf_invitation WHERE email = @email", cancellationToken, ("@email", email)) > 0;

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
        SetUserTokenAsync("cf_registration_token", hash, userId, expiresAt, cancellationToken);

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

    public Task SetResetTokenAsync(byte[] hash, Guid userId, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
        SetUserTokenAsync("cf_reset_token", hash, userId, expiresAt, cancellationToken);

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

    /// <summary>Stores the one token of <paramref name="table"/> a user may hold, replacing an earlier one.</summary>
    private Task<int> SetUserTokenAsync(string table, byte[] hash, Guid userId, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        ExecuteAsync(
            $"""
            INSERT INTO {table} (token_hash, user_id, expires_at) VALUES (@hash, @user, @expires)
            ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, expires_at = excluded.expires_at
            """,
            cancellationToken, ("@hash", hash), ("@user", userId), ("@expires", expiresAt.UtcDateTime));
}
