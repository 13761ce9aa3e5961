using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace CompreFace.Node.Tests;

/// <summary>
/// A PostgreSQL 15 cluster of the test's own (initdb into a temp folder, run as the <c>postgres</c> user when the
/// tests run as root), so a test may stop and start the server without disturbing the shared one.
/// </summary>
internal sealed class ThrowawayPostgres : IAsyncDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private readonly string _directory;

    private ThrowawayPostgres(string directory, int port)
    {
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres");

    public static async Task<ThrowawayPostgres> StartAsync()
    {
        if (!File.Exists(Path.Combine(Bin, "initdb")))
        {
            Assert.Fail($"PostgreSQL 15 is not installed ({Bin}); .ci/run installs it.");
        }

        var directory = Directory.CreateTempSubdirectory("cf-pg-").FullName;
        var port = int.TryParse(Environment.GetEnvironmentVariable("COMPREFACE_TEST_PG_PORT"), CultureInfo.InvariantCulture, out var fixedPort)
            ? fixedPort
            : LoopbackPorts.Free();
        var server = new ThrowawayPostgres(directory, port);
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", "postgres", directory);
        }

        await PgAsync("initdb", "-D", server.Data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
        await server.StartServerAsync();
        return server;
    }

    private string Data => Path.Combine(_directory, "data");

    public Task StartServerAsync() => PgAsync(
        "pg_ctl", "-D", Data, "-w", "-l", Path.Combine(_directory, "log"), "-o",
        string.Create(CultureInfo.InvariantCulture, $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"),
        "start");

    /// <summary>A fast shutdown: sessions are ended, the port closes; clients see connection failures.</summary>
    public Task StopServerAsync() => PgAsync("pg_ctl", "-D", Data, "-m", "fast", "-w", "stop");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await PgAsync("pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        Directory.Delete(_directory, recursive: true);
    }

    private static Task PgAsync(string tool, params string[] arguments)
    {
        var path = Path.Combine(Bin, tool);
        return Environment.UserName == "root"
            ? RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments])
            : RunAsync(path, arguments);
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}{await error}");
        }
    }
}

/// <summary>What the failover tests do to and ask of a cluster.</summary>
internal static class ClusterHarness
{
    public static Dictionary<string, string> Settings(string connectionString, string clusterId) => new()
    {
        ["ConnectionStrings:Postgres"] = connectionString,
        ["Cluster:Mode"] = "Postgres",
        ["Cluster:AdvertisedAddress"] = "127.0.0.1",
        ["Cluster:ClusterId"] = clusterId,
    };

    /// <summary>Starts <paramref name="count"/> nodes at once and waits until each is ready.</summary>
    public static async Task<List<NodeProcess>> StartAsync(IReadOnlyDictionary<string, string> settings, int count) =>
        [.. await Task.WhenAll(Enumerable.Range(0, count).Select(_ => NodeProcess.StartAsync(settings, "/health/ready")))];

    /// <summary>Photos for the load's adds: single-face deepface images of modest size, none of the probe's person.</summary>
    public static IReadOnlyList<byte[]> AddPhotos(int count) =>
    [
        .. File.ReadLines(Paths.Photo("identities.csv")).Skip(1)
            .Select(line => line.Split(','))
            .Where(f => f[2] == "deepface" && (f.Length < 5 || f[4].Length == 0))
            .Select(f => Paths.Photo(f[0]))
            .Where(p => new FileInfo(p).Length < 250_000)
            .Take(count)
            .Select(File.ReadAllBytes),
    ];

    public static byte[] SamplePhoto(string name) => File.ReadAllBytes(Paths.Photo("compreface-samples/sample_images/" + name));

    /// <summary>Adds a face and returns its image id (the add must succeed).</summary>
    public static async Task<string> AddAsync(HttpClient http, Uri node, string subject, byte[] photo)
    {
        using var request = LoadGenerator.Upload(node, $"/api/v1/recognition/faces?subject={subject}", photo);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("image_id").GetString()!;
    }

    /// <summary>The best match of the probe: subject and similarity exactly as the API printed them.</summary>
    public static async Task<string> BestMatchAsync(HttpClient http, Uri node, byte[] probe)
    {
        using var request = LoadGenerator.Upload(node, "/api/v1/recognition/recognize?prediction_count=1", probe);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("result")[0].GetProperty("subjects")[0].GetRawText();
    }

    /// <summary>Every image id → subject of the collection, read page by page through <paramref name="node"/>.</summary>
    public static async Task<Dictionary<string, string>> ListFacesAsync(HttpClient http, Uri node)
    {
        var faces = new Dictionary<string, string>();
        for (var page = 0; ; page++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node, $"/api/v1/recognition/faces?page={page}&size=500"));
            request.Headers.Add("x-api-key", LoadGenerator.RecognitionKey);
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            using var json = JsonDocument.Parse(body);
            foreach (var face in json.RootElement.GetProperty("faces").EnumerateArray())
            {
                faces[face.GetProperty("image_id").GetString()!] = face.GetProperty("subject").GetString()!;
            }

            if (page + 1 >= json.RootElement.GetProperty("total_pages").GetInt32())
            {
                return faces;
            }
        }
    }

    /// <summary>Whether the node's own metrics show an active collection (it hosts the collection grain).</summary>
    public static async Task<bool> HostsCollectionAsync(HttpClient http, Uri node)
    {
        var scrape = await http.GetStringAsync(new Uri(node, "/metrics"));
        return scrape.Split('\n').Any(l => l.StartsWith("compreface_collection_faces{", StringComparison.Ordinal));
    }

    /// <summary>Every acknowledged add is in the collection under its subject.</summary>
    public static void AssertAllPresent(IReadOnlyDictionary<string, string> acknowledged, Dictionary<string, string> listed)
    {
        var missing = acknowledged.Where(a => !listed.TryGetValue(a.Key, out var subject) || subject != a.Value).Select(a => a.Key).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged adds are missing: {string.Join(", ", missing.Take(10))}");
    }

    /// <summary>A failure answer must be CompreFace's 503, code 41, JSON (never a 400/500 or an empty body).</summary>
    public static void AssertCleanUnavailable(LoadOutcome outcome)
    {
        Assert.True(outcome.Status == 503, outcome.ToString());
        using var json = JsonDocument.Parse(outcome.Body!);
        Assert.Equal(41, json.RootElement.GetProperty("code").GetInt32());
        Assert.StartsWith("Error during synchronization between servers: ", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
