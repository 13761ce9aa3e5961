using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using CompreFace.Inference;

namespace CompreFace.Grains.Telemetry;

/// <summary>
/// The service's own instruments (meter and activity source <see cref="Name"/>): per-stage latency of the face
/// pipeline and of collection searches, and gauges of the collections active on this silo. Names, tags and values
/// carry no image, embedding, subject name or API key: a collection is tagged with its service id only.
/// </summary>
public sealed class CompreFaceMetrics : IDisposable
{
    /// <summary>The meter and activity source name the exporters subscribe to.</summary>
    public const string Name = "CompreFace";

    /// <summary>Stage names, the values of the <c>stage</c> tag of <c>compreface.stage.duration</c>.</summary>
    public static class Stages
    {
        public const string Decode = "decode";
        public const string Detect = "detect";
        public const string Embed = "embed";
        public const string Search = "search";
    }

    // Face pipeline stages take from well under a millisecond (a search of a small collection) to seconds (a large
    // photo on a busy CPU); the SDK's default buckets (0..10000, meant for milliseconds) would put every sample in
    // the first two buckets of a histogram in seconds.
    private static readonly double[] Buckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly ActivitySource Source = new(Name);

    private readonly Meter _meter;
    private readonly Histogram<double> _stage;
    private readonly Histogram<double> _plugin;
    private readonly ConcurrentDictionary<Guid, CollectionSize> _collections = new();

    public CompreFaceMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(Name);
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets };
        _stage = _meter.CreateHistogram<double>(
            "compreface.stage.duration", "s", "Time of one stage of a request: decode, detect, embed (align + embed, all faces of an image), search (a collection's fan-out and merge).", tags: null, advice);
        _plugin = _meter.CreateHistogram<double>(
            "compreface.plugin.duration", "s", "Time of one face plugin over all faces of an image.", tags: null, advice);
        _meter.CreateObservableGauge(
            "compreface.collections.active", () => _collections.Count, "{collection}", "Face collections active (loaded) on this silo.");
        _meter.CreateObservableGauge(
            "compreface.collection.faces", ObserveSizes, "{face}", "Faces in each face collection active on this silo, tagged with its service id.");
    }

    /// <summary>The activity source of the service's own spans (the inference run inside a worker grain).</summary>
    public static ActivitySource ActivitySource => Source;

    /// <summary>Records the pipeline's stage times of one image; the embed stage only when embeddings were computed.</summary>
    public void RecordPipeline(FaceAnalysis analysis, bool embedded)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        var t = analysis.Timings;
        _stage.Record(t.DecodeMs / 1000, new KeyValuePair<string, object?>("stage", Stages.Decode));
        _stage.Record(t.DetectMs / 1000, new KeyValuePair<string, object?>("stage", Stages.Detect));
        if (embedded && analysis.Faces.Count > 0)
        {
            _stage.Record(t.AlignEmbedMs / 1000, new KeyValuePair<string, object?>("stage", Stages.Embed));
        }

        foreach (var (slug, ms) in analysis.PluginTimesMs ?? new Dictionary<string, double>())
        {
            _plugin.Record(ms / 1000, new KeyValuePair<string, object?>("plugin", slug));
        }
    }

    /// <summary>Records one collection search (all queries of a request, fan-out to the shards and merge).</summary>
    public void RecordSearch(TimeSpan elapsed) =>
        _stage.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("stage", Stages.Search));

    /// <summary>
    /// Starts counting a collection that activated on this silo; the grain updates the returned size and calls
    /// <see cref="Untrack"/> when it deactivates.
    /// </summary>
    public CollectionSize Track(Guid collectionId) => _collections.GetOrAdd(collectionId, static _ => new CollectionSize());

    /// <summary>Stops counting a collection (its grain deactivated).</summary>
    public void Untrack(Guid collectionId) => _collections.TryRemove(collectionId, out _);

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<long>> ObserveSizes()
    {
        foreach (var (id, size) in _collections)
        {
            yield return new Measurement<long>(size.Faces, new KeyValuePair<string, object?>("collection", id.ToString("N")));
        }
    }
}

/// <summary>
/// The face count of one active collection, written by its grain (one writer) and read by the gauge's callback on
/// another thread, hence the volatile accesses.
/// </summary>
public sealed class CollectionSize
{
    private long _faces;

    /// <summary>Faces in the collection.</summary>
    public long Faces
    {
        get => Volatile.Read(ref _faces);
        set => Volatile.Write(ref _faces, value);
    }
}
