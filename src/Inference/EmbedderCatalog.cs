using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.Inference;

/// <summary>
/// The embedders a worker can run, by calculator version: the configured one (<see cref="InferenceOptions.Embedder"/>)
/// and, loaded on first use, the others of the catalog. A collection being re-embedded is still searched with its old
/// model and written with both (docs/decisions/0034-jobs-and-re-embedding.md), so a node needs the old model too while
/// that runs; nodes that never meet such a collection never load it.
/// </summary>
public sealed class EmbedderCatalog(IFaceEmbedder configured, IServiceProvider services)
{
    private readonly ConcurrentDictionary<string, Lazy<IFaceEmbedder>> _others = new(StringComparer.Ordinal);

    /// <summary>Calculator versions of the models this build knows.</summary>
    public static IReadOnlyList<string> Known { get; } = [MobileFaceNetVersion, DlibVersion];

    private const string MobileFaceNetVersion = "mobilefacenet.Calculator@mobilefacenet512_faceplugin";
    private const string DlibVersion = "dlib.Calculator@dlib_resnet128_faceapi";

    /// <summary>The configured embedder.</summary>
    public IFaceEmbedder Configured => configured;

    /// <summary>
    /// The embedder of <paramref name="version"/> (null or the configured one's: the configured one).
    /// </summary>
    /// <exception cref="ArgumentException">Not a model this build knows.</exception>
    public IFaceEmbedder Get(string? version)
    {
        if (version is null || version == configured.Version)
        {
            return configured;
        }

        return _others.GetOrAdd(version, v => new Lazy<IFaceEmbedder>(() => v switch
        {
            MobileFaceNetVersion => ActivatorUtilities.CreateInstance<MobileFaceNetEmbedder>(services),
            DlibVersion => ActivatorUtilities.CreateInstance<DlibResNetEmbedder>(services),
            _ => throw new ArgumentException($"Unknown embedding model '{v}'.", nameof(version)),
        })).Value;
    }
}
