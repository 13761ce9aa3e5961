using System.Data.Common;
using Npgsql;

namespace CompreFace.Grains.Storage;

/// <summary><see cref="IAdminStore"/> on PostgreSQL, sharing the face store's <see cref="NpgsqlDataSource"/>.</summary>
internal sealed class PostgresAdminStore(NpgsqlDataSource dataSource, TimeProvider? time = null) : AdoAdminStore(time)
{
    protected override string NewIdSql => "gen_random_uuid()";

    protected override string NowMsSql => PostgresFaceStore.PostgresNowMs;

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken);

    protected override bool IsUniqueViolation(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}
