namespace CompreFace.Conventions.Tests;

/// <summary>Each checker reports a made-up violation and accepts the corrected sample, so the conventions can fail.</summary>
public sealed class CheckerTests
{
    private static readonly Dictionary<string, string> Tree = new()
    {
        ["README.md"] = "# Project\n\n## Build and test\n",
        ["docs/guide.md"] = "# Guide\n\n## Recognition rules\n",
        ["docs/decisions/0007-collections.md"] = "# 0007\n",
    };

    private static bool Exists(string path) => Tree.ContainsKey(path) || path is "docs" or "docs/decisions" or "src";

    private static string? Read(string path) => Tree.GetValueOrDefault(path);

    [Fact]
    public void LoggerEventIds_SameIdInTwoFiles_ReportsBothPlaces()
    {
        SourceFile[] files =
        [
            new("src/A.cs", "[LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = \"a\")]"),
            new("src/B.cs", "\n[LoggerMessage(2001, LogLevel.Error, \"b\")]"),
        ];

        var violation = Assert.Single(LoggerEventIds.FindViolations(files));
        Assert.Contains("EventId 2001", violation, StringComparison.Ordinal);
        Assert.Contains("src/A.cs:1", violation, StringComparison.Ordinal);
        Assert.Contains("src/B.cs:2", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void LoggerEventIds_MissingId_Reported()
    {
        SourceFile[] files = [new("src/A.cs", "[LoggerMessage(Level = LogLevel.Information, Message = \"Schema at {Version}\")]")];

        Assert.Contains("without an EventId", Assert.Single(LoggerEventIds.FindViolations(files)), StringComparison.Ordinal);
    }

    [Fact]
    public void LoggerEventIds_DistinctIds_NoViolation()
    {
        SourceFile[] files =
        [
            new("src/A.cs", "[LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = \"a\")]"),
            new("src/B.cs", "[LoggerMessage(2002, LogLevel.Error, \"b\")]"),
        ];

        Assert.Empty(LoggerEventIds.FindViolations(files));
    }

    [Fact]
    public void BrokenLinks_MissingFileMissingHeadingAndOutsideRoot_AllReported()
    {
        SourceFile[] docs =
        [
            new("docs/guide.md", "See [the plan](plan.md), [rules](guide.md#recognize), [spec](../../shared/spec/api.md) and [ok](#recognition-rules)."),
        ];

        var violations = DocReferences.FindBrokenLinks(docs, Exists, Read);

        Assert.Equal(3, violations.Count);
        Assert.Contains(violations, v => v.Contains("docs/plan.md, which does not exist", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("no heading #recognize", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("outside the repository", StringComparison.Ordinal));
    }

    [Fact]
    public void BrokenLinks_ExistingTargetsWebLinksAndCode_NoViolation()
    {
        SourceFile[] docs =
        [
            new("docs/decisions/README.md",
                "[0007](0007-collections.md), [readme](../../README.md#build-and-test), [web](https://example.org/x.md)\n" +
                "`[not a link](missing.md)`\n```\n[nor this](missing.md)\n```\n"),
        ];

        Assert.Empty(DocReferences.FindBrokenLinks(docs, Exists, Read));
    }

    [Fact]
    public void MissingDecisions_WrongNameOrUnknownNumber_Reported()
    {
        SourceFile[] files =
        [
            new("src/Index.cs", "/// (docs/decisions/0007-vector-search.md has the measurements), see docs/decisions/0099."),
            new("docs/decisions/0008-x.md", "Follows `0007-collections.md` and `0006-face-store.md`."),
        ];

        var violations = DocReferences.FindMissingDecisions(files, ["0007-collections.md", "0008-x.md"]);

        Assert.Equal(3, violations.Count);
        Assert.Contains(violations, v => v.Contains("0007-vector-search.md", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("0099", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("0006-face-store.md", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingDecisions_ExistingFullAndShortReferences_NoViolation()
    {
        SourceFile[] files = [new("src/Index.cs", "// docs/decisions/0007-collections.md and (docs/decisions/0007)")];

        Assert.Empty(DocReferences.FindMissingDecisions(files, ["0007-collections.md"]));
    }

    [Fact]
    public void CodeReferences_UnknownSectionOrFile_Reported()
    {
        SourceFile[] code = [new("src/A.cs", "// docs/guide.md#recognition-rules, docs/guide.md#recognize, docs/missing.md")];

        var violations = DocReferences.FindBrokenCodeReferences(code, Exists, Read);

        Assert.Equal(2, violations.Count);
        Assert.Contains(violations, v => v.Contains("no heading #recognize", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("docs/missing.md does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void ExternalReferences_SpecSectionsAndSpecFiles_Reported()
    {
        SourceFile[] code =
        [
            new("src/A.cs", "/// Recognition (spec §1.7).\n// written from <c>spec/orleans-adonet-contract.md</c>\n// fine: docs/compreface-behaviour.md#recognize\n-- (spec §2.2–§2.4)"),
            new("src/B.cs", "/// pose (shared/models/MANIFEST.md §10)\n// photos of shared/data/identities.csv\n// reads them low (MANIFEST §10)"),
        ];

        var violations = ExternalReferences.FindViolations(code);

        Assert.Equal(["src/A.cs:1", "src/A.cs:2", "src/A.cs:4", "src/B.cs:1", "src/B.cs:3"], violations.Select(v => v[..v.IndexOf(": ", StringComparison.Ordinal)]));
    }

    [Fact]
    public void PluginPath_PluginOutsideCatalogUntestedAndNamedByTheTiers_ReportsEachBreak()
    {
        SourceFile[] files =
        [
            new(PluginPath.CatalogFile, "Catalog = [ new([\"age\", \"gender\"], static (r, _, e) => new AgeGenderPlugin(r)), ];"),
            new("src/Inference/Plugins/AgeGenderPlugin.cs", "internal sealed class AgeGenderPlugin : OnnxFacePlugin {}"),
            new("src/Inference/Plugins/GlassesPlugin.cs", "internal sealed class GlassesPlugin(OnnxRuntimeHost r) : IFacePlugin, IDisposable {}"),
            new("src/Inference/Plugins/OnnxFacePlugin.cs", "internal abstract class OnnxFacePlugin : IFacePlugin {}"),
            new("src/WebApi/Faces/FaceMapper.cs", "var x = 1;\nAge = requested.Contains(\"age\") ? face.Age : null;"),
            new("tests/Inference.Tests/PluginTests.cs", "[InlineData(\"age\", typeof(AgeGenderPlugin))]"),
        ];

        var violations = PluginPath.FindViolations(files).ToArray();

        Assert.Equal(3, violations.Length);
        Assert.Contains(violations, v => v.Contains("GlassesPlugin is not built by an entry of the catalog", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("GlassesPlugin is named by no test", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("src/WebApi/Faces/FaceMapper.cs:2: names the plugin \"age\"", StringComparison.Ordinal));
    }

    [Fact]
    public void PluginPath_PluginInCatalogAndTested_Accepted()
    {
        SourceFile[] files =
        [
            new(PluginPath.CatalogFile, "Catalog = [ new([\"glasses\"], static (r, _, _) => new GlassesPlugin(r)), ];"),
            new("src/Inference/Plugins/GlassesPlugin.cs", "internal sealed class GlassesPlugin(OnnxRuntimeHost r) : OnnxFacePlugin(r) {}"),
            new("src/WebApi/Faces/FaceMapper.cs", "keys.Add(plugin);"),
            new("tests/Inference.Tests/PluginTests.cs", "[InlineData(\"glasses\", typeof(GlassesPlugin))]"),
        ];

        Assert.Empty(PluginPath.FindViolations(files));
    }

    [Fact]
    public void Slug_HeadingWithCodeAndPunctuation_MatchesGitHubAnchor()
    {
        Assert.Equal("subjects-apiv1recognitionsubjects", DocReferences.Slug("Subjects: `/api/v1/recognition/subjects`"));
        Assert.Equal("verify-against-a-stored-example", DocReferences.Slug("Verify against a stored example"));
    }
}
