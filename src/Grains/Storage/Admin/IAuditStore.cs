using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Interfaces.Admin;

namespace CompreFace.Grains.Storage;

/// <summary>
/// The audit log's table, in the database of the admin store (both dialects; tests/Admin.Tests runs one contract on
/// both). Append-only from the node's side: it inserts, reads and deletes by age (<see cref="PurgeAsync"/>), never
/// changes a row (the schema refuses updates). Durable when a task completes.
/// </summary>
public interface IAuditStore
{
    /// <summary>
    /// Inserts <paramref name="entries"/> stamped <paramref name="occurredAt"/>, in one transaction. An entry by a service
    /// without an application gets the service's application, if the service still exists. Texts longer than the
    /// column bounds are cut.
    /// </summary>
    Task AppendAsync(IReadOnlyList<AuditEntry> entries, DateTimeOffset occurredAt, CancellationToken cancellationToken = default);

    /// <summary>A page of events matching <paramref name="query"/>, newest first, with the number that match in all.</summary>
    Task<Page<AuditEvent>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>Deletes events recorded before <paramref name="before"/>; returns how many.</summary>
    Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken = default);
}
