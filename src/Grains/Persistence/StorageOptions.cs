using Microsoft.Extensions.Options;

namespace CompreFace.Grains.Persistence;

/// <summary>
/// Where face collections are stored (configuration section <c>Storage</c>). Which store is used is decided by
/// <c>ConnectionStrings:Postgres</c>: set → PostgreSQL, absent → an embedded SQLite file under <see cref="DataDirectory"/>.
/// </summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Directory of the embedded SQLite database (<c>compreface.db</c>); created if missing. Unused with PostgreSQL.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>Keep the original image bytes of every example (CompreFace's <c>SAVE_IMAGES_TO_DB</c>, default true).</summary>
    public bool SaveImages { get; set; } = true;

    /// <summary>
    /// SQLite <c>synchronous</c> level. <see cref="SqliteSynchronous.Full"/> (default) flushes the WAL at every commit,
    /// so an acknowledged write survives a power loss as well as <c>kill -9</c>; <see cref="SqliteSynchronous.Normal"/>
    /// survives a process crash only. Unused with PostgreSQL.
    /// </summary>
    public SqliteSynchronous SqliteSynchronous { get; set; } = SqliteSynchronous.Full;

    /// <summary>The SQLite database file.</summary>
    public string SqliteFilePath => Path.Combine(Path.GetFullPath(DataDirectory), "compreface.db");
}

/// <summary>SQLite <c>PRAGMA synchronous</c> levels the embedded store accepts (WAL mode).</summary>
public enum SqliteSynchronous
{
    /// <summary>Commits survive a process crash, not an OS crash or power loss.</summary>
    Normal = 1,

    /// <summary>Commits survive power loss (the WAL is fsynced at every commit).</summary>
    Full = 2,
}

/// <summary>Checks <see cref="StorageOptions"/> at start.</summary>
internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add($"{StorageOptions.SectionName}:{nameof(StorageOptions.DataDirectory)} must not be empty.");
        }
        else if (options.DataDirectory.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            failures.Add($"{StorageOptions.SectionName}:{nameof(StorageOptions.DataDirectory)} is not a valid path.");
        }

        if (!Enum.IsDefined(options.SqliteSynchronous))
        {
            failures.Add($"{StorageOptions.SectionName}:{nameof(StorageOptions.SqliteSynchronous)} must be Normal or Full.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
