using Google.Protobuf;

namespace CompreFace.ModelConverter;

/// <summary>
/// Writes one protobuf message field by field (numbers from the schema), in the order the caller gives, which is field
/// order everywhere in this tool: the same input always gives the same bytes. Nested messages are built first and
/// written as length-delimited bytes, so no generated code (and no protoc) is needed for the few ONNX messages used.
/// </summary>
internal sealed class ProtoWriter : IDisposable
{
    private readonly MemoryStream _buffer = new();
    private readonly CodedOutputStream _output;

    public ProtoWriter() => _output = new CodedOutputStream(_buffer, leaveOpen: true);

    public static byte[] Message(Action<ProtoWriter> write)
    {
        using var writer = new ProtoWriter();
        write(writer);
        return writer.ToArray();
    }

    public ProtoWriter Int64(int field, long value)
    {
        _output.WriteTag(field, WireFormat.WireType.Varint);
        _output.WriteInt64(value);
        return this;
    }

    public ProtoWriter Float(int field, float value)
    {
        _output.WriteTag(field, WireFormat.WireType.Fixed32);
        _output.WriteFloat(value);
        return this;
    }

    public ProtoWriter String(int field, string value)
    {
        _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _output.WriteString(value);
        return this;
    }

    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _output.WriteBytes(ByteString.CopyFrom(value));
        return this;
    }

    public ProtoWriter Nested(int field, Action<ProtoWriter> write) => Bytes(field, Message(write));

    /// <summary>A repeated int64 in packed encoding (proto3's default; every protobuf parser accepts it).</summary>
    public ProtoWriter PackedInt64(int field, IReadOnlyList<long> values)
    {
        using var packed = new ProtoWriter();
        foreach (var value in values)
        {
            packed._output.WriteInt64(value);
        }

        return Bytes(field, packed.ToArray());
    }

    public void Dispose()
    {
        _output.Dispose();
        _buffer.Dispose();
    }

    public byte[] ToArray()
    {
        _output.Flush();
        return _buffer.ToArray();
    }
}
