using System.Diagnostics;
using Xunit;

namespace CompreFace.Tools.Tests;

/// <summary>Runs the built converter as its own process, the way deploy/fetch-models.sh does, once per test class.</summary>
internal static class Converter
{
    public static string Upstream => Path.Combine(SharedData.ModelsDirectory, "upstream");

    public static string Assembly => Path.Combine(AppContext.BaseDirectory, "CompreFace.ModelConverter.dll");

    /// <summary>Converts every model from the shared upstream copy into a new temporary folder and returns it.</summary>
    public static async Task<string> ConvertAllAsync()
    {
        var output = Directory.CreateTempSubdirectory("compreface-converted-").FullName;
        var (exitCode, text) = await RunAsync(Upstream, output);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"The converter failed ({exitCode}): {text}");
        }

        return output;
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Assembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, stdout + await stderr);
    }
}

/// <summary>One conversion shared by the tests of a class (the dlib model alone is 22 MB).</summary>
public sealed class ConvertedModelsFixture : IAsyncLifetime
{
    public string Directory { get; private set; } = "";

    public async Task InitializeAsync() => Directory = await Converter.ConvertAllAsync();

    public Task DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }
}
