using System.Text.RegularExpressions;

namespace CompreFace.Conventions.Tests;

/// <summary>
/// A new face plugin is three things: its class in <c>src/Inference/Plugins</c>, its entry in the catalog of
/// <c>FacePluginSet.cs</c>, and a test under <c>tests/</c> that names the class. The worker grain, the wire types and
/// the HTTP tier carry plugin values without knowing them, so none of their files names a catalog slug
/// (docs/decisions/0018-face-results-and-model-identity.md).
/// </summary>
public static partial class PluginPath
{
    /// <summary>Where plugins live.</summary>
    public const string PluginFolder = "src/Inference/Plugins/";

    /// <summary>The file holding the catalog.</summary>
    public const string CatalogFile = PluginFolder + "FacePluginSet.cs";

    /// <summary>Folders whose code must not name a plugin: they carry its value through.</summary>
    public static IReadOnlyList<string> PassThrough { get; } = ["src/Grains/", "src/Grains.Interfaces/", "src/WebApi/", "src/Silo/"];

    /// <summary>Every break of the rule in <paramref name="files"/> (paths relative to the repository root).</summary>
    public static IEnumerable<string> FindViolations(IReadOnlyCollection<SourceFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var catalog = files.FirstOrDefault(f => f.Path == CatalogFile);
        if (catalog is null)
        {
            yield return $"{CatalogFile} not found";
            yield break;
        }

        var slugs = CatalogEntry().Matches(catalog.Text)
            .SelectMany(m => Quoted().Matches(m.Groups[1].Value).Select(q => q.Groups[1].Value))
            .ToArray();
        if (slugs.Length == 0)
        {
            yield return $"{CatalogFile}: no catalog entries (new([\"slug\", …], …)) found";
        }

        var tests = files.Where(f => f.Path.StartsWith("tests/", StringComparison.Ordinal)).ToArray();
        foreach (var file in files.Where(f => f.Path.StartsWith(PluginFolder, StringComparison.Ordinal)))
        {
            foreach (Match plugin in PluginClass().Matches(file.Text))
            {
                var name = plugin.Groups[1].Value;
                if (!catalog.Text.Contains($"new {name}(", StringComparison.Ordinal))
                {
                    yield return $"{file.Path}: plugin {name} is not built by an entry of the catalog in {CatalogFile}";
                }

                if (!tests.Any(t => Regex.IsMatch(t.Text, $@"\b{name}\b")))
                {
                    yield return $"{file.Path}: plugin {name} is named by no test under tests/";
                }
            }
        }

        foreach (var file in files.Where(f => PassThrough.Any(p => f.Path.StartsWith(p, StringComparison.Ordinal))))
        {
            foreach (var slug in slugs)
            {
                var at = file.Text.IndexOf($"\"{slug}\"", StringComparison.Ordinal);
                if (at >= 0)
                {
                    var line = file.Text.AsSpan(0, at).Count('\n') + 1;
                    yield return $"{file.Path}:{line}: names the plugin \"{slug}\"; plugin values pass through here unnamed";
                }
            }
        }
    }

    [GeneratedRegex(@"new\(\[([^\]]*)\],")]
    private static partial Regex CatalogEntry();

    [GeneratedRegex("\"([^\"]+)\"")]
    private static partial Regex Quoted();

    // A concrete class that implements IFacePlugin or derives from a plugin base (FacePlugin, OnnxFacePlugin).
    [GeneratedRegex(@"(?<!abstract )\bclass (\w+)\b[^{;]*:[^{;]*\b(?:IFacePlugin|FacePlugin|OnnxFacePlugin)\b")]
    private static partial Regex PluginClass();
}
