using CompreFace.Grains.Interfaces;

namespace CompreFace.WebApi.Faces;

/// <summary>
/// The inference tier's status (coefficients, embedding dimension), fetched once from a worker and kept, as Java keeps
/// the core's <c>/status</c> after the first success. A failure is not cached: the next caller asks again.
/// </summary>
public sealed class InferenceStatusCache(IGrainFactory grains)
{
    private volatile InferenceStatus? _status;

    /// <summary>The cached status, fetched on first use.</summary>
    public async ValueTask<InferenceStatus> GetAsync(CancellationToken cancellationToken)
    {
        if (_status is { } cached)
        {
            return cached;
        }

        var status = await FaceAnalyzer.Worker(grains).GetStatusAsync(cancellationToken);
        _status = status;
        return status;
    }
}
