using System.Diagnostics;
using CompreFace.Grains.Storage;
using CompreFace.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Jobs;

namespace CompreFace.Grains.Collections;

/// <summary>
/// One recognition service's face collection: its subjects, and the directory of its shards. The only writer of the
/// collection's rows: every change is written to the store, then applied to every live copy of the in-memory shards
/// and to the standby (<see cref="FaceCollectionStandbyGrain"/>), then acknowledged.
/// </summary>
/// <remarks>
/// Not reentrant, so writes are serialised per collection and concurrent adds cannot lose each other. Reads (search,
/// listings) are <c>[ReadOnly]</c> on the interface and interleave with each other, never with a write, so the subject
/// maps they read are stable across their awaits.
/// </remarks>
[CollectionPlacement]
internal sealed partial class FaceCollectionGrain(
    IFaceStore store,
    IReembedStore vectors,
    IJobStore jobs,
    IOptions<RecognitionOptions> options,
    IClusterMembershipService membership,
    CompreFaceMetrics metrics,
    ILogger<FaceCollectionGrain> logger) : Grain, IFaceCollectionGrain, ISubjectCatalogGrain, ICollectionReembedGrain
{
    // Which models searches and adds must be computed by: Any normally; the old and new model while a re-embedding
    // runs; the new model once the collection switched (so requests computed with the old one are redone), here and
    // after any later activation (ReembedModels.PlanAsync).
    private ModelPlan _plan = ModelPlan.Any;
    /// <summary>Most examples in one export page (a page travels as one grain message).</summary>
    private const int MaxExportPage = 2000;

    private readonly List<SubjectRecord> _subjects = [];
    private readonly Dictionary<string, SubjectRecord> _subjectsByName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<Guid, SubjectRecord> _subjectsById = [];
    private readonly SortedDictionary<int, int> _shardSizes = [];

    // ShardDigest of each shard's image ids, from the store at activation and kept with every write: with the sizes,
    // what a shard copy must hold before it answers a search (docs/decisions/0032).
    private readonly Dictionary<int, ulong> _shardDigests = [];
    private Guid _collectionId;
    private CollectionSize? _size;
    private ShardReplicas _shards = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _collectionId = this.GetPrimaryKey();
        _shards = new ShardReplicas(_collectionId, GrainFactory, options.Value, membership, logger);
        try
        {
            foreach (var subject in await store.GetSubjectsAsync(_collectionId, cancellationToken))
            {
                Remember(subject);
            }

            foreach (var (shard, size) in await store.CountFacesByShardAsync(_collectionId, cancellationToken))
            {
                _shardSizes[shard] = size;
            }

            foreach (var (shard, digest) in await store.DigestFacesByShardAsync(_collectionId, cancellationToken))
            {
                _shardDigests[shard] = digest;
            }

            _plan = await ReembedPlanAsync(cancellationToken);
            var faceCount = _shardSizes.Values.Sum();
            LogActivated(logger, _collectionId, _subjects.Count, faceCount, _shardSizes.Count);
            _size = metrics.Track(_collectionId);
            _size.Faces = faceCount;
        }
        catch (Exception exception) when (StoreFailures.IsUnavailable(exception) && exception is not StoreUnavailableException)
        {
            // A failed activation bypasses the grain call filters; callers must still see the one outage type (503),
            // and Orleans discards this activation, so the next call loads again.
            throw new StoreUnavailableException();
        }

        // Warm the shards' copies and the standby now, in parallel, so the first recognition after a restart (or a
        // failover) does not pay for loading them, and a copy lost with its silo is rebuilt on a live one.
        foreach (var shard in _shardSizes.Keys)
        {
            foreach (var replica in _shards.Of(shard))
            {
                replica.GetSizeAsync(CancellationToken.None).Ignore();
            }
        }

        if (_shards.Count() > 1)
        {
            Standby.SyncAsync(new CollectionDelta(), CancellationToken.None).Ignore();
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.Untrack(_collectionId);
        return Task.CompletedTask;
    }

    // ---- examples -------------------------------------------------------------------------------------------------

    async Task<Guid> IFaceCollectionGrain.AddFaceAsync(AddFaceCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.ImageId != Guid.Empty && await store.GetFaceAsync(_collectionId, command.ImageId, cancellationToken) is not null)
        {
            // A repeat of an add that was stored (its answer was lost in a failover): nothing more to do. Its shard's
            // copies have it too, from this activation's add, from loading the store, or by catching up.
            return command.ImageId;
        }

        CheckAdd(command);
        var unit = Similarity.Normalize(command.Embedding);
        var subject = _subjectsByName.GetValueOrDefault(command.Subject)
            ?? await CreateSubjectAsync(command.Subject, cancellationToken);

        var shard = ChooseShard();
        var face = new FaceRecord(command.ImageId == Guid.Empty ? Guid.NewGuid() : command.ImageId, subject.SubjectId, shard, unit, command.Calculator);
        try
        {
            await store.AddFaceAsync(_collectionId, face, command.Image, cancellationToken);
        }
        catch (Exception exception) when (command.ImageId != Guid.Empty && StoreFailures.IsDuplicateKey(exception))
        {
            // Another attempt of the same add committed it first (two activations during a failover's brief
            // duplicate-activation window): the client's add happened once, so answer as the first attempt did.
            if (await store.GetFaceAsync(_collectionId, command.ImageId, cancellationToken) is null)
            {
                throw;
            }

            return command.ImageId;
        }

        _shardSizes[shard] = _shardSizes.GetValueOrDefault(shard) + 1;
        _shardDigests[shard] = unchecked(_shardDigests.GetValueOrDefault(shard) + ShardDigest.Of(face.ImageId));
        UpdateSize();
        List<ShardFace> added = [new ShardFace(face.ImageId, face.SubjectId, unit, face.Calculator)];
        if (_plan.Reembedding && command.AlsoEmbedding is { } also)
        {
            // Written with both models while a re-embedding runs, so the switch leaves no face behind (a crash between
            // the two writes leaves a face the re-embedding itself computes).
            var target = Similarity.Normalize(also);
            await vectors.AddVectorsAsync(_collectionId, _plan.Target!, [(face.ImageId, target)], cancellationToken);
            added.Add(new ShardFace(face.ImageId, face.SubjectId, target, _plan.Target!, Extra: true));
        }

        await _shards.ApplyAsync(shard, s => s.AddAsync(added, cancellationToken));
        await SyncStandbyAsync(new CollectionDelta { Subjects = { [subject.SubjectId] = subject.Name } }, cancellationToken);
        return face.ImageId;
    }

    async Task<IReadOnlyList<FaceRef>> IFaceCollectionGrain.DeleteFacesAsync(IReadOnlyList<Guid> imageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(imageIds);
        if (imageIds.Count == 0)
        {
            return [];
        }

        var deleted = await store.DeleteFacesAsync(_collectionId, imageIds.Distinct().ToArray(), cancellationToken);
        await Task.WhenAll(deleted.GroupBy(f => f.Shard).Select(group =>
        {
            _shardSizes[group.Key] = Math.Max(0, _shardSizes.GetValueOrDefault(group.Key) - group.Count());
            _shardDigests[group.Key] = unchecked(_shardDigests.GetValueOrDefault(group.Key) - ShardDigest.Of(group.Select(f => f.ImageId)));
            var ids = group.Select(f => f.ImageId).ToArray();
            return _shards.ApplyAsync(group.Key, s => s.RemoveAsync(ids, cancellationToken));
        }));
        UpdateSize();
        await SyncStandbyAsync(new CollectionDelta(), cancellationToken);
        return deleted.Select(f => new FaceRef(f.ImageId, NameOf(f.SubjectId))).ToArray();
    }

    async Task<Page<FaceRef>> IFaceCollectionGrain.ListFacesAsync(string? subject, int page, int size, CancellationToken cancellationToken)
    {
        var (faces, total) = await store.ListFacesAsync(_collectionId, subject, page, size, cancellationToken);
        return new Page<FaceRef>(faces.Select(f => new FaceRef(f.ImageId, f.Subject)).ToArray(), total);
    }

    async Task<StoredFace?> IFaceCollectionGrain.GetFaceAsync(Guid imageId, CancellationToken cancellationToken)
    {
        var face = await store.GetFaceAsync(_collectionId, imageId, cancellationToken);
        return face is null ? null : new StoredFace(NameOf(face.SubjectId), face.Embedding);
    }

    Task<long> IFaceCollectionGrain.CountImagesAsync(CancellationToken cancellationToken) =>
        store.CountImagesAsync(_collectionId, cancellationToken);

    Task<byte[]?> IFaceCollectionGrain.GetImageAsync(Guid imageId, CancellationToken cancellationToken) =>
        store.GetImageAsync(_collectionId, imageId, cancellationToken);

    async Task<IReadOnlyList<IReadOnlyList<FaceMatch>>> IFaceCollectionGrain.SearchAsync(FaceSearch search, CancellationToken cancellationToken)
    {
        var (queries, empty) = ShardReplicas.PrepareSearch(search, _plan, _shardSizes);
        if (empty is not null)
        {
            return empty;
        }

        var started = Stopwatch.GetTimestamp();
        var matches = await _shards.SearchAsync(search, queries, _shardSizes, checkRows: true, cancellationToken, _shardDigests);
        if (matches.Any(q => q.Any(m => !_subjectsById.ContainsKey(m.SubjectId))))
        {
            // A copy that missed a subject merge while its silo was unreachable still names the merged-away subject:
            // its image ids agree with the store, so neither its row count nor its digest tells. Searches never
            // interleave with writes, so a subject this grain does not know can only come from such a copy: every copy
            // reloads from the store and the search is asked once more (rare: a merge missed by a live copy).
            LogStaleSubjectInCopy(logger, _collectionId);
            await ForEachShardAsync(s => s.ReloadAsync(cancellationToken));
            matches = await _shards.SearchAsync(search, queries, _shardSizes, checkRows: true, cancellationToken, _shardDigests);
        }

        var results = Array.ConvertAll(matches, q => (IReadOnlyList<FaceMatch>)Array.ConvertAll(q, m => new FaceMatch(NameOf(m.SubjectId), m.Cosine, m.ImageId)));
        metrics.RecordSearch(Stopwatch.GetElapsedTime(started));
        return results;
    }

    Task<ModelPlan> IFaceCollectionGrain.GetModelPlanAsync(CancellationToken cancellationToken) => Task.FromResult(_plan);

    // ---- re-embedding (docs/decisions/0034-jobs-and-re-embedding.md) ------------------------------------------------

    Task ICollectionReembedGrain.BeginReembedAsync(string serving, string target, CancellationToken cancellationToken) =>
        ChangePlanAsync(new ModelPlan(serving, target), cancellationToken);

    async Task ICollectionReembedGrain.StoreReembeddedAsync(string target, IReadOnlyList<ReembeddedFace> faces, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(faces);
        var units = faces.Select(f => f with { Vector = Similarity.Normalize(f.Vector) }).ToArray();
        await vectors.AddVectorsAsync(_collectionId, target, units.Select(f => (f.ImageId, f.Vector)).ToArray(), cancellationToken);
        await Task.WhenAll(units.GroupBy(f => f.Shard).Select(group =>
            _shards.ApplyAsync(group.Key, s => s.AddAsync(group.Select(f => new ShardFace(f.ImageId, f.SubjectId, f.Vector, target, Extra: true)).ToArray(), cancellationToken))));
    }

    async Task<int> ICollectionReembedGrain.CompleteReembedAsync(string target, CancellationToken cancellationToken)
    {
        var switched = await vectors.SwitchAsync(_collectionId, target, cancellationToken);

        // From here searches must come with the new model: the shards hold its vectors already (as second-model
        // vectors until they reload), so the answer changes from the old model's to the new one's in one step.
        await ChangePlanAsync(new ModelPlan(target, null), cancellationToken);
        await ForEachShardAsync(s => s.ReloadAsync(cancellationToken));
        LogSwitched(logger, _collectionId, target, switched);
        return switched;
    }

    /// <summary>Back to the plan before the re-embedding: the model of an earlier switch, else none.</summary>
    async Task ICollectionReembedGrain.AbortReembedAsync(CancellationToken cancellationToken) =>
        await ChangePlanAsync(await ReembedModels.SwitchedPlanAsync(vectors, _collectionId, cancellationToken), cancellationToken);

    /// <summary>The plan changes here and at the standby, which answers hedged searches by the same rule.</summary>
    private Task ChangePlanAsync(ModelPlan plan, CancellationToken cancellationToken)
    {
        _plan = plan;
        return SyncStandbyAsync(new CollectionDelta(), cancellationToken);
    }

    /// <summary>Refuses an add computed by other models than the plan needs (the caller recomputes it and retries).</summary>
    private void CheckAdd(AddFaceCommand command) => CheckPlan(command.Calculator, command.AlsoEmbedding is null ? null : command.AlsoCalculator);

    private void CheckPlan(string calculator, string? alsoCalculator)
    {
        if (!_plan.Accepts(calculator, alsoCalculator))
        {
            throw new ModelPlanChangedException(_plan);
        }
    }

    /// <summary>The plan of an unfinished re-embedding of this collection (a node restarted while it ran), else of its last switch.</summary>
    private Task<ModelPlan> ReembedPlanAsync(CancellationToken cancellationToken) => ReembedModels.PlanAsync(jobs, vectors, _collectionId, cancellationToken);

    // ---- export and import (docs/export-format.md) ----------------------------------------------------------------

    async Task<ExportPage> IFaceCollectionGrain.ExportFacesAsync(long afterSeq, int limit, bool images, CancellationToken cancellationToken)
    {
        var rows = await store.ReadFacesAsync(_collectionId, Math.Max(0, afterSeq), Math.Clamp(limit, 1, MaxExportPage), images, cancellationToken);
        var faces = rows.Select(r => new TransferFace(r.Face.ImageId, NameOf(r.Face.SubjectId), r.Face.Calculator, r.Face.Embedding, r.Image)).ToArray();
        return new ExportPage(faces, rows.Count == 0 ? afterSeq : rows[^1].Seq);
    }

    async Task<ImportOutcome> IFaceCollectionGrain.ImportAsync(IReadOnlyList<string> subjects, IReadOnlyList<TransferFace> faces, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        ArgumentNullException.ThrowIfNull(faces);

        // Ids already stored (a repeated batch) and repeats inside the batch are skipped.
        var existing = await store.FindFacesAsync(_collectionId, faces.Select(f => f.ImageId).ToArray(), cancellationToken);
        var seen = new HashSet<Guid>(existing);
        var newSubjects = new List<SubjectRecord>();
        var pending = new Dictionary<string, SubjectRecord>(StringComparer.OrdinalIgnoreCase);
        SubjectRecord SubjectFor(string name)
        {
            if (_subjectsByName.TryGetValue(name, out var known) || pending.TryGetValue(name, out known))
            {
                return known;
            }

            var created = new SubjectRecord(Guid.NewGuid(), name);
            pending[name] = created;
            newSubjects.Add(created);
            return created;
        }

        foreach (var name in subjects)
        {
            SubjectFor(name);
        }

        var sizes = new Dictionary<int, int>(_shardSizes);
        var records = new List<FaceRecord>(faces.Count);
        var images = new Dictionary<Guid, byte[]>();
        var targets = new List<(Guid ImageId, float[] Vector)>();
        foreach (var arriving in faces)
        {
            if (!seen.Add(arriving.ImageId))
            {
                continue;
            }

            var face = Served(arriving);
            var shard = ChooseShard(sizes);
            sizes[shard] = sizes.GetValueOrDefault(shard) + 1;
            records.Add(new FaceRecord(face.ImageId, SubjectFor(face.Subject).SubjectId, shard, Unit(face.Embedding), face.Calculator));
            if (_plan.Reembedding && face.AlsoCalculator == _plan.Target && face.AlsoEmbedding is { } target)
            {
                targets.Add((face.ImageId, Unit(target)));
            }

            if (face.Image is { Length: > 0 } image)
            {
                images[face.ImageId] = image;
            }
        }

        if (newSubjects.Count == 0 && records.Count == 0)
        {
            return new ImportOutcome(0, 0, faces.Count);
        }

        await store.ImportAsync(_collectionId, newSubjects, records, images, cancellationToken);
        if (targets.Count > 0)
        {
            // The target model's vectors, as an add writes them during a re-embedding; a crash between the two writes
            // leaves examples the re-embedding computes itself.
            await vectors.AddVectorsAsync(_collectionId, _plan.Target!, targets, cancellationToken);
        }
        foreach (var subject in newSubjects)
        {
            Remember(subject);
        }

        foreach (var (shard, size) in sizes)
        {
            _shardSizes[shard] = size;
        }

        foreach (var record in records)
        {
            _shardDigests[record.Shard] = unchecked(_shardDigests.GetValueOrDefault(record.Shard) + ShardDigest.Of(record.ImageId));
        }

        UpdateSize();
        var targetOf = targets.ToDictionary(t => t.ImageId, t => t.Vector);
        await Task.WhenAll(records.GroupBy(r => r.Shard).Select(group =>
        {
            var added = group.Select(f => new ShardFace(f.ImageId, f.SubjectId, f.Embedding, f.Calculator))
                .Concat(group.Where(f => targetOf.ContainsKey(f.ImageId)).Select(f => new ShardFace(f.ImageId, f.SubjectId, targetOf[f.ImageId], _plan.Target!, Extra: true)))
                .ToArray();
            return _shards.ApplyAsync(group.Key, s => s.AddAsync(added, cancellationToken));
        }));
        var delta = new CollectionDelta();
        foreach (var subject in newSubjects)
        {
            delta.Subjects[subject.SubjectId] = subject.Name;
        }

        await SyncStandbyAsync(delta, cancellationToken);
        return new ImportOutcome(
            newSubjects.Count, records.Count, faces.Count - records.Count, records.ConvertAll(r => r.ImageId), newSubjects.ConvertAll(s => s.Name));
    }

    Task<ImportOutcome> IFaceCollectionGrain.EnrolAsync(IReadOnlyList<TransferFace> faces, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(faces);

        // A photo analysed before a re-embedding started (or before it switched) lacks a model the collection now needs:
        // stored as it is, it would be missed by recognition until the switch, or for good when the re-embedding had
        // already listed its pending faces or switched.
        foreach (var face in faces.Select(Served))
        {
            CheckPlan(face.Calculator, face.AlsoEmbedding is null ? null : face.AlsoCalculator);
        }

        return ((IFaceCollectionGrain)this).ImportAsync([], faces, cancellationToken);
    }

    /// <summary>
    /// The example as this collection stores it: when it comes with the vectors of two models (computed during a
    /// re-embedding) and the collection has switched to the second one meanwhile, that one is its served vector.
    /// </summary>
    private TransferFace Served(TransferFace face) =>
        !_plan.Reembedding && _plan.Serving is { } serving && face.Calculator != serving && face.AlsoCalculator == serving && face.AlsoEmbedding is { } also
            ? face with { Calculator = serving, Embedding = also, AlsoCalculator = null, AlsoEmbedding = null }
            : face;

    /// <summary>
    /// The vector as a unit vector. An exported one already is: normalising it again could change its last bits, and an
    /// import must reproduce the source's answers exactly.
    /// </summary>
    private static float[] Unit(float[] vector) =>
        Math.Abs(System.Numerics.Tensors.TensorPrimitives.Norm(vector) - 1f) <= 1e-5f ? vector : Similarity.Normalize(vector);

    // ---- subjects -------------------------------------------------------------------------------------------------

    async Task<bool> ISubjectCatalogGrain.AddSubjectAsync(string subject, CancellationToken cancellationToken)
    {
        if (_subjectsByName.ContainsKey(subject))
        {
            return false;
        }

        var created = await CreateSubjectAsync(subject, cancellationToken);
        await SyncStandbyAsync(new CollectionDelta { Subjects = { [created.SubjectId] = created.Name } }, cancellationToken);
        return true;
    }

    async Task<SubjectRenameOutcome> ISubjectCatalogGrain.RenameSubjectAsync(string subject, string newName, CancellationToken cancellationToken)
    {
        if (!_subjectsByName.TryGetValue(subject, out var old))
        {
            return SubjectRenameOutcome.NotFound;
        }

        if (string.Equals(subject, newName, StringComparison.Ordinal))
        {
            return SubjectRenameOutcome.Unchanged;
        }

        if (_subjectsByName.TryGetValue(newName, out var target) && target.SubjectId != old.SubjectId)
        {
            await store.MergeSubjectAsync(_collectionId, old.SubjectId, target.SubjectId, cancellationToken);
            Forget(old);
            await ForEachShardAsync(s => s.ChangeSubjectAsync(old.SubjectId, target.SubjectId, cancellationToken));
            await SyncStandbyAsync(new CollectionDelta { RemovedSubjects = [old.SubjectId] }, cancellationToken);
            return SubjectRenameOutcome.Merged;
        }

        await store.RenameSubjectAsync(_collectionId, old.SubjectId, newName, cancellationToken);
        Forget(old);
        Remember(old with { Name = newName });
        await SyncStandbyAsync(new CollectionDelta { Subjects = { [old.SubjectId] = newName } }, cancellationToken);
        return SubjectRenameOutcome.Renamed;
    }

    async Task<SubjectDeletion?> ISubjectCatalogGrain.DeleteSubjectAsync(string subject, CancellationToken cancellationToken)
    {
        if (!_subjectsByName.TryGetValue(subject, out var record))
        {
            return null;
        }

        var faces = await store.DeleteSubjectsAsync(_collectionId, [record.SubjectId], cancellationToken);
        Forget(record);
        await ForEachShardAsync(s => s.ChangeSubjectAsync(record.SubjectId, null, cancellationToken));
        await RefreshShardSizesAsync(cancellationToken);
        await SyncStandbyAsync(new CollectionDelta { RemovedSubjects = [record.SubjectId] }, cancellationToken);
        return new SubjectDeletion(record.Name, faces);
    }

    async Task<int> ISubjectCatalogGrain.DeleteAllSubjectsAsync(CancellationToken cancellationToken)
    {
        var count = await store.DeleteCollectionAsync(_collectionId, cancellationToken);
        await ForEachShardAsync(s => s.ClearAsync(cancellationToken));
        _subjects.Clear();
        _subjectsByName.Clear();
        _subjectsById.Clear();
        _shardSizes.Clear();
        _shardDigests.Clear();
        UpdateSize();

        // The switched model went with the rows: an emptied collection takes any model again, as a new one does.
        _plan = await ReembedPlanAsync(cancellationToken);
        await SyncStandbyAsync(new CollectionDelta { Clear = true }, cancellationToken);
        return count;
    }

    Task<IReadOnlyList<string>> ISubjectCatalogGrain.ListSubjectsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(_subjects.Select(s => s.Name).ToArray());

    // ---- helpers --------------------------------------------------------------------------------------------------

    private async Task<SubjectRecord> CreateSubjectAsync(string name, CancellationToken cancellationToken)
    {
        var subject = new SubjectRecord(Guid.NewGuid(), name);
        await store.AddSubjectAsync(_collectionId, subject, cancellationToken);
        Remember(subject);
        return subject;
    }

    /// <summary>The first shard with room, so shards fill up one after another and stay few.</summary>
    private int ChooseShard() => ChooseShard(_shardSizes);

    private int ChooseShard(IReadOnlyDictionary<int, int> sizes)
    {
        var capacity = options.Value.ShardCapacity;
        for (var shard = 0; ; shard++)
        {
            if (sizes.GetValueOrDefault(shard) < capacity)
            {
                return shard;
            }
        }
    }

    private async Task RefreshShardSizesAsync(CancellationToken cancellationToken)
    {
        var sizes = await store.CountFacesByShardAsync(_collectionId, cancellationToken);
        foreach (var shard in _shardSizes.Keys.ToArray())
        {
            _shardSizes[shard] = sizes.GetValueOrDefault(shard);
        }

        var digests = await store.DigestFacesByShardAsync(_collectionId, cancellationToken);
        foreach (var shard in _shardSizes.Keys)
        {
            _shardDigests[shard] = digests.GetValueOrDefault(shard);
        }

        UpdateSize();
    }

    /// <summary>Publishes the face count to the <c>compreface.collection.faces</c> gauge.</summary>
    private void UpdateSize()
    {
        if (_size is not null)
        {
            _size.Faces = _shardSizes.Values.Sum();
        }
    }

    private Task ForEachShardAsync(Func<IFaceShardGrain, Task> action) =>
        Task.WhenAll(_shardSizes.Keys.Select(shard => _shards.ApplyAsync(shard, action)));

    private ICollectionStandbySync Standby => GrainFactory.GetGrain<ICollectionStandbySync>(_collectionId);

    /// <summary>
    /// Tells the standby about a committed change (<paramref name="delta"/> plus the current shard sizes) before the
    /// change is acknowledged. In a single-copy cluster there is no standby. An unreachable standby is left behind: it
    /// reloads from the store when it activates again, and one that meets an unknown subject reloads before answering.
    /// </summary>
    private async Task SyncStandbyAsync(CollectionDelta delta, CancellationToken cancellationToken)
    {
        if (_shards.Count() <= 1)
        {
            return;
        }

        foreach (var (shard, size) in _shardSizes)
        {
            delta.ShardSizes[shard] = size;
        }

        delta.Plan = _plan;

        try
        {
            await Standby.SyncAsync(delta, cancellationToken);
        }
        catch (Exception exception) when (ReplicaFailures.IsUnreachable(exception))
        {
            LogStandbyBehind(logger, _collectionId, exception.GetType().Name);
        }
    }

    private string NameOf(Guid subjectId) => _subjectsById.TryGetValue(subjectId, out var s) ? s.Name : string.Empty;

    private void Remember(SubjectRecord subject)
    {
        _subjects.Add(subject);
        _subjectsById[subject.SubjectId] = subject;
        _subjectsByName.TryAdd(subject.Name, subject);
    }

    private void Forget(SubjectRecord subject)
    {
        _subjects.RemoveAll(s => s.SubjectId == subject.SubjectId);
        _subjectsById.Remove(subject.SubjectId);
        _subjectsByName.Remove(subject.Name);
    }

    [LoggerMessage(EventId = 1510, Level = LogLevel.Information, Message = "Collection {CollectionId} switched to model {Calculator}: {Faces} faces re-embedded")]
    private static partial void LogSwitched(ILogger logger, Guid collectionId, string calculator, int faces);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "Collection {CollectionId}: a shard copy answered a subject merged away while it was unreachable; every copy reloads from the store")]
    private static partial void LogStaleSubjectInCopy(ILogger logger, Guid collectionId);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Collection {CollectionId}: the standby is unreachable for a change ({Exception}); it reloads from the store")]
    private static partial void LogStandbyBehind(ILogger logger, Guid collectionId, string exception);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Collection {CollectionId} activated: {Subjects} subjects, {Faces} faces in {Shards} shards")]
    private static partial void LogActivated(ILogger logger, Guid collectionId, int subjects, int faces, int shards);
}
