using Microsoft.ML.OnnxRuntime;

namespace CompreFace.Inference;

/// <summary>
/// One model's native ONNX Runtime session, kept alive while runs use it. Disposing an <c>InferenceSession</c> while
/// another thread is inside <c>Run</c> (or still reads the outputs, which live in the session's allocator) is a
/// use-after-free that kills the whole process: a test node disposed while one of its analyses ran crashed the test host
/// with a segfault in libonnxruntime.so (CI, 2026-12-07), and a node stopping mid-analysis could do the same. So every
/// model class runs through this type: each <see cref="Run"/> holds the session until its <see cref="ModelOutputs"/> are
/// disposed, <see cref="Dispose"/> refuses new runs and waits for those in flight before freeing the session, and a run
/// that starts after that gets an <see cref="ObjectDisposedException"/> instead of a dangling session.
/// </summary>
internal sealed class ModelSession : IDisposable
{
    private readonly InferenceSession _session;

    // Monitor (not Lock): Dispose waits on it for the last run to leave.
    private readonly object _sync = new();
    private int _running;
    private bool _closed;

    public ModelSession(InferenceSession session, string modelName)
    {
        ArgumentNullException.ThrowIfNull(session);
        _session = session;
        ModelName = modelName;
    }

    /// <summary>The model's file name, for errors.</summary>
    public string ModelName { get; }

    public IReadOnlyDictionary<string, NodeMetadata> InputMetadata => _session.InputMetadata;

    public IReadOnlyDictionary<string, NodeMetadata> OutputMetadata => _session.OutputMetadata;

    /// <summary>Checks the model's declared input or output, so a wrong file fails at startup rather than on the first request.</summary>
    public void RequireShape(string name, bool isInput, int rank)
    {
        var metadata = isInput ? InputMetadata : OutputMetadata;
        if (!metadata.TryGetValue(name, out var node) || node.ElementType != typeof(float) || node.Dimensions.Length != rank)
        {
            throw new InvalidOperationException(
                $"Model {ModelName} has no float {(isInput ? "input" : "output")} '{name}' of rank {rank}; found: {string.Join(", ", metadata.Select(m => $"{m.Key}[{string.Join(',', m.Value.Dimensions)}]"))}.");
        }
    }

    /// <summary>
    /// Runs the model; the run stops (with an <see cref="OnnxRuntimeException"/>) when <paramref name="cancellationToken"/>
    /// fires. Dispose the outputs once read: until then they hold the session.
    /// </summary>
    public ModelOutputs Run(IReadOnlyCollection<string> inputNames, IReadOnlyCollection<OrtValue> inputs, IReadOnlyCollection<string> outputNames, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            _running++;
        }

        // One RunOptions per call: Terminate stops every run that shares an instance.
        var options = new RunOptions();
        var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static state => ((RunOptions)state!).Terminate = true, options)
            : default;
        try
        {
            return new ModelOutputs(this, _session.Run(options, inputNames, inputs, outputNames), options, registration);
        }
        catch
        {
            registration.Dispose();
            options.Dispose();
            Leave();
            throw;
        }
    }

    /// <summary>Refuses new runs, waits until the runs in flight have ended (milliseconds to a second), then frees the session.</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            while (_running > 0)
            {
                Monitor.Wait(_sync);
            }
        }

        _session.Dispose();
    }

    private void Leave()
    {
        lock (_sync)
        {
            if (--_running == 0)
            {
                Monitor.PulseAll(_sync);
            }
        }
    }

    /// <summary>The outputs of one run, in the order asked for; disposing them ends the run's hold on the session.</summary>
    internal sealed class ModelOutputs(ModelSession owner, IDisposableReadOnlyCollection<OrtValue> values, RunOptions options, CancellationTokenRegistration registration) : IDisposable
    {
        private bool _disposed;

        public IReadOnlyList<OrtValue> Values => values;

        public OrtValue this[int index] => values[index];

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            values.Dispose();
            registration.Dispose();
            options.Dispose();
            owner.Leave();
        }
    }
}
