using System.Buffers.Binary;
using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf;

namespace CompreFace.ModelConverter;

/// <summary>Kernel, stride and padding of one Caffe layer, from the prototxt.</summary>
internal sealed record CaffeLayerShape(int Kernel, int Stride, int Pad);

/// <summary>
/// Reads what the mask converter needs from Caffe's files: the weight blobs of each layer from the binary
/// <c>.caffemodel</c> (a NetParameter; field numbers from caffe.proto), and kernel/stride/pad of each convolution and
/// pooling layer from the text <c>.prototxt</c>.
/// </summary>
internal static partial class CaffeModel
{
    // NetParameter.layer, LayerParameter.name / .blobs, BlobProto.data / .shape (+ legacy num/channels/height/width), BlobShape.dim
    private const int NetLayer = 100;
    private const int LayerName = 1;
    private const int LayerBlobs = 7;
    private const int BlobData = 5;
    private const int BlobShapeField = 7;
    private const int BlobShapeDim = 1;

    /// <summary>Every layer that has weights: name → blobs (weights first, then bias).</summary>
    public static Dictionary<string, List<Tensor>> ReadBlobs(string path)
    {
        var layers = new Dictionary<string, List<Tensor>>(StringComparer.Ordinal);
        var input = new CodedInputStream(File.ReadAllBytes(path));
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != NetLayer || WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
            {
                input.SkipLastField();
                continue;
            }

            var (name, blobs) = ReadLayer(input.ReadBytes());
            if (name is not null && blobs.Count > 0)
            {
                layers[name] = blobs;
            }
        }

        return layers;
    }

    /// <summary>Kernel, stride and pad of every Convolution and Pooling layer in <paramref name="prototxt"/>, by layer name.</summary>
    public static Dictionary<string, CaffeLayerShape> ReadLayerShapes(string prototxt)
    {
        var shapes = new Dictionary<string, CaffeLayerShape>(StringComparer.Ordinal);
        foreach (Match layer in LayerBlock().Matches(File.ReadAllText(prototxt)))
        {
            var body = layer.Groups[1].Value;
            var name = Field(body, "name");
            var type = Field(body, "type");
            if (name is null || type is not ("Convolution" or "Pooling"))
            {
                continue;
            }

            shapes[name] = new CaffeLayerShape(
                Number(body, "kernel_size") ?? throw new InvalidDataException($"{prototxt}: layer {name} has no kernel_size."),
                Number(body, "stride") ?? 1,
                Number(body, "pad") ?? 0);
        }

        return shapes;
    }

    private static (string? Name, List<Tensor> Blobs) ReadLayer(ByteString bytes)
    {
        string? name = null;
        var blobs = new List<Tensor>();
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case LayerName:
                    name = input.ReadString();
                    break;
                case LayerBlobs:
                    blobs.Add(ReadBlob(input.ReadBytes()));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return (name, blobs);
    }

    private static Tensor ReadBlob(ByteString bytes)
    {
        var dims = new List<int>();
        var legacy = new Dictionary<int, int>();
        var data = new List<float>();
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var field = WireFormat.GetTagFieldNumber(tag);
            var wire = WireFormat.GetTagWireType(tag);
            if (field == BlobData && wire == WireFormat.WireType.LengthDelimited)
            {
                var packed = input.ReadBytes().Span;
                for (var i = 0; i + sizeof(float) <= packed.Length; i += sizeof(float))
                {
                    data.Add(BinaryPrimitives.ReadSingleLittleEndian(packed[i..]));
                }
            }
            else if (field == BlobData && wire == WireFormat.WireType.Fixed32)
            {
                data.Add(input.ReadFloat());
            }
            else if (field == BlobShapeField)
            {
                dims.AddRange(ReadShape(input.ReadBytes()));
            }
            else if (field is >= 1 and <= 4 && wire == WireFormat.WireType.Varint)
            {
                legacy[field] = input.ReadInt32();
            }
            else
            {
                input.SkipLastField();
            }
        }

        if (dims.Count == 0)
        {
            dims.AddRange(Enumerable.Range(1, 4).Select(f => legacy.GetValueOrDefault(f, 1)));
        }

        return new Tensor([.. data], [.. dims]);
    }

    private static List<int> ReadShape(ByteString bytes)
    {
        var dims = new List<int>();
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != BlobShapeDim)
            {
                input.SkipLastField();
            }
            else if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                var packed = input.ReadBytes().CreateCodedInput();
                while (!packed.IsAtEnd)
                {
                    dims.Add(checked((int)packed.ReadInt64()));
                }
            }
            else
            {
                dims.Add(checked((int)input.ReadInt64()));
            }
        }

        return dims;
    }

    private static string? Field(string body, string key)
    {
        var match = Regex.Match(body, $@"(?m)^\s*{key}:\s*""([^""]*)""");
        return match.Success ? match.Groups[1].Value : null;
    }

    private static int? Number(string body, string key)
    {
        var match = Regex.Match(body, $@"(?m)^\s*{key}:\s*(\d+)");
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    // A top-level "layer { ... }" block; the blocks nest one level (convolution_param { ... }), which the pattern allows.
    [GeneratedRegex(@"(?ms)^layer\s*\{((?:[^{}]|\{[^{}]*\})*)\}")]
    private static partial Regex LayerBlock();
}
