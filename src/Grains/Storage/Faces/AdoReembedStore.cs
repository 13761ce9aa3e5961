namespace CompreFace.Grains.Storage;

/// <summary>A face that a re-embedding still has to compute.</summary>
public sealed record ReembedCandidate(Guid ImageId, Guid SubjectId, int Shard);

/// <summary>
/// The re-embedding's rows (docs/decisions/0034-jobs-and-re-embedding.md): vectors of the target model kept beside each
/// face's served vector in <c>cf_face_vector</c>, and the switch that makes them the served ones. The collection grain
/// is the only writer of its collection's rows; shards read them.
/// </summary>
public interface IReembedStore
{
    /// <summary>
    /// Up to <paramref name="limit"/> faces of the collection, in insertion order, not computed by
    /// <paramref name="target"/>, without a vector of it yet, and not in <paramref name="skip"/>.
    /// </summary>
    Task<IReadOnlyList<ReembedCandidate>> ListPendingAsync(Guid collectionId, string target, IReadOnlyCollection<Guid> skip, int limit, CancellationToken cancellationToken = default);

    /// <summary>Stores (or replaces) vectors of <paramref name="calculator"/> for faces of the collection, in one transaction; faces deleted meanwhile are skipped.</summary>
    Task AddVectorsAsync(Guid collectionId, string calculator, IReadOnlyList<(Guid ImageId, float[] Vector)> vectors, CancellationToken cancellationToken = default);

    /// <summary>Faces of the collection not computed by <paramref name="target"/> (Total), and how many of them have a vector of it (Done).</summary>
    Task<(long Total, long Done)> CountAsync(Guid collectionId, string target, CancellationToken cancellationToken = default);

    /// <summary>
    /// In one transaction: every face that has a vector of <paramref name="target"/> takes it as its served vector and
    /// model, those vectors leave <c>cf_face_vector</c>, and <paramref name="target"/> is recorded as the collection's
    /// model (<see cref="GetSwitchedModelAsync"/>). Returns the faces switched. Faces without one keep theirs.
    /// </summary>
    Task<int> SwitchAsync(Guid collectionId, string target, CancellationToken cancellationToken = default);

    /// <summary>
    /// The model the collection's last switch made it serve (<c>cf_collection_model</c>), or null when it was never
    /// re-embedded or its rows were deleted since.
    /// </summary>
    Task<string?> GetSwitchedModelAsync(Guid collectionId, CancellationToken cancellationToken = default);

    /// <summary>Collections that hold a face computed by another model than <paramref name="calculator"/>.</summary>
    Task<IReadOnlyList<Guid>> FindCollectionsWithOtherModelsAsync(string calculator, CancellationToken cancellationToken = default);

    /// <summary>The most common model among the collection's faces other than <paramref name="calculator"/>, or null.</summary>
    Task<string?> FindOtherModelAsync(Guid collectionId, string calculator, CancellationToken cancellationToken = default);

    /// <summary>Streams the second-model vectors of one shard's faces (model, id, subject, vector); the span is valid during the call only.</summary>
    Task LoadShardVectorsAsync(Guid collectionId, int shard, FaceSink sink, CancellationToken cancellationToken = default);
}

/// <summary><see cref="IReembedStore"/> in portable SQL, on the node's <see cref="SqlDialect"/>.</summary>
internal sealed class AdoReembedStore(SqlDialect dialect) : DialectStore(dialect), IReembedStore
{
    public async Task<IReadOnlyList<ReembedCandidate>> ListPendingAsync(
        Guid collectionId, string target, IReadOnlyCollection<Guid> skip, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(skip);

        // Skipped faces (no image, no face found) are few; asking for that many more keeps the query simple.
        var rows = await QueryAsync(
            """
            SELECT f.image_id, f.subject_id, f.shard FROM cf_face f
            WHERE f.collection_id = @c AND f.calculator <> @t
              AND NOT EXISTS (SELECT 1 FROM cf_face_vector v WHERE v.image_id = f.image_id AND v.calculator = @t)
            ORDER BY f.seq LIMIT @limit
            """,
            r => new ReembedCandidate(r.GetGuid(0), r.GetGuid(1), r.GetInt32(2)),
            cancellationToken,
            ("@c", collectionId), ("@t", target), ("@limit", limit + skip.Count));
        return rows.Where(r => !skip.Contains(r.ImageId)).Take(limit).ToArray();
    }

    public Task AddVectorsAsync(Guid collectionId, string calculator, IReadOnlyList<(Guid ImageId, float[] Vector)> vectors, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        return ExecuteEachAsync(
            vectors,
            """
            INSERT INTO cf_face_vector (image_id, calculator, collection_id, embedding)
            SELECT image_id, @calc, collection_id, @e FROM cf_face WHERE image_id = @i AND collection_id = @c
            ON CONFLICT (image_id, calculator) DO UPDATE SET embedding = excluded.embedding
            """,
            v => [("@i", v.ImageId), ("@calc", calculator), ("@c", collectionId), ("@e", EmbeddingCodec.Encode(v.Vector))],
            cancellationToken);
    }

    public async Task<(long Total, long Done)> CountAsync(Guid collectionId, string target, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync(
            """
            SELECT count(*), count(v.image_id) FROM cf_face f
            LEFT JOIN cf_face_vector v ON v.image_id = f.image_id AND v.calculator = @t
            WHERE f.collection_id = @c AND f.calculator <> @t
            """,
            r => (r.GetInt64(0), r.GetInt64(1)),
            cancellationToken,
            ("@c", collectionId), ("@t", target));
        return rows[0];
    }

    public Task<int> SwitchAsync(Guid collectionId, string target, CancellationToken cancellationToken = default) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                int switched;
                await using (var update = Command(
                    connection,
                    transaction,
                    """
                    UPDATE cf_face SET embedding = v.embedding, calculator = v.calculator
                    FROM cf_face_vector v
                    WHERE v.image_id = cf_face.image_id AND v.calculator = @t AND cf_face.collection_id = @c
                    """,
                    ("@c", collectionId),
                    ("@t", target)))
                {
                    switched = await update.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var delete = Command(connection, transaction, "DELETE FROM cf_face_vector WHERE collection_id = @c AND calculator = @t", ("@c", collectionId), ("@t", target)))
                {
                    await delete.ExecuteNonQueryAsync(cancellationToken);
                }

                await using var record = Command(
                    connection,
                    transaction,
                    """
                    INSERT INTO cf_collection_model (collection_id, calculator) VALUES (@c, @t)
                    ON CONFLICT (collection_id) DO UPDATE SET calculator = excluded.calculator
                    """,
                    ("@c", collectionId),
                    ("@t", target));
                await record.ExecuteNonQueryAsync(cancellationToken);
                return switched;
            },
            cancellationToken);

    public Task<string?> GetSwitchedModelAsync(Guid collectionId, CancellationToken cancellationToken = default) =>
        QuerySingleAsync("SELECT calculator FROM cf_collection_model WHERE collection_id = @c", r => r.GetString(0), cancellationToken, ("@c", collectionId));

    public Task<IReadOnlyList<Guid>> FindCollectionsWithOtherModelsAsync(string calculator, CancellationToken cancellationToken = default) =>
        QueryAsync(
            "SELECT DISTINCT collection_id FROM cf_face WHERE calculator < @k OR calculator > @k",
            r => r.GetGuid(0),
            cancellationToken,
            ("@k", calculator));

    public async Task<string?> FindOtherModelAsync(Guid collectionId, string calculator, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync(
            "SELECT calculator, count(*) AS n FROM cf_face WHERE collection_id = @c AND calculator <> @k GROUP BY calculator ORDER BY n DESC, calculator LIMIT 1",
            r => r.GetString(0),
            cancellationToken,
            ("@c", collectionId), ("@k", calculator));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task LoadShardVectorsAsync(Guid collectionId, int shard, FaceSink sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(
            connection,
            null,
            """
            SELECT v.image_id, f.subject_id, v.calculator, v.embedding FROM cf_face_vector v
            JOIN cf_face f ON f.image_id = v.image_id
            WHERE f.collection_id = @c AND f.shard = @sh ORDER BY f.seq
            """,
            ("@c", collectionId),
            ("@sh", shard));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var bytes = (byte[])reader.GetValue(3);
            sink(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), EmbeddingCodec.Decode(bytes));
        }
    }
}
