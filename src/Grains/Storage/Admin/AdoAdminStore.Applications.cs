using System.Data.Common;
using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Grains.Storage;

/// <summary>The admin store's applications.</summary>
internal sealed partial class AdoAdminStore
{
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
        catch (DbException e) when (Dialect.IsUniqueViolation(e))
        {
            return NamingOutcome.NameTaken;
        }
    }

    public async Task<bool> SetApplicationKeyAsync(Guid appId, Guid apiKey, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("UPDATE cf_app SET api_key = @key WHERE app_id = @id", cancellationToken, ("@id", appId), ("@key", apiKey)) > 0;

    public Task<bool> DeleteApplicationAsync(Guid appId, CancellationToken cancellationToken = default) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                // Services and members cascade; their webhooks are not rows of theirs.
                await DeleteWebhooksAsync(connection, transaction, "SELECT service_id FROM cf_service WHERE app_id = @id", ("@id", appId), cancellationToken);
                await using var delete = Command(connection, transaction, "DELETE FROM cf_app WHERE app_id = @id", ("@id", appId));
                return await delete.ExecuteNonQueryAsync(cancellationToken) > 0;
            },
            cancellationToken);

    private static AppRecord ReadApp(DbDataReader r) => new(r.GetGuid(0), r.GetString(1), r.GetGuid(2));
}
