using System.Data.Common;
using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Grains.Storage;

/// <summary>
/// <see cref="IAdminStore"/> in portable SQL (<c>@name</c> parameters, <c>ON CONFLICT</c>, <c>RETURNING</c>) over
/// ADO.NET; the node's <see cref="SqlDialect"/> supplies connections, value binding and the unique-violation test.
/// Guids bind natively (uuid in PostgreSQL, the 16-byte <see cref="Guid.ToByteArray()"/> BLOB in SQLite).
/// Creation times come from the node's <see cref="TimeProvider"/>, the clock the purge of unconfirmed sign-ups compares them with.
/// </summary>
internal sealed partial class AdoAdminStore(SqlDialect dialect, TimeProvider? time = null) : DialectStore(dialect), IAdminStore
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken);
    }

    private static readonly CodeMap<Role> Roles = new("role", (Role.Owner, "O"), (Role.Administrator, "A"), (Role.User, "U"));

    internal static string RoleCode(Role role) => Roles.Code(role);

    internal static Role ParseRole(string code) => Roles.Parse(code);

    private static DateTime Utc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
    };

    private async Task<bool> UniqueAsync(Func<Task<int>> write)
    {
        try
        {
            return await write() > 0;
        }
        catch (DbException e) when (Dialect.IsUniqueViolation(e))
        {
            return false;
        }
    }

    /// <summary>
    /// The one-letter codes an enum is stored as (the tables' CHECK constraints list them). A value outside the map is
    /// stored as the last, least privileged code; an unknown stored code is corrupt data.
    /// </summary>
    private sealed class CodeMap<T>(string what, params (T Value, string Code)[] map)
        where T : struct, Enum
    {
        public string Code(T value)
        {
            foreach (var (candidate, code) in map)
            {
                if (EqualityComparer<T>.Default.Equals(candidate, value))
                {
                    return code;
                }
            }

            return map[^1].Code;
        }

        public T Parse(string code)
        {
            var trimmed = code.Trim();
            foreach (var (value, candidate) in map)
            {
                if (candidate == trimmed)
                {
                    return value;
                }
            }

            throw new InvalidDataException($"Unknown {what} code '{code}' in the admin store.");
        }
    }
}
