using System.Formats.Tar;
using System.Text.Json;

namespace CompreFace.WebApi.Transfer;

/// <summary>
/// Reads a <see cref="CollectionArchive"/> from a stream into a recognition service's collection, in bounded batches:
/// an example computed by the node's current model keeps its vector (no inference); one of another model is
/// re-embedded from its image by the inference workers (<see cref="FaceEnrolment"/>), or reported when it has none.
/// Ids are derived from the target and the archive's ids, so importing the same archive again adds nothing.
/// </summary>
/// <remarks>
/// Memory is bounded by one chunk's examples waiting for their images, one batch (<see cref="BatchFaces"/> examples or
/// <see cref="BatchBytes"/> of images) and the re-embeddings in flight, whatever the archive's size. A malformed
/// archive is refused with 400 code 26 where it breaks; the batches stored before stay (a repeat skips them).
/// </remarks>
public sealed class CollectionImporter
{
    /// <summary>Examples per batch sent to the collection grain.</summary>
    internal const int BatchFaces = 500;

    /// <summary>Image bytes per batch sent to the collection grain.</summary>
    internal const long BatchBytes = 16 * 1024 * 1024;

    private readonly IGrainFactory _grains;
    private readonly IFaceCollectionGrain _collection;
    private readonly Guid _targetId;
    private readonly string _calculator;
    private readonly int _dimension;
    private readonly TransferOptions _options;
    private readonly long _maxImageSize;
    private readonly int _parallelism;
    private readonly Dictionary<string, ArchiveFace> _waiting = new(StringComparer.Ordinal);
    private readonly List<string> _subjects = [];
    private readonly List<TransferFace> _batch = [];
    private readonly List<Task<(ArchiveFace Line, byte[] Image, EnrolmentAnalysis Analysis)>> _inFlight = [];

    // What this import stored, so that a cancelled one can remove it again (16 bytes per example).
    private readonly List<Guid> _added = [];
    private readonly List<string> _created = [];
    private long _batchBytes;
    private long _entries;

    // The collection's models: while it is re-embedded (serving → target), examples are stored with both vectors, as
    // adds are, so recognition finds them before the switch and the re-embedding has nothing left to compute for them.
    private ModelPlan _plan = ModelPlan.Any;
    private bool _manifestRead;
    private ArchiveEnd? _end;

    /// <param name="grains">The cluster.</param>
    /// <param name="targetId">The recognition service (its collection) to import into.</param>
    /// <param name="calculator">The current model's version: examples of it keep their vectors.</param>
    /// <param name="options">Archive limits.</param>
    /// <param name="maxImageSize">Largest image kept or re-embedded (<c>Images:MaxFileSize</c>).</param>
    /// <param name="dimension">The current model's vector length (0: not checked): a vector of its model with another length is invalid.</param>
    public CollectionImporter(IGrainFactory grains, Guid targetId, string calculator, TransferOptions options, long maxImageSize, int dimension = 0)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(options);
        _grains = grains;
        _collection = grains.GetGrain<IFaceCollectionGrain>(targetId);
        _targetId = targetId;
        _calculator = calculator;
        _options = options;
        _maxImageSize = maxImageSize;
        _dimension = dimension;
        _parallelism = options.ReembedParallelism > 0 ? options.ReembedParallelism : 2 * Environment.ProcessorCount;
    }

    /// <summary>The running totals, and the answer of the import.</summary>
    public ImportReport Report { get; } = new();

    /// <summary>Hears the running totals after each entry of the archive (a job's progress).</summary>
    public Action<ImportReport>? Progress { get; init; }

    /// <summary>Reads the archive to its end and stores everything in it.</summary>
    public async Task<ImportReport> RunAsync(Stream archive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archive);
        _plan = await _collection.GetModelPlanAsync(cancellationToken);
        await foreach (var entry in TarEntries.ReadAsync(archive, e => Invalid("it is not a readable tar archive (" + e.Message + ")"), cancellationToken))
        {
            if (++_entries > _options.MaxImportEntries)
            {
                throw Invalid($"it has more than {_options.MaxImportEntries} entries (Transfer:MaxImportEntries)");
            }

            if (!TarEntries.IsFile(entry))
            {
                continue;
            }

            await ReadEntryAsync(entry, cancellationToken);
            Progress?.Invoke(Report);
        }

        if (!_manifestRead)
        {
            throw Invalid("it has no manifest.json");
        }

        await FinishChunkAsync(cancellationToken);
        await DrainAsync(all: true, cancellationToken);
        await FlushAsync(cancellationToken);
        if (_end is null)
        {
            throw Invalid($"it ends before end.json (cut off?); {Report.FacesAdded} examples were stored, and importing the whole archive again adds only the rest");
        }

        return Report;
    }

    private async Task ReadEntryAsync(TarEntry entry, CancellationToken cancellationToken)
    {
        var name = entry.Name;
        if (!_manifestRead)
        {
            if (name != CollectionArchive.ManifestEntry)
            {
                throw Invalid("its first entry must be manifest.json");
            }

            var manifest = Parse<ArchiveManifest>(await ReadAsync(entry, 1024 * 1024, cancellationToken), name);
            if (manifest.Format != CollectionArchive.Format)
            {
                throw Invalid($"manifest.json's format is not '{CollectionArchive.Format}'");
            }

            if (manifest.Version != CollectionArchive.Version)
            {
                throw Invalid($"its version {manifest.Version} is not supported (this node reads version {CollectionArchive.Version})");
            }

            _manifestRead = true;
            return;
        }

        if (_end is not null)
        {
            throw Invalid("an entry follows end.json");
        }

        if (name.StartsWith(CollectionArchive.ImagesPrefix, StringComparison.Ordinal))
        {
            await ReadImageAsync(entry, cancellationToken);
        }
        else if (name.StartsWith(CollectionArchive.FacesPrefix, StringComparison.Ordinal) && name.EndsWith(".ndjson", StringComparison.Ordinal))
        {
            await FinishChunkAsync(cancellationToken);
            foreach (var line in Lines(await ReadAsync(entry, CollectionArchive.MaxChunkBytes, cancellationToken), name))
            {
                await AcceptFaceAsync(Parse<ArchiveFace>(line, name), cancellationToken);
            }
        }
        else if (name.StartsWith(CollectionArchive.SubjectsPrefix, StringComparison.Ordinal) && name.EndsWith(".ndjson", StringComparison.Ordinal))
        {
            foreach (var line in Lines(await ReadAsync(entry, CollectionArchive.MaxChunkBytes, cancellationToken), name))
            {
                var subject = Parse<ArchiveSubject>(line, name).Subject;
                if (ValidSubject(subject) is { } valid)
                {
                    _subjects.Add(valid);
                }
                else
                {
                    Report.Problem(null, subject, "invalid_subject", _options.MaxReportedProblems);
                }
            }

            if (_subjects.Count >= BatchFaces)
            {
                await FlushAsync(cancellationToken);
            }
        }
        else if (name == CollectionArchive.EndEntry)
        {
            _end = Parse<ArchiveEnd>(await ReadAsync(entry, 1024 * 1024, cancellationToken), name);
        }
        else
        {
            throw Invalid($"its entry '{Truncate(name)}' is not part of format version {CollectionArchive.Version}");
        }
    }

    private async Task AcceptFaceAsync(ArchiveFace line, CancellationToken cancellationToken)
    {
        if (line.Id == Guid.Empty)
        {
            throw Invalid("an example has no id");
        }

        if (ValidSubject(line.Subject) is null)
        {
            Report.Problem(line.Id, line.Subject, "invalid_subject", _options.MaxReportedProblems);
            return;
        }

        var sameModel = line.Calculator == _calculator;
        if (line.Image is { } image)
        {
            // Complete when its image arrives (right after this chunk).
            if (!_waiting.TryAdd(image, line))
            {
                throw Invalid($"two examples name the image '{Truncate(image)}'");
            }

            return;
        }

        if (!sameModel)
        {
            Report.Problem(line.Id, line.Subject, "no_image_to_reembed", _options.MaxReportedProblems);
            return;
        }

        await AddAsync(line, null, CollectionArchive.DecodeVector(line.Embedding), cancellationToken);
    }

    private async Task ReadImageAsync(TarEntry entry, CancellationToken cancellationToken)
    {
        if (!_waiting.Remove(entry.Name, out var line))
        {
            Report.Problem(null, null, "image_without_example", _options.MaxReportedProblems);
            return;
        }

        if (entry.Length > _maxImageSize)
        {
            // Kept without its image when its vector serves; otherwise nothing to compute it from.
            Report.Problem(line.Id, line.Subject, "image_too_large", _options.MaxReportedProblems);
            await CompleteWithoutImageAsync(line, cancellationToken);
            return;
        }

        var bytes = await ReadAsync(entry, (int)_maxImageSize, cancellationToken);
        if (line.Calculator == _calculator && !_plan.Reembedding)
        {
            await AddAsync(line, bytes, CollectionArchive.DecodeVector(line.Embedding), cancellationToken);
            return;
        }

        _inFlight.Add(ReembedAsync(line, bytes, _plan, cancellationToken));
        await DrainAsync(all: false, cancellationToken);
    }

    /// <summary>
    /// Computes from the image what the example lacks: normally the current model's vector; while the collection is
    /// re-embedded, the serving and the target model's vectors (one of them is the archive's when it is of that model).
    /// </summary>
    private async Task<(ArchiveFace Line, byte[] Image, EnrolmentAnalysis Analysis)> ReembedAsync(ArchiveFace line, byte[] image, ModelPlan plan, CancellationToken cancellationToken)
    {
        var (embedder, also) = !plan.Reembedding ? (null, null)
            : line.Calculator == plan.Serving ? (plan.Target, null)
            : line.Calculator == plan.Target ? (plan.Serving, null)
            : (plan.Serving, plan.Target);
        return (line, image, await FaceEnrolment.AnalyzeAsync(_grains, image, embedder, also, cancellationToken));
    }

    /// <summary>Collects finished re-embeddings: all of them, or enough to leave room for one more.</summary>
    private async Task DrainAsync(bool all, CancellationToken cancellationToken)
    {
        while (_inFlight.Count > 0 && (all || _inFlight.Count >= _parallelism || _inFlight[0].IsCompleted))
        {
            var done = await Task.WhenAny(_inFlight);
            _inFlight.Remove(done);
            var (line, image, analysis) = await done;
            var kept = line.Calculator is { } model && (model == _calculator || model == _plan.Serving) ? CollectionArchive.DecodeVector(line.Embedding) : null;
            if (analysis.Problem != EnrolmentProblem.None)
            {
                Report.Problem(line.Id, line.Subject, EnrolmentAnalysis.Reason(analysis.Problem), _options.MaxReportedProblems);
                if (kept is not null)
                {
                    // Its own vector still serves (now or after the re-embedding, which computes what is missing).
                    await AddAsync(line, image, kept, cancellationToken);
                }

                continue;
            }

            Report.FacesReembedded++;
            if (analysis.AlsoEmbedding is not null || kept is null)
            {
                // Both computed (another model during a re-embedding), or the current model's alone.
                await AddAsync(line with { Calculator = analysis.Calculator }, image, analysis.Embedding, cancellationToken, analysis.AlsoCalculator, analysis.AlsoEmbedding);
            }
            else if (line.Calculator == _plan.Serving)
            {
                await AddAsync(line, image, kept, cancellationToken, analysis.Calculator, analysis.Embedding);
            }
            else
            {
                // The archive's vector is the target model's: the serving one was computed.
                await AddAsync(line with { Calculator = analysis.Calculator }, image, analysis.Embedding, cancellationToken, line.Calculator, kept);
            }
        }
    }

    /// <summary>Examples of the last chunk whose image never came: kept by their vector, or reported.</summary>
    private async Task FinishChunkAsync(CancellationToken cancellationToken)
    {
        foreach (var line in _waiting.Values.ToArray())
        {
            Report.Problem(line.Id, line.Subject, "image_missing", _options.MaxReportedProblems);
            await CompleteWithoutImageAsync(line, cancellationToken);
        }

        _waiting.Clear();
    }

    private Task CompleteWithoutImageAsync(ArchiveFace line, CancellationToken cancellationToken)
    {
        if (line.Calculator != _calculator)
        {
            Report.Problem(line.Id, line.Subject, "no_image_to_reembed", _options.MaxReportedProblems);
            return Task.CompletedTask;
        }

        return AddAsync(line, null, CollectionArchive.DecodeVector(line.Embedding), cancellationToken);
    }

    private async Task AddAsync(
        ArchiveFace line, byte[]? image, float[]? vector, CancellationToken cancellationToken, string? alsoCalculator = null, float[]? alsoVector = null)
    {
        if (vector is null || vector.All(v => v == 0) || (line.Calculator == _calculator && _dimension > 0 && vector.Length != _dimension))
        {
            Report.Problem(line.Id, line.Subject, "invalid_embedding", _options.MaxReportedProblems);
            return;
        }

        var id = TransferIds.Derive(_targetId, "import", line.Id.ToString("D"));
        _batch.Add(new TransferFace(id, line.Subject!, line.Calculator!, vector, image, alsoCalculator, alsoVector));
        _batchBytes += image?.Length ?? 0;
        if (_batch.Count >= BatchFaces || _batchBytes >= BatchBytes)
        {
            await FlushAsync(cancellationToken);
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_batch.Count == 0 && _subjects.Count == 0)
        {
            return;
        }

        // Not cancelled half-way: a batch is one short transaction, and its answer (what it stored) is what a cancelled
        // import needs to remove again; the token is checked before the batch is sent.
        cancellationToken.ThrowIfCancellationRequested();
        var outcome = await _collection.ImportAsync(_subjects.ToArray(), _batch.ToArray(), CancellationToken.None);
        _added.AddRange(outcome.Added ?? []);
        _created.AddRange(outcome.Created ?? []);
        Report.SubjectsCreated += outcome.SubjectsCreated;

        // A re-embedding may have started or ended meanwhile: the next examples follow the collection's plan of now.
        _plan = await _collection.GetModelPlanAsync(cancellationToken);
        Report.FacesAdded += outcome.FacesAdded;
        Report.FacesExisting += outcome.FacesExisting;
        _batch.Clear();
        _subjects.Clear();
        _batchBytes = 0;
    }

    /// <summary>
    /// Removes what this import stored (a cancelled import leaves the collection as it found it): its examples, then the
    /// subjects it created when they hold no example any more (one a client added meanwhile keeps the subject). Returns
    /// the examples and subjects removed.
    /// </summary>
    public async Task<(int Faces, int Subjects)> RollBackAsync(CancellationToken cancellationToken)
    {
        // Re-embeddings still running were cancelled with the import; their results are not stored.
        await Task.WhenAll(_inFlight).ContinueWith(static _ => { }, cancellationToken, TaskContinuationOptions.None, TaskScheduler.Default);
        _inFlight.Clear();
        var faces = 0;
        foreach (var chunk in _added.Chunk(1000))
        {
            faces += (await _collection.DeleteFacesAsync(chunk, cancellationToken)).Count;
        }

        var subjects = 0;
        var catalog = _grains.GetGrain<ISubjectCatalogGrain>(_targetId);
        foreach (var name in _created)
        {
            if ((await _collection.ListFacesAsync(name, 0, 1, cancellationToken)).Total == 0
                && await catalog.DeleteSubjectAsync(name, cancellationToken) is not null)
            {
                subjects++;
            }
        }

        _added.Clear();
        _created.Clear();
        return (faces, subjects);
    }

    private static string? ValidSubject(string? name)
    {
        try
        {
            return SubjectNames.Validate(name);
        }
        catch (ApiException)
        {
            return null;
        }
    }

    private static async Task<byte[]> ReadAsync(TarEntry entry, int limit, CancellationToken cancellationToken)
    {
        if (entry.Length > limit)
        {
            throw Invalid($"its entry '{Truncate(entry.Name)}' is larger than {limit} bytes");
        }

        var bytes = new byte[entry.Length];
        if (entry.DataStream is { } data)
        {
            await data.ReadExactlyAsync(bytes, cancellationToken);
        }

        return bytes;
    }

    /// <summary>
    /// The chunk's lines, at most <see cref="CollectionArchive.MaxChunkItems"/>: what waits for its images, or goes to the
    /// collection in one call, is one chunk, so its size in lines is bounded, not only in bytes.
    /// </summary>
    private static IEnumerable<ReadOnlyMemory<byte>> Lines(byte[] chunk, string entry)
    {
        var count = 0;
        var start = 0;
        for (var i = 0; i <= chunk.Length; i++)
        {
            if (i == chunk.Length || chunk[i] == (byte)'\n')
            {
                var line = chunk.AsMemory(start, i - start);
                if (!line.Span.Trim((byte)'\r').IsEmpty)
                {
                    if (++count > CollectionArchive.MaxChunkItems)
                    {
                        throw Invalid($"its entry '{Truncate(entry)}' has more than {CollectionArchive.MaxChunkItems} lines");
                    }

                    yield return line;
                }

                start = i + 1;
            }
        }
    }

    private static T Parse<T>(ReadOnlyMemory<byte> json, string entry)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json.Span, CollectionArchive.Json) ?? throw Invalid($"its entry '{Truncate(entry)}' holds null");
        }
        catch (JsonException exception)
        {
            throw Invalid($"its entry '{Truncate(entry)}' is not valid JSON ({exception.Message})");
        }
    }

    private static string Truncate(string value) => value.Length <= 100 ? value : value[..100] + "…";

    private static ApiException Invalid(string why) => ApiErrors.Validation("Invalid collection archive: " + why);
}

/// <summary>What an import did: counts, and the examples it skipped with the reason (the first ones, by id).</summary>
public sealed class ImportReport
{
    /// <summary>Subjects created.</summary>
    public int SubjectsCreated { get; set; }

    /// <summary>Examples stored.</summary>
    public long FacesAdded { get; set; }

    /// <summary>Examples already stored by an earlier import of the same archive: skipped.</summary>
    public long FacesExisting { get; set; }

    /// <summary>Examples of another model whose vector was computed again from their image.</summary>
    public long FacesReembedded { get; set; }

    /// <summary>Examples (and stray entries) not imported, or imported with a problem noted.</summary>
    public long Problems { get; set; }

    /// <summary>The first problems: <c>{id, subject, reason}</c>.</summary>
    public List<ImportProblem> Details { get; } = [];

    internal void Problem(Guid? id, string? subject, string reason, int maxListed)
    {
        Problems++;
        if (Details.Count < maxListed)
        {
            Details.Add(new ImportProblem(id, subject is { Length: <= 100 } ? subject : subject?[..100], reason));
        }
    }
}

/// <summary>One problem of an import: the example's id in the archive, its subject and why.</summary>
public sealed record ImportProblem(Guid? Id, string? Subject, string Reason);
