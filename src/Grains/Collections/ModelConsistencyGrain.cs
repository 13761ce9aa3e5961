using CompreFace.Grains.Storage;
using Orleans.Concurrency;
using CompreFace.Grains.Interfaces;

namespace CompreFace.Grains.Collections;

/// <inheritdoc cref="IModelConsistencyGrain" />
/// <remarks>
/// Asks the store rather than the collection grains: the status must cover collections that are not active, and
/// activating every collection to answer a health check would load every vector in the cluster.
/// </remarks>
[StatelessWorker]
internal sealed class ModelConsistencyGrain(IFaceStore store) : Grain, IModelConsistencyGrain
{
    public async Task<ModelConsistency> CheckAsync(string calculator, Guid demoCollectionId, CancellationToken cancellationToken)
    {
        var (demo, elsewhere) = await store.FindOtherCalculatorsAsync(calculator, demoCollectionId, cancellationToken);
        return new ModelConsistency(demo, elsewhere);
    }
}
