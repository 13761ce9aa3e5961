using CompreFace.Grains.Storage;
using Orleans.Concurrency;
using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Grains.Admin;

/// <summary>
/// The store side of the request statistics: a stateless worker, so each node's flush writes through a local
/// activation and no single grain becomes a bottleneck. The counting itself happens in memory on each node.
/// </summary>
[StatelessWorker]
internal sealed class RequestStatisticsGrain(IAdminStore store) : Grain, IRequestStatisticsGrain
{
    Task IRequestStatisticsGrain.AddAsync(IReadOnlyList<RequestCount> counts, CancellationToken cancellationToken) =>
        counts.Count == 0 ? Task.CompletedTask : store.AddRequestCountsAsync(counts, cancellationToken);

    Task<IReadOnlyList<RequestCount>> IRequestStatisticsGrain.ListAsync(Guid serviceId, DateTime fromUtc, CancellationToken cancellationToken) =>
        store.ListRequestCountsAsync(serviceId, fromUtc, cancellationToken);
}
