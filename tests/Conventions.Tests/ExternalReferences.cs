using System.Text.RegularExpressions;

namespace CompreFace.Conventions.Tests;

/// <summary>
/// Comments in code must not send the reader outside the repository: CompreFace's behaviour is described in
/// docs/compreface-behaviour.md, and tools/rewrite-spec-refs.sh rewrites the old "spec §1.7" style into references to it.
/// </summary>
public static partial class ExternalReferences
{
    /// <summary>
    /// One violation per line citing an external spec section, the external spec files, the peers notes or the models'
    /// manifest (each model's provenance is the table in README.md#models). Test data sets under shared/data may be named.
    /// </summary>
    public static IReadOnlyList<string> FindViolations(IEnumerable<SourceFile> code)
    {
        var violations = new List<string>();
        foreach (var file in code)
        {
            var lines = file.Text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                if (External().Match(lines[i]) is { Success: true } match)
                {
                    violations.Add($"{file.Path}:{i + 1}: '{match.Value}' points outside the repository (run tools/rewrite-spec-refs.sh, or describe it under docs/)");
                }
            }
        }

        return violations;
    }

    [GeneratedRegex(@"\bspec(?:'s)?\s*§\s*\d[\d.]*|(?<![\w-])spec/[\w-]+\.md|shared/spec\b|\bpeers\.md\b|\bspec recommends\b|models/MANIFEST\.md|\bMANIFEST §")]
    private static partial Regex External();
}
