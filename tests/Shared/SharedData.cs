namespace CompreFace.Testing;

/// <summary>
/// Finds the read-only models and photos beside the repository (<c>../shared</c>), or <c>COMPREFACE_SHARED</c>.
/// One file, linked into every test project that reads them.
/// </summary>
internal static class SharedData
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string ModelsDirectory => Path.Combine(Root, "models");

    public static string Models => ModelsDirectory;

    public static string DataDirectory => Path.Combine(Root, "data");

    public static byte[] Read(string relativePath) => File.ReadAllBytes(Path.Combine(DataDirectory, relativePath));

    public static string Sample(string name) => Path.Combine(DataDirectory, "compreface-samples", "sample_images", name);

    public static string ImgTool(string name) => Path.Combine(DataDirectory, "compreface-samples", "imgtools", name);

    public static byte[] SampleBytes(string name) => File.ReadAllBytes(Sample(name));

    public static byte[] ImgToolBytes(string name) => File.ReadAllBytes(ImgTool(name));

    private static string FindRoot()
    {
        var fromEnv = Environment.GetEnvironmentVariable("COMPREFACE_SHARED");
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return Path.GetFullPath(fromEnv);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CompreFace.sln")))
            {
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
            }
        }

        throw new DirectoryNotFoundException("Could not find ../shared beside the repository; set COMPREFACE_SHARED.");
    }
}
