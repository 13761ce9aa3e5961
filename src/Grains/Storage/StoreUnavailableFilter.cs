using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;
using CompreFace.Grains.Interfaces;

namespace CompreFace.Grains.Storage;

/// <summary>
/// At the grain boundary of this silo: a grain method that failed because the database did not answer throws
/// <see cref="StoreUnavailableException"/> instead of the driver's exception, so every caller (any silo, the HTTP
/// tier) recognises the outage by one serializable type and answers 503 (docs/decisions/0014).
/// </summary>
internal sealed partial class StoreUnavailableFilter(ILogger<StoreUnavailableFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception exception) when (StoreFailures.IsUnavailable(exception) && exception is not StoreUnavailableException)
        {
            LogUnavailable(logger, context.InterfaceName, context.MethodName, exception.GetType().Name);

            // Without the driver exception as inner: it names hosts, and it would not survive the wire anyway.
            throw new StoreUnavailableException();
        }
    }

    [LoggerMessage(EventId = 6010, Level = LogLevel.Warning, Message = "{Interface}.{Method}: the database is unavailable ({Exception})")]
    private static partial void LogUnavailable(ILogger logger, string @interface, string method, string exception);
}

/// <summary>Which failures mean "the database did not answer" rather than "the database refused this request".</summary>
public static class StoreFailures
{
    /// <summary>
    /// True when <paramref name="exception"/> or one of its inner exceptions is a connection-level failure of
    /// PostgreSQL (refused, broken, timed out, server shutting down or starting: SQLSTATE classes 08, 53, 57P) or a
    /// busy/locked SQLite file. Constraint violations and bad SQL are not outages and return false.
    /// </summary>
    public static bool IsUnavailable(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case StoreUnavailableException:
                    return true;
                case PostgresException postgres:
                    return postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || postgres.SqlState.StartsWith("53", StringComparison.Ordinal)
                        || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal);
                case NpgsqlException npgsql when npgsql.IsTransient || npgsql.InnerException is SocketException or IOException or TimeoutException:
                    return true;
                case SqliteException { SqliteErrorCode: 5 or 6 }: // SQLITE_BUSY, SQLITE_LOCKED
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when <paramref name="exception"/> is a primary-key or unique violation (PostgreSQL 23505, SQLite's
    /// constraint codes): the row is already there, e.g. written by an earlier attempt of the same idempotent request.
    /// </summary>
    public static bool IsDuplicateKey(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } or SqliteException { SqliteErrorCode: 19 })
            {
                return true;
            }
        }

        return false;
    }
}
