namespace CompreFace.Inference.Tests;

/// <summary>Finds the read-only models and photos beside the repository (<c>../shared</c>), or <c>COMPREFACE_SHARED</c>.</summary>
internal static class SharedData
{
    public static string Root { get; } = FindRoot();

    public static string ModelsDirectory => Path.Combine(Root, "models");

    public static string DataDirectory => Path.Combine(Root, "data");

    public static byte[] Read(string relativePath) => File.ReadAllBytes(Path.Combine(DataDirectory, relativePath));

    private static string FindRoot()
    {
        var fromEnv = Environment.GetEnvironmentVariable("COMPREFACE_SHARED");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
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
