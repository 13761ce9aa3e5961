using CompreFace.Grains.Storage;
using Orleans.Configuration;

namespace CompreFace.Silo.Cluster;

/// <summary>Orleans on PostgreSQL: ADO.NET clustering, grain storage and reminders on the project's own schema.</summary>
public static class PostgresClusterExtensions
{
    /// <summary>The ADO.NET invariant of Npgsql.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>
    /// Membership, the default grain storage ("Default", with <see cref="GrainStateJsonSerializer"/>) and reminders on
    /// <paramref name="connectionString"/>. The schema must exist: call <see cref="OrleansSchema.EnsureAsync(string, Microsoft.Extensions.Logging.ILogger?, CancellationToken)"/> first.
    /// </summary>
    public static ISiloBuilder UsePostgresCluster(this ISiloBuilder silo, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        silo.AddPostgresGrainStorage("Default", connectionString);
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        return silo;
    }

    /// <summary>A named ADO.NET grain storage on PostgreSQL with <see cref="GrainStateJsonSerializer"/>.</summary>
    public static ISiloBuilder AddPostgresGrainStorage(this ISiloBuilder silo, string name, string connectionString, bool deleteStateOnClear = false) =>
        silo.AddAdoNetGrainStorage(name, (AdoNetGrainStorageOptions o) =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
            o.GrainStorageSerializer = new GrainStateJsonSerializer();
            o.DeleteStateOnClear = deleteStateOnClear;
        });

    /// <summary>A client's view of the PostgreSQL cluster: gateways from the membership table.</summary>
    public static IClientBuilder UsePostgresCluster(this IClientBuilder client, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return client.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
    }
}
