namespace CompreFace.Inference;

/// <summary>
/// Keeps a native ONNX Runtime session alive while runs use it. Disposing an <c>InferenceSession</c> while another
/// thread is inside <c>Run</c> (or still reads the outputs, which live in the session's allocator) is a use-after-free
/// that kills the whole process: a test node disposed while one of its analyses ran crashed the test host with a
/// segfault in libonnxruntime.so (CI, 2026-12-07), and a node stopping mid-analysis could do the same. Each run holds a
/// <see cref="Lease"/>; <see cref="Close"/> waits for the leases out before the owner disposes the session, and a run
/// that starts after it gets an <see cref="ObjectDisposedException"/> instead of a dangling session.
/// </summary>
internal sealed class SessionRunGate
{
    private readonly Lock _sync = new();
    private int _running;
    private bool _closed;

    /// <summary>Takes a lease for one run; dispose it after the run's outputs have been read.</summary>
    public Lease Enter()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            _running++;
        }

        return new Lease(this);
    }

    /// <summary>Refuses new runs and waits until the runs in flight have ended (a run takes milliseconds to a second).</summary>
    public void Close()
    {
        lock (_sync)
        {
            _closed = true;
        }

        SpinWait.SpinUntil(() => Volatile.Read(ref _running) == 0);
    }

    private void Exit()
    {
        lock (_sync)
        {
            _running--;
        }
    }

    /// <summary>One run's hold on the session.</summary>
    public readonly struct Lease(SessionRunGate gate) : IDisposable
    {
        public void Dispose() => gate.Exit();
    }
}
