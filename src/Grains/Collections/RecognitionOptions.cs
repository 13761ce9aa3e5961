using System.ComponentModel.DataAnnotations;

namespace CompreFace.Grains.Collections;

/// <summary>How face collections are held (configuration section <c>Recognition</c>).</summary>
public sealed class RecognitionOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Recognition";

    /// <summary>
    /// Most vectors per shard grain. 100k 512-d vectors are ~100 MB and one scan of them ~5 ms, which keeps a shard's
    /// activation (a few hundred ms from PostgreSQL) and its share of a search short; bigger collections get more shards.
    /// </summary>
    [Range(1, 10_000_000)]
    public int ShardCapacity { get; set; } = 100_000;
}
