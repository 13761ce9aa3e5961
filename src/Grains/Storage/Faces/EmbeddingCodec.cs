using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace CompreFace.Grains.Storage;

/// <summary>
/// The stored form of an embedding in both stores: the float32 values as little-endian bytes, nothing else
/// (the dimension is the byte length / 4). See docs/decisions/0006-face-store.md for why not <c>real[]</c>.
/// </summary>
internal static class EmbeddingCodec
{
    /// <summary>Encodes a vector; the result is a fresh array the caller may hand to a driver.</summary>
    public static byte[] Encode(ReadOnlySpan<float> embedding)
    {
        var bytes = new byte[embedding.Length * sizeof(float)];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(embedding).CopyTo(bytes);
        }
        else
        {
            for (var i = 0; i < embedding.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), embedding[i]);
            }
        }

        return bytes;
    }

    /// <summary>Decodes stored bytes into <paramref name="destination"/> (length = bytes / 4).</summary>
    public static void Decode(ReadOnlySpan<byte> bytes, Span<float> destination)
    {
        if (bytes.Length != destination.Length * sizeof(float))
        {
            throw new InvalidDataException($"A stored embedding of {bytes.Length} bytes does not fill {destination.Length} floats.");
        }

        if (BitConverter.IsLittleEndian)
        {
            bytes.CopyTo(MemoryMarshal.AsBytes(destination));
        }
        else
        {
            for (var i = 0; i < destination.Length; i++)
            {
                destination[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
            }
        }
    }

    /// <summary>Decodes stored bytes into a new array.</summary>
    public static float[] Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % sizeof(float) != 0)
        {
            throw new InvalidDataException($"A stored embedding of {bytes.Length} bytes is not a whole number of float32 values.");
        }

        var result = new float[bytes.Length / sizeof(float)];
        Decode(bytes, result);
        return result;
    }

    /// <summary>
    /// The stored bytes as floats without allocating: in place on little-endian hosts, otherwise decoded into
    /// <paramref name="scratch"/> (grown when too small). Valid until the bytes or the scratch change.
    /// </summary>
    public static ReadOnlySpan<float> View(ReadOnlySpan<byte> bytes, ref float[] scratch)
    {
        if (bytes.Length % sizeof(float) != 0)
        {
            throw new InvalidDataException($"A stored embedding of {bytes.Length} bytes is not a whole number of float32 values.");
        }

        if (BitConverter.IsLittleEndian)
        {
            return MemoryMarshal.Cast<byte, float>(bytes);
        }

        var dimension = bytes.Length / sizeof(float);
        if (scratch.Length < dimension)
        {
            scratch = new float[dimension];
        }

        Decode(bytes, scratch.AsSpan(0, dimension));
        return scratch.AsSpan(0, dimension);
    }
}
