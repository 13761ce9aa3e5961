using System.Net;
using Microsoft.AspNetCore.Hosting;

namespace CompreFace.Admin.Tests;

/// <summary>
/// Two nodes over one store: a session that one node has already served is refused there as soon as the user's
/// password changes through the other node. Each node keeps its own warm activations, so this fails if a node trusts
/// anything about a session that it read before (the token row, the user's stamp).
/// </summary>
public sealed class SessionAcrossNodesTests
{
    [Theory, Stores(Store.Sqlite), Stores(Store.Postgres)]
    public async Task PasswordChangeOnOneNode_TheOtherNodeRefusesTheOldSession(Store store)
    {
        await using var database = store == Store.Postgres ? await PostgresServer.CreateDatabaseAsync("cf_nodes") : null;
        var directory = Path.Combine(Path.GetTempPath(), "cf-two-nodes-" + Guid.NewGuid().ToString("N"));
        using var nodeA = new SharedStoreFactory(directory, database?.ConnectionString);
        using var nodeB = new SharedStoreFactory(directory, database?.ConnectionString);

        using var onA = await AdminClient.SignedUpAsync(nodeA, "two-nodes@example.com", "first-password", "Two", "Nodes");
        Assert.Equal(HttpStatusCode.OK, (await onA.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);

        using var onB = AdminClient.Create(nodeB);
        await onB.LoginAsync("two-nodes@example.com", "first-password");
        var (status, _) = await onB.SendAsync(HttpMethod.Put, "/admin/user/me/password", new { oldPassword = "first-password", newPassword = "second-password" });
        Assert.Equal(HttpStatusCode.OK, status);

        Assert.Equal(HttpStatusCode.Unauthorized, (await onA.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);
        using var refreshed = await onA.RefreshAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, refreshed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await onB.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);
    }

    /// <summary>A node (its own silo and cluster) on a store shared with another: one SQLite directory or one PostgreSQL database.</summary>
    private sealed class SharedStoreFactory(string directory, string? postgres) : AdminFactory
    {
        protected override void ConfigureStore(IWebHostBuilder builder)
        {
            builder.UseSetting("Storage:DataDirectory", directory);
            if (postgres is not null)
            {
                builder.UseSetting("ConnectionStrings:Postgres", postgres);
            }
        }
    }
}
