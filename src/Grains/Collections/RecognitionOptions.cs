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

    /// <summary>
    /// Copies of every shard, each on its own silo, while the cluster has that many active silos (one node holds one,
    /// so the embedded node is unchanged). A search asks one copy per shard and turns to another when it fails or is
    /// slow, so a node's death costs no recognition (docs/decisions/0026). Memory grows with the number of copies.
    /// </summary>
    [Range(1, 5)]
    public int Replicas { get; set; } = 2;

    /// <summary>
    /// How long a search waits for one copy of a shard before asking the next one as well (a copy that is loading,
    /// on a dead silo not yet declared dead, or on a stalled node); the first answer wins.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:30")]
    public TimeSpan ReplicaHedgeDelay { get; set; } = TimeSpan.FromMilliseconds(300);
}
