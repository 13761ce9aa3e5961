namespace CompreFace.Grains.Interfaces;

/// <summary>
/// Where face collections and the admin model are stored (configuration section <c>Storage</c>, the only type bound to
/// it: the storage reads all of it, the HTTP tier reads <see cref="SaveImages"/>). Which store is used is decided by
/// <c>ConnectionStrings:Postgres</c>: set → PostgreSQL, absent → an embedded SQLite file under <see cref="DataDirectory"/>.
/// Bound and validated by the node's storage registration (<c>AddStorage</c>).
/// </summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Directory of the embedded SQLite database (<c>compreface.db</c>); created if missing. Unused with PostgreSQL.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>
    /// Keep the original image bytes of every example (CompreFace's <c>SAVE_IMAGES_TO_DB</c>, default true). The HTTP
    /// tier reports it in <c>GET /api/v1/consistence/status</c> and does not ship images to a collection that would drop them.
    /// </summary>
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
