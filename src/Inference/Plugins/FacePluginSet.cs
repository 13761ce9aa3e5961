using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CompreFace.Inference.Plugins;

/// <summary>
/// The plugins this process can run, built once from <see cref="PluginOptions"/>. A plugin whose model file is missing or
/// corrupt is left out with one warning; requests naming it simply do not get its field (as for any unknown slug).
/// </summary>
public sealed partial class FacePluginSet : IDisposable
{
    /// <summary>
    /// The catalog: every plugin the project implements, with the slugs it answers, in the order <c>available_plugins</c>
    /// lists them and faces carry their keys. Adding a plugin is its class, one entry here and its test; the worker, the
    /// wire and the HTTP tier carry its value without knowing it (docs/decisions/0018-face-results-and-model-identity.md).
    /// </summary>
    private static readonly CatalogEntry[] Catalog =
    [
        new(["age", "gender"], [typeof(AgeEstimate), typeof(GenderEstimate)], static (runtime, _, enabled) => new AgeGenderPlugin(runtime, enabled.Contains("age"), enabled.Contains("gender"))),
        new(["pose"], [typeof(HeadPose)], static (runtime, options, _) => options.PoseEstimator == "landmarks" ? new LandmarkPosePlugin(runtime) : new HeadPosePlugin(runtime)),
        new(["mask"], [typeof(MaskEstimate)], static (runtime, _, _) => new MaskPlugin(runtime)),
        new(["landmarks68"], [typeof(PointF[])], static (runtime, _, _) => new Landmarks68Plugin(runtime)),
        new(["liveness"], [typeof(LivenessEstimate)], static (runtime, _, _) => new LivenessPlugin(runtime)),
        new(["expression"], [typeof(ExpressionEstimate)], static (runtime, _, _) => new ExpressionPlugin(runtime)),
        new(["quality"], [typeof(QualityEstimate)], static (_, _, _) => new QualityPlugin()),
    ];

    /// <summary>Every plugin slug the project implements, in catalog order.</summary>
    public static IReadOnlyList<string> KnownSlugs { get; } = [.. Catalog.SelectMany(static e => e.Slugs)];

    /// <summary>
    /// Every slug with the type of the value a face carries under it, in catalog order: what the API's description
    /// of a face lists as its plugin fields (docs/decisions/0028-openapi.md).
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, Type>> ValueTypes { get; } =
        [.. Catalog.SelectMany(static e => e.Slugs.Select((slug, i) => KeyValuePair.Create(slug, e.ValueTypes[i])))];

    private readonly IFacePlugin[] _plugins;
    private readonly Dictionary<string, IFacePlugin> _bySlug = new(StringComparer.Ordinal);

    internal FacePluginSet(OnnxRuntimeHost runtime, IOptions<PluginOptions> options, ILogger<FacePluginSet> logger)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(options);
        var enabled = options.Value.Enabled is { Count: > 0 } list
            ? list.Select(static s => s.Trim().ToLowerInvariant()).ToHashSet(StringComparer.Ordinal)
            : [.. KnownSlugs];
        foreach (var unknown in enabled.Except(KnownSlugs))
        {
            Log.UnknownPlugin(logger, unknown);
        }

        var plugins = new List<IFacePlugin>();
        foreach (var entry in Catalog.Where(e => e.Slugs.Any(enabled.Contains)))
        {
            try
            {
                plugins.Add(entry.Create(runtime, options.Value, enabled));
            }
            catch (ModelFileException ex)
            {
                Log.PluginUnavailable(logger, string.Join(',', entry.Slugs), ex.Message);
            }
        }

        _plugins = [.. plugins];
        foreach (var plugin in _plugins)
        {
            foreach (var slug in plugin.Slugs)
            {
                _bySlug[slug] = plugin;
            }
        }
    }

    /// <summary>Position of <paramref name="slug"/> in the catalog; slugs outside it come last.</summary>
    internal static int CatalogRank(string slug)
    {
        for (var i = 0; i < KnownSlugs.Count; i++)
        {
            if (KnownSlugs[i] == slug)
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    /// <summary>Slug → version of every plugin that loaded, in <see cref="KnownSlugs"/> order.</summary>
    public IReadOnlyDictionary<string, string> Available =>
        KnownSlugs.Where(_bySlug.ContainsKey).ToDictionary(static s => s, s => _bySlug[s].VersionOf(s), StringComparer.Ordinal);

    /// <summary>The loaded plugin that answers <paramref name="slug"/>; null when none does.</summary>
    internal IFacePlugin? PluginOf(string slug) => _bySlug.GetValueOrDefault(slug);

    /// <summary>Whether <paramref name="slug"/> can run here.</summary>
    public bool IsAvailable(string slug) => _bySlug.ContainsKey(slug);

    /// <summary>
    /// Runs every available plugin named in <paramref name="slugs"/> (unknown ones are ignored) over <paramref name="faces"/>; null when
    /// none applies. <paramref name="detected"/> false skips pose and mask, as CompreFace does under <c>detect_faces=false</c>.
    /// </summary>
    public PluginResults? Run(DecodedImage image, IReadOnlyList<DetectedFace> faces, IReadOnlyCollection<string> slugs, bool detected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(slugs);
        if (faces.Count == 0 || slugs.Count == 0)
        {
            return null;
        }

        var toRun = new List<IFacePlugin>();
        foreach (var slug in slugs)
        {
            if (_bySlug.TryGetValue(slug, out var plugin) && !toRun.Contains(plugin) && (detected || plugin.RunsWithoutDetection))
            {
                toRun.Add(plugin);
            }
        }

        if (toRun.Count == 0)
        {
            return null;
        }

        var results = new PluginResults(faces.Count);
        foreach (var plugin in toRun)
        {
            var started = Stopwatch.GetTimestamp();
            plugin.Run(image, faces, results, cancellationToken);
            var ran = plugin.Slugs.Where(slugs.Contains).ToArray();
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds / Math.Max(1, ran.Length);
            foreach (var slug in ran)
            {
                results.Record(slug, plugin.VersionOf(slug), ms);
            }
        }

        return results;
    }

    public void Dispose()
    {
        foreach (var plugin in _plugins)
        {
            (plugin as IDisposable)?.Dispose();
        }
    }

    /// <summary>One plugin of the catalog: the slugs it answers and how it is built from the runtime, the options and the enabled slugs.</summary>
    private sealed record CatalogEntry(string[] Slugs, Type[] ValueTypes, Func<OnnxRuntimeHost, PluginOptions, IReadOnlySet<string>, IFacePlugin> Create);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Face plugin(s) {Slugs} unavailable: {Reason}")]
        public static partial void PluginUnavailable(ILogger logger, string slugs, string reason);

        [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Plugins:Enabled names unknown plugin '{Slug}'; ignored")]
        public static partial void UnknownPlugin(ILogger logger, string slug);
    }
}
