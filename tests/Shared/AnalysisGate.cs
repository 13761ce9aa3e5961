using System.Collections.Concurrent;
using CompreFace.Grains.Interfaces;

namespace CompreFace.Testing;

/// <summary>
/// A phase barrier for tests of long jobs: holds the node's analyses of chosen photos (calls to
/// <see cref="IFaceAnalyzerGrain.AnalyzeAsync"/> whose image is one of them) before they leave the caller, until the test
/// releases them or the call is cancelled, and tells when such an analysis was reached and when one has returned. The
/// analyses themselves are the real ones; an outgoing filter holds no inference worker while it waits, so other analyses
/// (a re-embedding's, a recognition's) go on.
/// </summary>
public sealed class AnalysisGate : Orleans.IOutgoingGrainCallFilter
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _held = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _reached = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _returned = new();

    /// <summary>Holds the analyses of <paramref name="photos"/> from now until <see cref="Release"/>.</summary>
    public void Hold(params IEnumerable<byte[]> photos)
    {
        foreach (var photo in photos)
        {
            _held[Key(photo)] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Lets the held analyses of <paramref name="photos"/> (and later ones) go.</summary>
    public void Release(params IEnumerable<byte[]> photos)
    {
        foreach (var photo in photos)
        {
            if (_held.TryRemove(Key(photo), out var gate))
            {
                gate.TrySetResult();
            }
        }
    }

    /// <summary>Completes when an analysis of each of <paramref name="photos"/> has been asked for (held or not).</summary>
    public Task ReachedAsync(params IEnumerable<byte[]> photos) => Task.WhenAll(photos.Select(p => Signal(_reached, p).Task)).WaitAsync(TimeSpan.FromMinutes(1));

    /// <summary>Completes when an analysis of each of <paramref name="photos"/> has returned to its caller.</summary>
    public Task ReturnedAsync(params IEnumerable<byte[]> photos) => Task.WhenAll(photos.Select(p => Signal(_returned, p).Task)).WaitAsync(TimeSpan.FromMinutes(1));

    public async Task Invoke(Orleans.IOutgoingGrainCallContext context)
    {
        if (context.InterfaceMethod?.DeclaringType != typeof(IFaceAnalyzerGrain) || context.Request.GetArgument(0) is not FaceAnalysisRequest request)
        {
            await context.Invoke();
            return;
        }

        var key = Key(request.Image);
        Signal(_reached, key).TrySetResult();
        if (_held.TryGetValue(key, out var gate))
        {
            await gate.Task.WaitAsync(context.Request.GetCancellationToken());
        }

        await context.Invoke();
        Signal(_returned, key).TrySetResult();
    }

    private static TaskCompletionSource Signal(ConcurrentDictionary<string, TaskCompletionSource> signals, byte[] photo) => Signal(signals, Key(photo));

    private static TaskCompletionSource Signal(ConcurrentDictionary<string, TaskCompletionSource> signals, string key) =>
        signals.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private static string Key(byte[] photo) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(photo));
}
