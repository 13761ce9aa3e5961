using System.Security.Cryptography;
using CompreFace.Inference;
using CompreFace.ModelConverter;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace CompreFace.Tools.Tests;

public sealed class ModelConverterTests(ConvertedModelsFixture converted, ITestOutputHelper log) : IClassFixture<ConvertedModelsFixture>
{
    private const float Tolerance = 1e-4f;

    // Shared sample photos: different people, poses and lighting.
    private static readonly string[] Photos = ["000_5.jpg", "001_A.jpg", "007_B.jpg", "009_C.jpg", "014_5.jpg"];

    public static TheoryData<string> ConvertedFiles => [.. Converters.All.Select(m => m.FileName)];

    [Fact]
    public async Task Convert_TwoRuns_GiveIdenticalBytes()
    {
        var second = await Converter.ConvertAllAsync();
        try
        {
            foreach (var model in Converters.All)
            {
                Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(converted.Directory, model.FileName)), await File.ReadAllBytesAsync(Path.Combine(second, model.FileName)));
            }
        }
        finally
        {
            Directory.Delete(second, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(ConvertedFiles))]
    public void Convert_Output_MatchesCatalogChecksumAndSize(string fileName)
    {
        var entry = ModelCatalog.All.Single(m => m.FileName == fileName);
        var bytes = File.ReadAllBytes(Path.Combine(converted.Directory, fileName));
        Assert.Equal(entry.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Equal(entry.Size, bytes.LongLength);
        Assert.Equal(entry.EquivalentSha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(SharedData.ModelsDirectory, fileName)))));
    }

    [Fact]
    public void Convert_Catalog_ListsEveryConvertedModel() =>
        Assert.Equal(
            ModelCatalog.All.Where(m => m.EquivalentSha256 is not null).Select(m => m.FileName).Order(),
            Converters.All.Select(m => m.FileName).Order());

    [Theory]
    [InlineData("age_gender_faceapi.onnx", 112, 256f)]
    [InlineData("landmark68_faceapi.onnx", 112, 255f)]
    [InlineData("dlib_resnet128_faceapi.onnx", 150, 256f)]
    [InlineData("mask_aizoo_260.onnx", 260, 0f)]
    public void Convert_Output_ComputesWhatTheReferenceComputes(string fileName, int size, float faceApiDivisor)
    {
        var input = PhotoBatch(size, faceApiDivisor);
        using var reference = new InferenceSession(Path.Combine(SharedData.ModelsDirectory, fileName));
        using var ours = new InferenceSession(Path.Combine(converted.Directory, fileName));
        Assert.Equal(reference.InputMetadata.Keys, ours.InputMetadata.Keys);
        Assert.Equal(reference.OutputMetadata.Keys, ours.OutputMetadata.Keys);
        foreach (var (name, meta) in reference.OutputMetadata)
        {
            Assert.Equal(meta.Dimensions, ours.OutputMetadata[name].Dimensions);
        }

        var expected = Run(reference, input);
        var actual = Run(ours, input);
        foreach (var (name, values) in expected)
        {
            var maxDiff = values.Zip(actual[name], (a, b) => Math.Abs(a - b)).Max();
            log.WriteLine($"{fileName} {name}: {values.Length} values, max abs difference {maxDiff}");
            Assert.True(maxDiff <= Tolerance, $"{fileName} output {name}: max abs difference {maxDiff}");
        }

        if (fileName.StartsWith("mask", StringComparison.Ordinal))
        {
            // The class the plugin reports: at the most confident anchor of each photo, mask (0) or no mask (1).
            Assert.Equal(MaskClasses(expected["cls"]), MaskClasses(actual["cls"]));
        }
    }

    [Fact]
    public async Task Convert_TruncatedWeights_FailsWithoutOutput()
    {
        var upstream = Directory.CreateTempSubdirectory("compreface-upstream-").FullName;
        var output = Path.Combine(upstream, "out");
        try
        {
            var faceApi = Directory.CreateDirectory(Path.Combine(upstream, Converters.FaceApiFolder)).FullName;
            foreach (var name in new[] { "face_landmark_68_model-weights_manifest.json", "face_landmark_68_model.bin" })
            {
                File.Copy(Path.Combine(Converter.Upstream, Converters.FaceApiFolder, name), Path.Combine(faceApi, name));
            }

            var bin = Path.Combine(faceApi, "face_landmark_68_model.bin");
            await File.WriteAllBytesAsync(bin, (await File.ReadAllBytesAsync(bin))[..^100]);
            var (exitCode, text) = await Converter.RunAsync(upstream, output, "landmark68_faceapi.onnx");
            Assert.NotEqual(0, exitCode);
            Assert.Contains("face_landmark_68_model", text, StringComparison.Ordinal);
            Assert.Empty(Directory.Exists(output) ? Directory.GetFiles(output) : []);
        }
        finally
        {
            Directory.Delete(upstream, recursive: true);
        }
    }

    private static Dictionary<string, float[]> Run(InferenceSession session, DenseTensor<float> input)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input.Buffer, [.. input.Dimensions.ToArray().Select(d => (long)d)]);
        var names = session.OutputMetadata.Keys.ToArray();
        using var results = session.Run(new RunOptions(), ["input"], [value], names);
        return names.Zip(results).ToDictionary(p => p.First, p => p.Second.GetTensorDataAsSpan<float>().ToArray());
    }

    /// <summary>
    /// The central square of each photo, resized to <paramref name="size"/> (nearest pixel), RGB NCHW, normalised as the
    /// model expects: face-api's mean and divisor, or pixel/255 for the mask detector (<paramref name="faceApiDivisor"/> 0).
    /// </summary>
    private static DenseTensor<float> PhotoBatch(int size, float faceApiDivisor)
    {
        var decoder = new ImageDecoder(Options.Create(new ImageLimitsOptions()));
        float[] mean = faceApiDivisor == 0 ? [0f, 0f, 0f] : [122.782f, 117.001f, 104.298f];
        var divisor = faceApiDivisor == 0 ? 255f : faceApiDivisor;
        var tensor = new DenseTensor<float>([Photos.Length, 3, size, size]);
        for (var n = 0; n < Photos.Length; n++)
        {
            using var image = decoder.Decode(SharedData.SampleBytes(Photos[n]));
            var side = Math.Min(image.Width, image.Height);
            int x0 = (image.Width - side) / 2, y0 = (image.Height - side) / 2;
            for (var y = 0; y < size; y++)
            {
                for (var x = 0; x < size; x++)
                {
                    var sx = x0 + (x * side / size);
                    var sy = y0 + (y * side / size);
                    var p = ((sy * image.Width) + sx) * 3;
                    for (var c = 0; c < 3; c++)
                    {
                        tensor[n, c, y, x] = (image.Bgr[p + 2 - c] - mean[c]) / divisor;
                    }
                }
            }
        }

        return tensor;
    }

    private static int[] MaskClasses(float[] cls)
    {
        var perPhoto = AizooMaskConverter.Anchors * 2;
        return [.. Enumerable.Range(0, cls.Length / perPhoto).Select(n =>
        {
            var row = cls.AsSpan(n * perPhoto, perPhoto);
            var best = 0;
            for (var i = 1; i < row.Length; i++)
            {
                if (row[i] > row[best])
                {
                    best = i;
                }
            }

            return best % 2;
        })];
    }
}
