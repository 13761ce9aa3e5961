using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text;

namespace CompreFace.Node.Tests;

/// <summary>One real node (the src/Silo executable) in its own process, on free loopback ports.</summary>
internal sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NodeProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }

    /// <summary>The settings it was started with (a restart passes them again).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; private init; } = new Dictionary<string, string>();

    public bool HasExited => _process.HasExited;

    /// <summary>What the node printed so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts a node and waits until <paramref name="readyPath"/> answers 200 (CompreFace's healthcheck by default;
    /// inference-only nodes serve no API, so they are awaited on <c>/health/ready</c>).
    /// </summary>
    public static async Task<NodeProcess> StartAsync(
        IReadOnlyDictionary<string, string> settings, string readyPath = "/core/healthcheck", CancellationToken cancellationToken = default)
    {
        // A port picked here can still be taken by another test process before the node binds it: start again on other
        // ports, unless the settings fixed them (a restart of a cluster member keeps its silo port).
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(settings, readyPath, cancellationToken);
            }
            catch (PortTakenException) when (attempt < 3 && !settings.ContainsKey("urls") && !settings.ContainsKey("Cluster:SiloPort"))
            {
            }
        }
    }

    private static async Task<NodeProcess> StartOnceAsync(IReadOnlyDictionary<string, string> settings, string readyPath, CancellationToken cancellationToken)
    {
        var configuration = typeof(NodeProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "SiloConfiguration").Value;
        var dll = Path.Combine(Paths.RepositoryRoot, "src", "Silo", "bin", configuration!, "net10.0", "linux-x64", "CompreFace.Silo.dll");
        var port = LoopbackPorts.Free();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Paths.RepositoryRoot,
        };
        info.ArgumentList.Add(dll);
        var all = new Dictionary<string, string>
        {
            ["urls"] = $"http://127.0.0.1:{port}",
            ["Models:Path"] = Paths.Models,
            ["Cluster:SiloPort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        // A cluster mode refuses to start without mutual TLS between silos; test nodes share one test authority.
        if (all.TryGetValue("Cluster:Mode", out var mode) && mode != "Localhost" && !all.Keys.Any(k => k.StartsWith("Cluster:Tls:", StringComparison.Ordinal)))
        {
            foreach (var (key, value) in CompreFace.Testing.ClusterCertificates.Shared.Settings)
            {
                all[key] = value;
            }
        }

        foreach (var (key, value) in all)
        {
            info.ArgumentList.Add($"--{key}={value}");
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the node");
        var node = new NodeProcess(process, new Uri($"http://127.0.0.1:{port}")) { Settings = settings };
        using var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        // The node is another process: its only signal of readiness is the probe answering 200, so poll it (bounded).
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (process.HasExited)
            {
                // Its last lines (the bind error) may still be on their way through the redirected streams.
                await process.WaitForExitAsync(cancellationToken);
                var message = $"the node exited with code {process.ExitCode}:\n{node.Output}";
                throw node.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                    ? new PortTakenException(message)
                    : new InvalidOperationException(message);
            }

            try
            {
                using var response = await http.GetAsync(new Uri(readyPath, UriKind.Relative), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return node;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Slow first answer.
            }

            await Task.Delay(100, cancellationToken);
        }

        await node.DisposeAsync();
        throw new TimeoutException($"the node did not become healthy:\n{node.Output}");
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing; what was acknowledged must already be durable.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>
    /// SIGTERM, as an orchestrator stops a container: the host shuts down gracefully (the silo leaves the cluster and
    /// hands its grains over). Waits up to <paramref name="timeout"/>, then kills.
    /// </summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var signal = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await signal.WaitForExitAsync();
        }

        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            throw new TimeoutException($"the node did not stop within {timeout} of SIGTERM:\n{Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

}

internal static class Paths
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Shared { get; } = Environment.GetEnvironmentVariable("COMPREFACE_SHARED")
        ?? Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));

    public static string Models => Path.Combine(Shared, "models");

    public static string Photo(string relative) => Path.Combine(Shared, "data", relative);

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CompreFace.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("The tests must run inside the repository.");
    }
}

/// <summary>A node that could not bind a port picked for it (another process took it first).</summary>
internal sealed class PortTakenException(string message) : InvalidOperationException(message);
