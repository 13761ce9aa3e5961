using System.Text;
using System.Text.RegularExpressions;

namespace CompreFace.Conventions.Tests;

/// <summary>
/// References into the repository's documentation resolve: Markdown links to repository files (and their
/// <c>#anchors</c>), references to decision records, and <c>docs/….md#section</c> references in code comments.
/// Every check takes the files and an existence test, so it can be exercised on made-up samples.
/// </summary>
public static partial class DocReferences
{
    /// <summary>Relative Markdown links in <paramref name="markdown"/> whose target file or heading does not exist.</summary>
    public static IReadOnlyList<string> FindBrokenLinks(IEnumerable<SourceFile> markdown, Func<string, bool> exists, Func<string, string?> readText)
    {
        var violations = new List<string>();
        foreach (var file in markdown)
        {
            var text = WithoutCode(file.Text);
            foreach (Match link in MarkdownLink().Matches(text))
            {
                var target = link.Groups["target"].Value;
                if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                var where = $"{file.Path}:{LineOf(text, link.Index)}";
                var hash = target.IndexOf('#', StringComparison.Ordinal);
                var pathPart = hash < 0 ? target : target[..hash];
                var anchor = hash < 0 ? null : target[(hash + 1)..];
                var resolved = pathPart.Length == 0 ? file.Path : Resolve(file.Path, Uri.UnescapeDataString(pathPart));
                if (resolved is null)
                {
                    violations.Add($"{where}: link '{target}' points outside the repository");
                }
                else if (!exists(resolved))
                {
                    violations.Add($"{where}: link '{target}' names {resolved}, which does not exist");
                }
                else if (anchor is { Length: > 0 } && resolved.EndsWith(".md", StringComparison.OrdinalIgnoreCase)
                         && !HasHeading(readText(resolved), anchor))
                {
                    violations.Add($"{where}: link '{target}': {resolved} has no heading #{anchor}");
                }
            }
        }

        return violations;
    }

    /// <summary>
    /// References to decision records (<c>docs/decisions/0007-….md</c>, <c>docs/decisions/0010</c>, and inside
    /// docs/decisions a bare <c>0008-….md</c>) that name no existing decision file.
    /// </summary>
    public static IReadOnlyList<string> FindMissingDecisions(IEnumerable<SourceFile> files, IReadOnlyCollection<string> decisionFileNames)
    {
        var violations = new List<string>();
        foreach (var file in files)
        {
            var inDecisions = file.Path.StartsWith("docs/decisions/", StringComparison.Ordinal);
            var matches = DecisionPath().Matches(file.Text).Cast<Match>();
            if (inDecisions)
            {
                matches = matches.Concat(BareDecision().Matches(file.Text));
            }

            foreach (var match in matches)
            {
                var number = match.Groups["n"].Value;
                var rest = match.Groups["rest"].Value;
                var found = rest.Length > 0
                    ? decisionFileNames.Contains(number + rest)
                    : decisionFileNames.Any(n => n.StartsWith(number + "-", StringComparison.Ordinal));
                if (!found)
                {
                    violations.Add($"{file.Path}:{LineOf(file.Text, match.Index)}: no decision file {number}{rest}");
                }
            }
        }

        return violations;
    }

    /// <summary>References <c>docs/….md</c> or <c>docs/….md#section</c> in code whose file or heading does not exist.</summary>
    public static IReadOnlyList<string> FindBrokenCodeReferences(IEnumerable<SourceFile> code, Func<string, bool> exists, Func<string, string?> readText)
    {
        var violations = new List<string>();
        foreach (var file in code)
        {
            foreach (Match match in DocsPath().Matches(file.Text))
            {
                var where = $"{file.Path}:{LineOf(file.Text, match.Index)}";
                var path = match.Groups["path"].Value;
                var anchor = match.Groups["anchor"].Value;
                if (!exists(path))
                {
                    violations.Add($"{where}: {path} does not exist");
                }
                else if (anchor.Length > 0 && !HasHeading(readText(path), anchor))
                {
                    violations.Add($"{where}: {path} has no heading #{anchor}");
                }
            }
        }

        return violations;
    }

    /// <summary>GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens.</summary>
    public static string Slug(string heading)
    {
        var slug = new StringBuilder();
        foreach (var c in heading.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }

        return slug.ToString();
    }

    private static bool HasHeading(string? markdown, string anchor) =>
        markdown is not null && Heading().Matches(markdown).Any(h => Slug(h.Groups["title"].Value) == anchor);

    /// <summary>The repository path of <paramref name="target"/> relative to <paramref name="fromFile"/>, or null outside the root.</summary>
    private static string? Resolve(string fromFile, string target)
    {
        var parts = new List<string>(fromFile.Split('/')[..^1]);
        foreach (var part in target.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    return null;
                }

                parts.RemoveAt(parts.Count - 1);
            }
            else
            {
                parts.Add(part);
            }
        }

        return string.Join('/', parts);
    }

    /// <summary>Blanks fenced code blocks and inline code (keeping line numbers), where link syntax means nothing.</summary>
    private static string WithoutCode(string markdown) =>
        InlineCode().Replace(Fence().Replace(markdown, m => new string('\n', m.Value.Count(c => c == '\n'))), string.Empty);

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    [GeneratedRegex(@"\[[^\]\n]*\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"^#{1,6}\s+(?<title>.+?)\s*#*\s*$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"`[^`\n]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"(?<![\w/])(?:docs/)?decisions/(?<n>\d{4})(?<rest>-[A-Za-z0-9-]*\.md)?")]
    private static partial Regex DecisionPath();

    [GeneratedRegex(@"(?<![\w/])(?<n>\d{4})(?<rest>-[a-z0-9-]+\.md)")]
    private static partial Regex BareDecision();

    [GeneratedRegex(@"(?<![\w/.])(?<path>docs/[A-Za-z0-9_./-]+?\.md)(?:#(?<anchor>[a-z0-9_-]+))?")]
    private static partial Regex DocsPath();
}
