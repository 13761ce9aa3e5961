using CompreFace.Grains.Interfaces;
using Microsoft.Extensions.Logging;

namespace CompreFace.Grains.Storage;

/// <summary>Log events of the storage (ids 6000–6099). Never embeddings, images or keys.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "{Schema} schema: step {Version} applied ({Description})")]
    public static partial void SchemaStepApplied(ILogger logger, string schema, int version, string description);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "{Schema} schema on {Store}: at version {Version}")]
    public static partial void SchemaReady(ILogger logger, string schema, string store, int version);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Face store: embedded SQLite database {Path} (synchronous={Synchronous})")]
    public static partial void SqliteOpened(ILogger logger, string path, SqliteSynchronous synchronous);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Debug, Message = "Face store: loaded shard {Shard} of collection {CollectionId}: {Rows} faces in {ElapsedMs:F0} ms")]
    public static partial void ShardLoaded(ILogger logger, Guid collectionId, int shard, int rows, double elapsedMs);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Face store: {Store} selected by configuration (SaveImages={SaveImages})")]
    public static partial void StoreSelected(ILogger logger, string store, bool saveImages);
}
