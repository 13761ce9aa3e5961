using System.Diagnostics;
using System.Net;

namespace CompreFace.Benchmarks;

internal sealed record BenchSettings(int Iterations, int Warmup, int Concurrency, double Seconds, int[] Sizes, int[] SearchSizes)
{
    /// <summary>The value after <c>--name</c> on the command line, or null.</summary>
    public static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, "--" + name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public static BenchSettings Parse(string[] args)
    {
        string? Get(string name) => Option(args, name);

        return new BenchSettings(
            int.Parse(Get("iterations") ?? "60"),
            int.Parse(Get("warmup") ?? "5"),
            int.Parse(Get("concurrency") ?? "8"),
            double.Parse(Get("seconds") ?? "20"),
            (Get("sizes") ?? "100000,1000000").Split(',').Select(int.Parse).ToArray(),
            (Get("sizes") ?? "10000,100000,1000000").Split(',').Select(int.Parse).ToArray());
    }
}

internal readonly record struct Stats(double Median, double P95, int Count, double Mean = double.NaN, double P99 = double.NaN)
{
    public static Stats Of(double[] samples)
    {
        if (samples.Length == 0)
        {
            return new Stats(double.NaN, double.NaN, 0);
        }

        var sorted = (double[])samples.Clone();
        Array.Sort(sorted);
        return new Stats(Percentile(sorted, 0.5), Percentile(sorted, 0.95), sorted.Length, sorted.Average(), Percentile(sorted, 0.99));
    }

    private static double Percentile(double[] sorted, double p)
    {
        var rank = p * (sorted.Length - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo));
    }
}

internal static class SharedData
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Root { get; } = Environment.GetEnvironmentVariable("COMPREFACE_SHARED")
        ?? Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CompreFace.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Run the benchmark from inside the repository.");
    }
}

/// <summary>A real node (src/Silo, Release build) in its own process on free loopback ports.</summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    private SiloProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>What the node wrote to standard output (its log) so far.</summary>
    public IReadOnlyCollection<string> Output => _output;

    /// <summary>The node's own CPU time so far (user + system), for CPU cost per request on a machine shared with other work.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>
    /// Starts this tree's node (src/Silo's Release build), or the build at <paramref name="siloDll"/> (e.g. an older commit published
    /// outside the repository, for side-by-side comparisons), which then runs in its own directory.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(string sharedRoot, IReadOnlyDictionary<string, string>? settings = null, string? siloDll = null)
    {
        var dll = siloDll ?? Path.Combine(SharedData.RepositoryRoot, "src", "Silo", "bin", "Release", "net10.0", "linux-x64", "CompreFace.Silo.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("Build the node first: dotnet build -c Release", dll);
        }

        var port = LoopbackPorts.Free();
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                dll, "--urls", $"http://127.0.0.1:{port}", "--Models:Path", Path.Combine(sharedRoot, "models"),
                "--Cluster:SiloPort", LoopbackPorts.Free().ToString(),
                "--Logging:LogLevel:Default", "Warning",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = siloDll is null ? SharedData.RepositoryRoot : Path.GetDirectoryName(Path.GetFullPath(dll))!,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            info.ArgumentList.Add($"--{key}={value}");
        }

        if (settings is null || !settings.ContainsKey("ConnectionStrings:Postgres"))
        {
            // The embedded store, in a fresh directory so runs don't see each other's faces.
            info.ArgumentList.Add($"--Storage:DataDirectory={Directory.CreateTempSubdirectory("cf-bench-").FullName}");
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the node");
        var node = new SiloProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { node._output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        // The node is another process: its only signal of readiness is the health check answering 200, so poll it.
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the node exited with code {process.ExitCode}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/core/healthcheck", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return node;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        await node.DisposeAsync();
        throw new TimeoutException("the node did not become healthy within 60 s");
    }

    /// <summary>Resident set size of the node process (VmRSS).</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>SIGKILL, as a crash would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

}
