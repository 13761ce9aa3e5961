namespace CompreFace.Conventions.Tests;

/// <summary>A file of the repository: its path relative to the root (with '/') and its text.</summary>
public sealed record SourceFile(string Path, string Text);

/// <summary>Finds the repository root and reads its files, skipping build outputs.</summary>
public static class RepositoryFiles
{
    private static readonly string[] SkippedFolders = ["bin", "obj", ".git", "node_modules", ".ci"];

    /// <summary>The folder holding CompreFace.sln, found upwards from the test's output folder.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Files under <paramref name="folder"/> (relative to the root) whose names end in one of <paramref name="extensions"/>.</summary>
    public static IReadOnlyList<SourceFile> Read(string folder, params string[] extensions)
    {
        var start = Path.Combine(Root, folder);
        if (!Directory.Exists(start))
        {
            return [];
        }

        return Directory.EnumerateFiles(start, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Root, path).Replace('\\', '/'))
            .Where(path => !path.Split('/').Any(part => SkippedFolders.Contains(part)))
            .Where(path => extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal)
            .Select(path => new SourceFile(path, File.ReadAllText(Path.Combine(Root, path))))
            .ToList();
    }

    /// <summary>One file relative to the root, or nothing when it does not exist.</summary>
    public static IReadOnlyList<SourceFile> ReadOne(string path) =>
        File.Exists(Path.Combine(Root, path)) ? [new SourceFile(path, File.ReadAllText(Path.Combine(Root, path)))] : [];

    /// <summary>Whether <paramref name="path"/> (relative to the root) is a file or folder of the working tree.</summary>
    public static bool Exists(string path) =>
        File.Exists(Path.Combine(Root, path)) || Directory.Exists(Path.Combine(Root, path));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CompreFace.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"CompreFace.sln not found above {AppContext.BaseDirectory}");
    }
}
