using System.Buffers;
using Microsoft.ML.OnnxRuntime;

namespace CompreFace.Inference;

/// <summary>Writes the normalised CHW input of face <paramref name="face"/> into <paramref name="chw"/>.</summary>
internal delegate void FaceInputWriter<TState>(in TState state, int face, Span<float> chw);

/// <summary>Reads the outputs of one run: batch row <c>i</c> belongs to face <paramref name="first"/> + <c>i</c>.</summary>
internal delegate void FaceOutputReader<TState>(in TState state, IReadOnlyList<OrtValue> outputs, int first, int count);

/// <summary>
/// One ONNX session over face crops, shared by the embedders and the ONNX plugins: a <c>[N,3,S,S]</c> float input
/// (created and shape-checked once, at start), filled face by face from one pooled buffer, and one run per batch: all
/// faces at once when the export has a symbolic batch dimension, else one by one.
/// </summary>
internal sealed class FaceBatchSession : IDisposable
{
    private readonly ModelSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly int _plane;

    /// <summary>
    /// Opens <paramref name="model"/> and checks its input and outputs: each output exists, and when
    /// <paramref name="outputRank"/> is given is a float tensor of that rank.
    /// </summary>
    public FaceBatchSession(
        OnnxRuntimeHost runtime, ModelDescriptor model, int size, string inputName, IReadOnlyList<string> outputNames, int? outputRank = null, Func<byte[], byte[]>? patch = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(outputNames);
        _session = runtime.CreateSession(
            model,
            session =>
            {
                session.RequireShape(inputName, isInput: true, rank: 4);
                foreach (var output in outputNames)
                {
                    if (outputRank is { } rank)
                    {
                        session.RequireShape(output, isInput: false, rank);
                    }
                    else if (!session.OutputMetadata.ContainsKey(output))
                    {
                        throw new InvalidOperationException($"Model {model.FileName} has no output '{output}'.");
                    }
                }

                var input = session.InputMetadata[inputName].Dimensions;
                if (input[1] != 3 || input[2] != size || input[3] != size)
                {
                    throw new InvalidOperationException($"Model {model.FileName} expects [{string.Join(',', input)}], not [N,3,{size},{size}].");
                }
            },
            patch);

        // A symbolic batch dimension reads as -1; a model pinned to 1 runs faces one by one.
        IsBatched = _session.InputMetadata[inputName].Dimensions[0] <= 0;

        Size = size;
        _inputNames = [inputName];
        _outputNames = [.. outputNames];
        _plane = 3 * size * size;
    }

    /// <summary>Network input side.</summary>
    public int Size { get; }

    /// <summary>Whether all faces of an image go through one batched run.</summary>
    public bool IsBatched { get; }

    /// <summary>The declared dimensions of the <paramref name="output"/>-th output given to the constructor.</summary>
    public int[] OutputDimensions(int output) => _session.OutputMetadata[_outputNames[output]].Dimensions;

    /// <summary>
    /// Runs the model over <paramref name="faceCount"/> faces: <paramref name="write"/> fills each face's input, and
    /// <paramref name="read"/> gets each run's outputs (in the order given to the constructor) with the faces they hold.
    /// The state travels by reference, so static lambdas allocate nothing per call.
    /// </summary>
    public void Run<TState>(int faceCount, in TState state, FaceInputWriter<TState> write, FaceOutputReader<TState> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(read);
        if (faceCount == 0)
        {
            return;
        }

        var batch = IsBatched ? faceCount : 1;
        var buffer = ArrayPool<float>.Shared.Rent(batch * _plane);
        try
        {
            for (var start = 0; start < faceCount; start += batch)
            {
                var count = Math.Min(batch, faceCount - start);
                for (var i = 0; i < count; i++)
                {
                    write(state, start + i, buffer.AsSpan(i * _plane, _plane));
                }

                using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, count * _plane), [count, 3, Size, Size]);
                using var outputs = _session.Run(_inputNames, [input], _outputNames, cancellationToken);
                read(state, outputs.Values, start, count);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    public void Dispose() => _session.Dispose();
}
