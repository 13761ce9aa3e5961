using System.Buffers.Binary;

namespace CompreFace.ModelConverter;

/// <summary>One attribute of an ONNX node: an int or a list of ints is all these graphs use.</summary>
internal readonly record struct OnnxAttribute(string Name, long? Int, long[]? Ints)
{
    public static OnnxAttribute Of(string name, long value) => new(name, value, null);

    public static OnnxAttribute Of(string name, params long[] values) => new(name, null, values);
}

/// <summary>
/// Builds an ONNX model (onnx.proto3 field numbers) node by node and serialises it deterministically: names come from a
/// counter, fields are written in field-number order, weights as little-endian <c>raw_data</c>, and the header is fixed
/// (IR version 7, default-domain opset 13, this tool as producer, no timestamps or paths).
/// </summary>
internal sealed class OnnxGraph
{
    public const long IrVersion = 7;
    public const long Opset = 13;
    public const string Producer = "CompreFace.ModelConverter";
    public const string ProducerVersion = "1";

    // ModelProto
    private const int ModelIrVersion = 1;
    private const int ModelProducerName = 2;
    private const int ModelProducerVersion = 3;
    private const int ModelDocString = 6;
    private const int ModelGraph = 7;
    private const int ModelOpsetImport = 8;

    // OperatorSetIdProto
    private const int OpsetVersion = 2;

    // GraphProto
    private const int GraphNode = 1;
    private const int GraphName = 2;
    private const int GraphInitializer = 5;
    private const int GraphInput = 11;
    private const int GraphOutput = 12;

    // NodeProto
    private const int NodeInput = 1;
    private const int NodeOutput = 2;
    private const int NodeName = 3;
    private const int NodeOpType = 4;
    private const int NodeAttribute = 5;

    // AttributeProto (type: INT = 2, INTS = 7)
    private const int AttributeName = 1;
    private const int AttributeInt = 3;
    private const int AttributeInts = 8;
    private const int AttributeType = 20;
    private const long AttributeTypeInt = 2;
    private const long AttributeTypeInts = 7;

    // TensorProto (data_type: FLOAT = 1, INT64 = 7)
    private const int TensorDims = 1;
    private const int TensorDataType = 2;
    private const int TensorName = 8;
    private const int TensorRawData = 9;
    private const long DataTypeFloat = 1;
    private const long DataTypeInt64 = 7;

    // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, TensorShapeProto.Dimension
    private const int ValueInfoName = 1;
    private const int ValueInfoType = 2;
    private const int TypeTensor = 1;
    private const int TensorTypeElemType = 1;
    private const int TensorTypeShape = 2;
    private const int ShapeDim = 1;
    private const int DimValue = 1;
    private const int DimParam = 2;

    private readonly List<byte[]> _nodes = [];
    private readonly List<byte[]> _initializers = [];
    private int _counter;

    public int NodeCount => _nodes.Count;

    /// <summary>A fresh value name: <paramref name="prefix"/> and a running number.</summary>
    public string NewName(string prefix) => $"{prefix}_{++_counter}";

    /// <summary>Adds a float initializer and returns its name.</summary>
    public string Constant(Tensor tensor, string prefix)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var raw = new byte[tensor.Data.Length * sizeof(float)];
        for (var i = 0; i < tensor.Data.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), tensor.Data[i]);
        }

        return AddInitializer(NewName(prefix), [.. tensor.Shape.Select(d => (long)d)], DataTypeFloat, raw);
    }

    /// <summary>Adds a 1-d int64 initializer (shapes, pads) and returns its name.</summary>
    public string Int64Constant(long[] values, string prefix)
    {
        ArgumentNullException.ThrowIfNull(values);
        var raw = new byte[values.Length * sizeof(long)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * sizeof(long)), values[i]);
        }

        return AddInitializer(NewName(prefix), [values.Length], DataTypeInt64, raw);
    }

    /// <summary>Adds a node with one fresh output and returns the output's name.</summary>
    public string Node(string opType, string[] inputs, params OnnxAttribute[] attributes)
    {
        var output = NewName(opType.ToLowerInvariant());
        NodeTo(opType, inputs, output, attributes);
        return output;
    }

    /// <summary>Adds a node whose output has the given name (a graph output).</summary>
    public void NodeTo(string opType, string[] inputs, string output, params OnnxAttribute[] attributes)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var name = $"{opType}_{_nodes.Count}";
        _nodes.Add(ProtoWriter.Message(w =>
        {
            foreach (var input in inputs)
            {
                w.String(NodeInput, input);
            }

            w.String(NodeOutput, output).String(NodeName, name).String(NodeOpType, opType);
            foreach (var attribute in attributes)
            {
                w.Nested(NodeAttribute, a =>
                {
                    a.String(AttributeName, attribute.Name);
                    if (attribute.Ints is { } ints)
                    {
                        a.PackedInt64(AttributeInts, ints).Int64(AttributeType, AttributeTypeInts);
                    }
                    else
                    {
                        a.Int64(AttributeInt, attribute.Int!.Value).Int64(AttributeType, AttributeTypeInt);
                    }
                });
            }
        }));
    }

    /// <summary>
    /// The serialised ModelProto. Shapes use strings for symbolic dimensions (<c>"N"</c>) and numbers otherwise.
    /// </summary>
    public byte[] ToModel(string graphName, string docString, (string Name, object[] Shape) input, params (string Name, object[] Shape)[] outputs) =>
        ProtoWriter.Message(m =>
        {
            m.Int64(ModelIrVersion, IrVersion)
                .String(ModelProducerName, Producer)
                .String(ModelProducerVersion, ProducerVersion)
                .String(ModelDocString, docString)
                .Nested(ModelGraph, g =>
                {
                    foreach (var node in _nodes)
                    {
                        g.Bytes(GraphNode, node);
                    }

                    g.String(GraphName, graphName);
                    foreach (var initializer in _initializers)
                    {
                        g.Bytes(GraphInitializer, initializer);
                    }

                    g.Bytes(GraphInput, ValueInfo(input.Name, input.Shape));
                    foreach (var (name, shape) in outputs)
                    {
                        g.Bytes(GraphOutput, ValueInfo(name, shape));
                    }
                })
                .Nested(ModelOpsetImport, o => o.Int64(OpsetVersion, Opset));
        });

    private static byte[] ValueInfo(string name, object[] shape) => ProtoWriter.Message(v => v
        .String(ValueInfoName, name)
        .Nested(ValueInfoType, t => t.Nested(TypeTensor, tt => tt
            .Int64(TensorTypeElemType, DataTypeFloat)
            .Nested(TensorTypeShape, s =>
            {
                foreach (var dim in shape)
                {
                    s.Nested(ShapeDim, d =>
                    {
                        if (dim is string param)
                        {
                            d.String(DimParam, param);
                        }
                        else
                        {
                            d.Int64(DimValue, Convert.ToInt64(dim, System.Globalization.CultureInfo.InvariantCulture));
                        }
                    });
                }
            }))));

    private string AddInitializer(string name, long[] dims, long dataType, byte[] raw)
    {
        _initializers.Add(ProtoWriter.Message(t =>
        {
            t.PackedInt64(TensorDims, dims).Int64(TensorDataType, dataType).String(TensorName, name).Bytes(TensorRawData, raw);
        }));
        return name;
    }
}
