using System.Data.Common;

namespace CompreFace.Grains.Storage;

/// <summary>
/// What both stores share over ADO.NET: portable SQL with <c>@name</c> parameters, commands, queries and write
/// transactions. A dialect subclass supplies connections and how a .NET value binds (Guids: uuid in PostgreSQL, the
/// 16-byte <see cref="Guid.ToByteArray()"/> BLOB in SQLite).
/// </summary>
internal abstract class AdoStore
{
    /// <summary>An open connection, ready for commands.</summary>
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>The value bound for a .NET value (the default binds it as is).</summary>
    protected virtual object ToDatabase(object value) => value;

    /// <summary>Runs <paramref name="work"/> in a write transaction and commits it.</summary>
    protected virtual async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>Runs one statement on its own connection; returns the rows it changed.</summary>
    protected async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Runs <paramref name="sql"/> once per item, in one write transaction; returns the rows changed in all.</summary>
    protected Task<int> ExecuteEachAsync<T>(
        IEnumerable<T> items, string sql, Func<T, (string Name, object Value)[]> parameters, CancellationToken cancellationToken) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                var changed = 0;
                foreach (var item in items)
                {
                    await using var command = Command(connection, transaction, sql, parameters(item));
                    changed += await command.ExecuteNonQueryAsync(cancellationToken);
                }

                return changed;
            },
            cancellationToken);

    /// <summary>Reads every row of one query on its own connection.</summary>
    protected async Task<IReadOnlyList<T>> QueryAsync<T>(
        string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, sql, parameters);
        return await ReadAllAsync(command, read, cancellationToken);
    }

    /// <summary>The first row of one query, or null.</summary>
    protected async Task<T?> QuerySingleAsync<T>(
        string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
        where T : class
    {
        var rows = await QueryAsync(sql, read, cancellationToken, parameters);
        return rows.Count > 0 ? rows[0] : null;
    }

    /// <summary>Reads every row of <paramref name="command"/>.</summary>
    protected static async Task<IReadOnlyList<T>> ReadAllAsync<T>(DbCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    /// <summary>A command with its parameters bound through <see cref="ToDatabase"/>.</summary>
    protected DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
#pragma warning disable CA2100 // Constant SQL; every value is a parameter.
        command.CommandText = sql;
#pragma warning restore CA2100
        foreach (var (name, value) in parameters)
        {
            Bind(command, name, value);
        }

        return command;
    }

    /// <summary>Adds a parameter to <paramref name="command"/>; returns it so a loop can rebind it with <see cref="Rebind"/>.</summary>
    protected DbParameter Bind(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = ToDatabase(value);
        command.Parameters.Add(parameter);
        return parameter;
    }

    /// <summary>Sets a bound parameter to a new value (for a statement run once per item).</summary>
    protected void Rebind(DbParameter parameter, object value) => parameter.Value = ToDatabase(value);
}

/// <summary>A store in portable SQL over the node's <see cref="SqlDialect"/>, which opens its connections and binds its values.</summary>
internal abstract class DialectStore(SqlDialect dialect) : AdoStore
{
    /// <summary>The node's database dialect.</summary>
    protected SqlDialect Dialect { get; } = dialect;

    protected override Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => Dialect.OpenAsync(cancellationToken);

    protected override object ToDatabase(object value) => Dialect.ToDatabase(value);
}
