namespace CompreFace.Conventions.Tests;

/// <summary>The conventions, checked on the working tree.</summary>
public sealed class RepositoryConventionTests
{
    /// <summary>The checkers' own sources and samples contain the patterns they look for.</summary>
    private const string Self = "tests/Conventions.Tests/";

    private static readonly string[] CodeExtensions = [".cs", ".js", ".html", ".css", ".sh", ".sql"];

    private static readonly string[] CodeFolders = ["src", "tests", "tools", "deploy"];

    private static IEnumerable<SourceFile> Code() =>
        CodeFolders
            .SelectMany(folder => RepositoryFiles.Read(folder, CodeExtensions))
            .Where(f => !f.Path.StartsWith(Self, StringComparison.Ordinal));

    private static IEnumerable<SourceFile> Markdown() =>
        RepositoryFiles.ReadOne("README.md")
            .Concat(RepositoryFiles.Read("docs", ".md"))
            .Concat(RepositoryFiles.Read("deploy", ".md"));

    private static string? ReadText(string path) =>
        File.Exists(Path.Combine(RepositoryFiles.Root, path)) ? File.ReadAllText(Path.Combine(RepositoryFiles.Root, path)) : null;

    [Fact]
    public void LoggerMessages_AcrossSrc_HaveUniqueExplicitEventIds()
    {
        var files = RepositoryFiles.Read("src", ".cs");
        Assert.Contains(files, f => f.Text.Contains("[LoggerMessage(", StringComparison.Ordinal));

        Assert.Empty(LoggerEventIds.FindViolations(files));
    }

    [Fact]
    public void MarkdownLinks_InReadmeAndDocs_ResolveToRepositoryFiles()
    {
        Assert.Empty(DocReferences.FindBrokenLinks(Markdown(), RepositoryFiles.Exists, ReadText));
    }

    [Fact]
    public void DecisionReferences_InCodeAndDocs_NameExistingDecisions()
    {
        var decisions = RepositoryFiles.Read("docs/decisions", ".md").Select(f => Path.GetFileName(f.Path)).ToArray();
        Assert.NotEmpty(decisions);

        Assert.Empty(DocReferences.FindMissingDecisions(Code().Concat(Markdown()), decisions));
    }

    [Fact]
    public void DocsReferences_InCode_NameExistingFilesAndSections()
    {
        Assert.Empty(DocReferences.FindBrokenCodeReferences(Code(), RepositoryFiles.Exists, ReadText));
    }

    [Fact]
    public void FacePlugins_EachPlugin_IsItsClassACatalogEntryAndATest()
    {
        var files = RepositoryFiles.Read("src", ".cs").Concat(RepositoryFiles.Read("tests", ".cs")).ToArray();

        Assert.Empty(PluginPath.FindViolations(files));
    }

    [Fact]
    public void ReadmeTree_EveryListedPath_IsAFolderOfTheRepository()
    {
        // The architecture block of the README lists one folder per concern ("src/Grains/Storage   all database code…");
        // a folder that is renamed or removed must take its line with it.
        var listed = ReadmeTreeLines().Select(line => line.Path).ToArray();
        Assert.Contains("src/Grains/Storage", listed);

        var missing = listed.Where(path => !Directory.Exists(Path.Combine(RepositoryFiles.Root, path))).ToArray();
        Assert.Empty(missing);
    }

    [Fact]
    public void ReadmeTree_EveryCodeFolderOfSrc_IsNamed()
    {
        // The other direction: a concern that gets a new folder in a project gets a line (or, as Endpoints/ and Admin/
        // under src/WebApi, a mention in its project's line), so the tree a newcomer reads is the tree there is. Folders
        // inside a concern's folder (Storage/Faces, Storage/Migrations…) are that concern's, described on its line.
        var lines = ReadmeTreeLines();
        var folders = RepositoryFiles.Read("src", ".cs")
            .Select(f => Path.GetDirectoryName(f.Path)!.Replace('\\', '/'))
            .Where(folder => folder.Count(c => c == '/') == 2)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        Assert.Contains("src/Grains/Storage", folders);

        var unnamed = folders.Where(folder => !ReadmeTreeNames(lines, folder)).Order(StringComparer.Ordinal).ToArray();
        Assert.Empty(unnamed);
    }

    [Fact]
    public void Comments_InCode_DoNotPointOutsideTheRepository()
    {
        var code = Code().Where(f => f.Path != "tools/rewrite-spec-refs.sh");

        Assert.Empty(ExternalReferences.FindViolations(code));
    }

    /// <summary>The lines of the README's architecture block: the folder each names, and what it says of it.</summary>
    private static (string Path, string Text)[] ReadmeTreeLines() =>
        RepositoryFiles.ReadOne("README.md").Single().Text.Split('\n')
            .Where(line => line.StartsWith("src/", StringComparison.Ordinal) || line.StartsWith("tools/", StringComparison.Ordinal))
            .Select(line => line.Split(' ', 2))
            .Select(parts => (parts[0].TrimEnd('/'), parts.Length > 1 ? parts[1] : string.Empty))
            .ToArray();

    /// <summary>Whether <paramref name="folder"/> has its own line, or is named as <c>Name/</c> in an ancestor's line.</summary>
    private static bool ReadmeTreeNames((string Path, string Text)[] lines, string folder) =>
        lines.Any(line => line.Path == folder
            || (folder.StartsWith(line.Path + "/", StringComparison.Ordinal)
                && line.Text.Contains(folder[(line.Path.Length + 1)..] + "/", StringComparison.Ordinal)));
}
