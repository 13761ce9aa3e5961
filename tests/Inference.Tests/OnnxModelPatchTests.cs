using Microsoft.ML.OnnxRuntime;
using Xunit;

namespace CompreFace.Inference.Tests;

public sealed class OnnxModelPatchTests
{
    /// <summary>
    /// MobileFaceNet's 33 PRelu activations rewritten as Relu(x) + Min(x, 0)·slope: none is left, and the embeddings stay those
    /// of the published graph.
    /// </summary>
    [Fact]
    public void WithPReluDecomposed_MobileFaceNet_ReplacesEveryPReluAndKeepsOutputs()
    {
        var published = File.ReadAllBytes(Path.Combine(SharedData.ModelsDirectory, ModelCatalog.MobileFaceNet512.FileName));
        var lifted = MobileFaceNetEmbedder.LiftBatch(published);
        var prepared = MobileFaceNetEmbedder.Prepare(published);
        Assert.Equal(33, OnnxModelPatch.CountNodes(lifted, "PRelu"));
        Assert.Equal(0, OnnxModelPatch.CountNodes(prepared, "PRelu"));
        Assert.Equal(33, OnnxModelPatch.CountNodes(prepared, "Min"));

        using var before = new InferenceSession(lifted);
        using var after = new InferenceSession(prepared);
        var random = new Random(12);
        const int Batch = 3;
        var input = new float[Batch * 3 * 112 * 112];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (float)((random.NextDouble() * 2) - 1);
        }

        using var value = OrtValue.CreateTensorValueFromMemory(input, [Batch, 3, 112, 112]);
        using var a = before.Run(new RunOptions(), ["input"], [value], ["output"]);
        using var b = after.Run(new RunOptions(), ["input"], [value], ["output"]);
        var x = a[0].GetTensorDataAsSpan<float>();
        var y = b[0].GetTensorDataAsSpan<float>();
        Assert.Equal(Batch * 512, y.Length);
        var worst = 0f;
        for (var i = 0; i < x.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(x[i] - y[i]) / Math.Max(1f, Math.Abs(x[i])));
        }

        Assert.True(worst < 1e-4f, $"largest difference {worst}");
    }

    [Fact]
    public void WithPReluDecomposed_ModelWithoutPRelu_Unchanged()
    {
        var yunet = File.ReadAllBytes(Path.Combine(SharedData.ModelsDirectory, ModelCatalog.YuNetDynamic.FileName));
        Assert.Equal(yunet, OnnxModelPatch.WithPReluDecomposed(yunet));
    }
}
