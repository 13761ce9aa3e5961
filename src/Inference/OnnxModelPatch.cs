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
    private const int GraphNode = 1;
    private const int GraphInitializer = 5;
    private const int NodeInput = 1;
    private const int NodeOutput = 2;
    private const int NodeName = 3;
    private const int NodeOpType = 4;
    private const int NodeDomain = 7;
    private const int TensorDataType = 2;
    private const int TensorFloat = 1;
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

    /// <summary>
    /// Returns a copy of <paramref name="model"/> in which every <c>PRelu(x, slope)</c> becomes <c>Relu(x) + Min(x, 0)·slope</c>.
    /// Both give exactly the same numbers (for x &lt; 0: 0 + x·slope; otherwise x + 0·slope = x), but ONNX Runtime's CPU PRelu is a
    /// generic broadcasting kernel: in MobileFaceNet its 33 nodes took 57–62 % of the run, against vectorised element-wise
    /// kernels here (docs/performance.md, P12). A first version, <c>Max(x, x·slope)</c>, was exact only for slopes ≤ 1 and made
    /// ONNX Runtime fold the product into a second copy of the preceding convolution.
    /// </summary>
    public static byte[] WithPReluDecomposed(ReadOnlySpan<byte> model) =>
        Rewrite(model, (field, payload, writer) => field == ModelGraph && WriteNested(writer, field, RewritePRelu(payload)));

    /// <summary>How many nodes of the main graph have operator <paramref name="opType"/> (default domain).</summary>
    internal static int CountNodes(ReadOnlySpan<byte> model, string opType)
    {
        var count = 0;
        _ = Rewrite(model, (field, graph, unused) =>
        {
            if (field == ModelGraph)
            {
                _ = Rewrite(graph, (f, node, ignored) =>
                {
                    count += f == GraphNode && ReadString(node, NodeOpType) == opType && ReadString(node, NodeDomain).Length == 0 ? 1 : 0;
                    return false;
                });
            }

            return false;
        });
        return count;
    }

    private static byte[] RewritePRelu(ReadOnlySpan<byte> graph)
    {
        const string Zero = "prelu_decomposed/zero";
        var replaced = 0;
        var rewritten = Rewrite(graph, (field, payload, writer) =>
        {
            if (field != GraphNode || ReadString(payload, NodeOpType) != "PRelu" || ReadString(payload, NodeDomain).Length > 0)
            {
                return false;
            }

            var inputs = ReadStrings(payload, NodeInput);
            var outputs = ReadStrings(payload, NodeOutput);
            if (inputs.Count != 2 || outputs.Count != 1)
            {
                return false;
            }

            var name = ReadString(payload, NodeName) + "/prelu";
            var y = outputs[0];
            replaced++;
            WriteNested(writer, GraphNode, Node(name + "_relu", "Relu", [inputs[0]], y + "/relu"));
            WriteNested(writer, GraphNode, Node(name + "_min", "Min", [inputs[0], Zero], y + "/negative"));
            WriteNested(writer, GraphNode, Node(name + "_mul", "Mul", [y + "/negative", inputs[1]], y + "/scaled"));
            return WriteNested(writer, GraphNode, Node(name + "_add", "Add", [y + "/relu", y + "/scaled"], y));
        });

        if (replaced == 0)
        {
            return graph.ToArray();
        }

        // The scalar 0 the Min nodes compare with.
        var zero = new ArrayBufferWriter<byte>();
        WriteTag(zero, TensorDataType, WireVarint);
        WriteVarint(zero, TensorFloat);
        WriteString(zero, TensorName, Zero);
        WriteTag(zero, TensorRawData, WireLength);
        WriteVarint(zero, 4);
        zero.Write(new byte[4]);
        var result = new ArrayBufferWriter<byte>(rewritten.Length + 64);
        result.Write(rewritten);
        WriteNested(result, GraphInitializer, zero.WrittenSpan.ToArray());
        return result.WrittenSpan.ToArray();
    }

    private static byte[] Node(string name, string opType, string[] inputs, string output)
    {
        var node = new ArrayBufferWriter<byte>();
        foreach (var input in inputs)
        {
            WriteString(node, NodeInput, input);
        }

        WriteString(node, NodeOutput, output);
        WriteString(node, NodeName, name);
        WriteString(node, NodeOpType, opType);
        return node.WrittenSpan.ToArray();
    }

    private static List<string> ReadStrings(ReadOnlySpan<byte> message, int wanted)
    {
        var result = new List<string>();
        _ = Rewrite(message, (field, payload, _) =>
        {
            if (field == wanted)
            {
                result.Add(System.Text.Encoding.UTF8.GetString(payload));
            }

            return false;
        });
        return result;
    }

    private static void WriteString(ArrayBufferWriter<byte> writer, int field, string value)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(value);
        WriteTag(writer, field, WireLength);
        WriteVarint(writer, (ulong)bytes.Length);
        writer.Write(bytes);
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
