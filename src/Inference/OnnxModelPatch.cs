using System.Buffers;
using System.Buffers.Binary;

namespace CompreFace.Inference;

/// <summary>
/// Rewrites an ONNX model's protobuf bytes in memory so that a model exported with a fixed batch of 1 accepts a batch
/// of N: the first dimension of the named inputs and outputs becomes the symbolic <c>batch</c>, and named int64 shape
/// constants (a <c>Reshape</c> to <c>[1, -1]</c>) get new values. Only the few fields on that path are decoded; every
/// other byte is copied as it is. The file on disk (and its verified checksum) is untouched.
/// </summary>
internal static class OnnxModelPatch
{
    // Field numbers from onnx.proto3.
    private const int ModelGraph = 7;
    private const int GraphInitializer = 5;
    private const int GraphInput = 11;
    private const int GraphOutput = 12;
    private const int ValueInfoName = 1;
    private const int ValueInfoType = 2;
    private const int TypeTensor = 1;
    private const int TensorTypeShape = 2;
    private const int ShapeDim = 1;
    private const int DimParam = 2;
    private const int TensorInt64Data = 7;
    private const int TensorName = 8;
    private const int TensorRawData = 9;

    private const int WireVarint = 0;
    private const int Wire64 = 1;
    private const int WireLength = 2;
    private const int Wire32 = 5;

    /// <summary>Returns a patched copy of <paramref name="model"/>.</summary>
    public static byte[] WithDynamicBatch(ReadOnlySpan<byte> model, IReadOnlyCollection<string> valueNames, IReadOnlyDictionary<string, long[]> int64Constants)
    {
        ArgumentNullException.ThrowIfNull(valueNames);
        ArgumentNullException.ThrowIfNull(int64Constants);
        var patched = Rewrite(model, (field, payload, writer) =>
            field == ModelGraph && WriteNested(writer, field, RewriteGraph(payload, valueNames, int64Constants)));
        return patched;
    }

    private static byte[] RewriteGraph(ReadOnlySpan<byte> graph, IReadOnlyCollection<string> names, IReadOnlyDictionary<string, long[]> constants) =>
        Rewrite(graph, (field, payload, writer) =>
        {
            if ((field is GraphInput or GraphOutput) && names.Contains(ReadString(payload, ValueInfoName)))
            {
                return WriteNested(writer, field, Rewrite(payload, (f, p, w) => f == ValueInfoType && WriteNested(w, f,
                    Rewrite(p, (f2, p2, w2) => f2 == TypeTensor && WriteNested(w2, f2,
                        Rewrite(p2, (f3, p3, w3) => f3 == TensorTypeShape && WriteNested(w3, f3, FirstDimSymbolic(p3))))))));
            }

            if (field == GraphInitializer && constants.TryGetValue(ReadString(payload, TensorName), out var values))
            {
                return WriteNested(writer, field, ReplaceInt64Data(payload, values));
            }

            return false;
        });

    /// <summary>The shape with its first <c>dim</c> replaced by <c>dim_param: "batch"</c>.</summary>
    private static byte[] FirstDimSymbolic(ReadOnlySpan<byte> shape)
    {
        var done = false;
        return Rewrite(shape, (field, _, writer) =>
        {
            if (field != ShapeDim || done)
            {
                return false;
            }

            done = true;
            var dim = new ArrayBufferWriter<byte>();
            WriteTag(dim, DimParam, WireLength);
            WriteVarint(dim, 5);
            dim.Write("batch"u8);
            return WriteNested(writer, field, dim.WrittenSpan.ToArray());
        });
    }

    private static byte[] ReplaceInt64Data(ReadOnlySpan<byte> tensor, long[] values)
    {
        var raw = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), values[i]);
        }

        return Rewrite(tensor, (field, _, writer) =>
        {
            if (field == TensorRawData)
            {
                return WriteNested(writer, field, raw);
            }

            if (field == TensorInt64Data)
            {
                // Packed repeated int64: a varint each.
                var packed = new ArrayBufferWriter<byte>();
                foreach (var v in values)
                {
                    WriteVarint(packed, unchecked((ulong)v));
                }

                return WriteNested(writer, field, packed.WrittenSpan.ToArray());
            }

            return false;
        });
    }

    private delegate bool FieldRewriter(int field, ReadOnlySpan<byte> payload, ArrayBufferWriter<byte> writer);

    /// <summary>Copies a message field by field; <paramref name="rewrite"/> may write a replacement for a length-delimited field.</summary>
    private static byte[] Rewrite(ReadOnlySpan<byte> message, FieldRewriter rewrite)
    {
        var writer = new ArrayBufferWriter<byte>(message.Length + 64);
        var position = 0;
        while (position < message.Length)
        {
            var start = position;
            var tag = ReadVarint(message, ref position);
            var field = (int)(tag >> 3);
            var wire = (int)(tag & 7);
            switch (wire)
            {
                case WireVarint:
                    ReadVarint(message, ref position);
                    break;
                case Wire64:
                    position += 8;
                    break;
                case Wire32:
                    position += 4;
                    break;
                case WireLength:
                    var length = checked((int)ReadVarint(message, ref position));
                    var payload = message.Slice(position, length);
                    position += length;
                    if (rewrite(field, payload, writer))
                    {
                        continue;
                    }

                    break;
                default:
                    throw new InvalidDataException($"Unsupported protobuf wire type {wire} in the model.");
            }

            writer.Write(message[start..position]);
        }

        return writer.WrittenSpan.ToArray();
    }

    private static bool WriteNested(ArrayBufferWriter<byte> writer, int field, byte[] payload)
    {
        WriteTag(writer, field, WireLength);
        WriteVarint(writer, (ulong)payload.Length);
        writer.Write(payload);
        return true;
    }

    private static string ReadString(ReadOnlySpan<byte> message, int wanted)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, ref position);
            var wire = (int)(tag & 7);
            if (wire == WireLength)
            {
                var length = checked((int)ReadVarint(message, ref position));
                if ((int)(tag >> 3) == wanted)
                {
                    return System.Text.Encoding.UTF8.GetString(message.Slice(position, length));
                }

                position += length;
            }
            else
            {
                position += wire switch { WireVarint => 0, Wire64 => 8, Wire32 => 4, _ => throw new InvalidDataException("bad wire type") };
                if (wire == WireVarint)
                {
                    ReadVarint(message, ref position);
                }
            }
        }

        return string.Empty;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = data[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new InvalidDataException("Malformed varint in the model.");
    }

    private static void WriteTag(ArrayBufferWriter<byte> writer, int field, int wire) => WriteVarint(writer, ((ulong)field << 3) | (uint)wire);

    private static void WriteVarint(ArrayBufferWriter<byte> writer, ulong value)
    {
        Span<byte> buffer = stackalloc byte[10];
        var i = 0;
        while (value >= 0x80)
        {
            buffer[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[i++] = (byte)value;
        writer.Write(buffer[..i]);
    }
}
