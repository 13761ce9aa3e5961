using System.Buffers.Binary;

namespace CompreFace.Grains.Collections;

/// <summary>
/// An order-independent digest of the image ids in a shard: the sum, modulo 2^64, of each id's first 15 hex digits
/// (60 bits of a random id). A shard copy and the store agree on it exactly when they hold the same rows (up to a
/// 2^-56 chance), where a row count also agrees after a missed add and a missed delete (docs/decisions/0032).
/// Computable in SQL as well (<c>PostgresFaceStore</c>), so the collection grain gets it from the store at activation.
/// </summary>
internal static class ShardDigest
{
    /// <summary>The id's share of a digest: the first 15 hex digits of its canonical text, as a number.</summary>
    public static ulong Of(Guid imageId)
    {
        Span<byte> bytes = stackalloc byte[16];
        imageId.TryWriteBytes(bytes, bigEndian: true, out _);
        return BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 4;
    }

    /// <summary>The digest of <paramref name="imageIds"/>.</summary>
    public static ulong Of(IEnumerable<Guid> imageIds)
    {
        var sum = 0UL;
        foreach (var id in imageIds)
        {
            sum = unchecked(sum + Of(id));
        }

        return sum;
    }
}
