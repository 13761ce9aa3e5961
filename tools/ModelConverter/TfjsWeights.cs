using System.Buffers.Binary;
using System.Text.Json;

namespace CompreFace.ModelConverter;

/// <summary>
/// Reads a TensorFlow.js weights manifest (<c>NAME-weights_manifest.json</c>) and its shard files: float32 weights as
/// they are, uint8-quantized ones dequantized as TensorFlow.js does (<c>q · scale + min</c> in float32).
/// </summary>
internal static class TfjsWeights
{
    public static Dictionary<string, Tensor> Load(string directory, string name)
    {
        var manifestPath = Path.Combine(directory, name + "-weights_manifest.json");
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var group in manifest.RootElement.EnumerateArray())
        {
            // A group's shards are one byte stream split into files.
            var data = group.GetProperty("paths").EnumerateArray()
                .SelectMany(p => File.ReadAllBytes(Path.Combine(directory, p.GetString()!)))
                .ToArray();
            var offset = 0;
            foreach (var weight in group.GetProperty("weights").EnumerateArray())
            {
                var weightName = weight.GetProperty("name").GetString()!;
                var shape = weight.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
                var count = shape.Aggregate(1, (a, b) => a * b);
                var dtype = weight.GetProperty("dtype").GetString();
                if (dtype != "float32")
                {
                    throw new InvalidDataException($"{manifestPath}: weight {weightName} has dtype {dtype}; only float32 is supported.");
                }

                var values = new float[count];
                if (weight.TryGetProperty("quantization", out var quantization))
                {
                    var qtype = quantization.GetProperty("dtype").GetString();
                    if (qtype != "uint8")
                    {
                        throw new InvalidDataException($"{manifestPath}: weight {weightName} is quantized as {qtype}; only uint8 is supported.");
                    }

                    var scale = (float)quantization.GetProperty("scale").GetDouble();
                    var min = (float)quantization.GetProperty("min").GetDouble();
                    Require(data, offset, count, manifestPath);
                    for (var i = 0; i < count; i++)
                    {
                        values[i] = (data[offset + i] * scale) + min;
                    }

                    offset += count;
                }
                else
                {
                    Require(data, offset, count * sizeof(float), manifestPath);
                    for (var i = 0; i < count; i++)
                    {
                        values[i] = BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(offset + (i * sizeof(float))));
                    }

                    offset += count * sizeof(float);
                }

                weights.Add(weightName, new Tensor(values, shape));
            }

            if (offset != data.Length)
            {
                throw new InvalidDataException($"{manifestPath}: the manifest describes {offset} bytes, the weight files hold {data.Length}.");
            }
        }

        return weights;
    }

    private static void Require(byte[] data, int offset, int count, string manifestPath)
    {
        if (offset + count > data.Length)
        {
            throw new InvalidDataException($"{manifestPath}: the weight files end before the manifest's weights do.");
        }
    }
}
