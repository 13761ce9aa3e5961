using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Grains.Storage;

/// <summary>The admin store's application members and their roles.</summary>
internal sealed partial class AdoAdminStore
{
    public async Task<IReadOnlyList<(UserRecord User, Role Role)>> ListMembersAsync(Guid appId, CancellationToken cancellationToken = default) =>
        await QueryAsync(
            """
            SELECT u.user_id, u.email, u.password_hash, u.first_name, u.last_name, u.global_role, u.allow_statistics, u.is_demo, u.enabled, u.security_stamp, m.role
            FROM cf_app_member m JOIN cf_user u ON u.user_id = m.user_id
            WHERE m.app_id = @app ORDER BY u.email
            """,
            r => (ReadUser(r), ParseRole(r.GetString(10))),
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
}
