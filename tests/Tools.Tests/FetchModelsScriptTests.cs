using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using CompreFace.Inference;
using CompreFace.Node.Tests;
using Xunit;

namespace CompreFace.Tools.Tests;

/// <summary>
/// deploy/fetch-models.sh run as a user runs it (bash, the real converter, a real node afterwards). Downloads go to a loopback
/// server laid out like the npm registry and raw GitHub, serving the same bytes as the public hosts (built from the shared
/// copies), so the tests need no network.
/// </summary>
public sealed class FetchModelsScriptTests : IDisposable
{
    private const string YuNetCommit = "0047ac24afb1a50a0c6105001c89d1b5b805dbf1";
    private const string AizooCommit = "256dc65f726cb78d82936b2c61c55a5adc2cf05d";

    private static readonly string[] FacePluginFiles =
    [
        "fr_feature.onnx=mobilefacenet512_faceplugin.onnx", "fr_detect.onnx=ultraface_rfb320_faceplugin.onnx", "fr_pose.onnx=headpose_hopenet_faceplugin.onnx",
        "fr_liveness.onnx=liveness_minifasnet_faceplugin.onnx", "fr_expression.onnx=expression_densenet_faceplugin.onnx",
    ];

    private readonly string _root = Directory.CreateTempSubdirectory("compreface-fetch-").FullName;

    private string Target => Path.Combine(_root, "models");

    [Fact]
    public async Task FetchModels_OfflineUpstreamAndEmptyMirror_FillsEveryModelAndNodeListsConvertedPlugins()
    {
        Directory.CreateDirectory(Target);
        foreach (var yunet in new[] { ModelCatalog.YuNet640, ModelCatalog.YuNetDynamic })
        {
            File.Copy(Path.Combine(SharedData.ModelsDirectory, yunet.FileName), Path.Combine(Target, yunet.FileName));
        }

        var mirror = Directory.CreateDirectory(Path.Combine(_root, "mirror")).FullName;
        await using var server = await UpstreamServer.StartAsync(await FacePluginTarballAsync());

        var (exitCode, output) = await RunScriptAsync(new Dictionary<string, string>
        {
            ["MODELS_MIRROR"] = mirror,
            ["MODELS_UPSTREAM"] = Path.Combine(SharedData.ModelsDirectory, "upstream"),
            ["NPM_REGISTRY"] = server.BaseUrl,
            ["GITHUB_RAW"] = server.BaseUrl,
        });

        Assert.True(exitCode == 0, output);
        Assert.Contains("/faceplugin-face-recognition-js/-/faceplugin-face-recognition-js-0.0.1.tgz", server.Requests);
        Assert.Equal(ModelCatalog.All.Select(m => m.FileName).Order(), Directory.GetFiles(Target).Select(Path.GetFileName).Order());
        foreach (var model in ModelCatalog.All)
        {
            Assert.Equal(model.Sha256, Sha256(Path.Combine(Target, model.FileName)));
        }

        await using var node = await NodeProcess.StartAsync(new Dictionary<string, string>
        {
            ["Models:Path"] = Target,
            ["Storage:DataDirectory"] = Directory.CreateDirectory(Path.Combine(_root, "data")).FullName,
        });
        using var http = new HttpClient { BaseAddress = node.BaseAddress };
        using var status = JsonDocument.Parse(await http.GetStringAsync(new Uri("/core/status", UriKind.Relative)));
        var plugins = status.RootElement.GetProperty("available_plugins").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Subset(plugins.ToHashSet(), new HashSet<string> { "age", "gender", "mask", "landmarks68" });
    }

    [Fact]
    public async Task FetchModels_CorruptUpstreamDownload_RefusesWithChecksumsAndLeavesTargetClean()
    {
        var files = await PublicHostsAsync();
        var caffemodel = files[$"/AIZOOTech/FaceMaskDetection/{AizooCommit}/models/face_mask_detection.caffemodel"];
        caffemodel[caffemodel.Length / 2] ^= 0x5a;

        await using var server = await UpstreamServer.StartAsync(files);
        var (exitCode, output) = await RunScriptAsync(new Dictionary<string, string>
        {
            ["MODELS_MIRROR"] = "",
            ["MODELS_UPSTREAM"] = "",
            ["NPM_REGISTRY"] = server.BaseUrl,
            ["GITHUB_RAW"] = server.BaseUrl,
        });

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"/AIZOOTech/FaceMaskDetection/{AizooCommit}/models/face_mask_detection.caffemodel", server.Requests);
        Assert.Contains("/@vladmandic/face-api/-/face-api-1.7.15.tgz", server.Requests);
        Assert.Contains(
            $"checksum mismatch for aizoo-256dc65f/face_mask_detection.caffemodel: expected sha256 3c2e89cffdc9459a69dd5c2e4c1ca263e6488a56a5a37d81ca2ff32344fbf740, got {Convert.ToHexStringLower(SHA256.HashData(caffemodel))}",
            output,
            StringComparison.Ordinal);
        AssertTargetClean();
    }

    [Fact]
    public async Task FetchModels_DownloadCutOff_FailsAndLeavesTargetClean()
    {
        var files = await PublicHostsAsync();
        const string tarball = "/@vladmandic/face-api/-/face-api-1.7.15.tgz";
        await using var server = await UpstreamServer.StartAsync(files, cutOff: tarball);
        var (exitCode, output) = await RunScriptAsync(new Dictionary<string, string>
        {
            ["MODELS_MIRROR"] = "",
            ["MODELS_UPSTREAM"] = "",
            ["NPM_REGISTRY"] = server.BaseUrl,
            ["GITHUB_RAW"] = server.BaseUrl,
        });

        Assert.NotEqual(0, exitCode);
        Assert.Contains(tarball, server.Requests);
        Assert.Contains("curl: (18)", output, StringComparison.Ordinal); // transfer closed with bytes remaining
        Assert.DoesNotContain("converting", output, StringComparison.Ordinal);
        AssertTargetClean();
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Everything the script downloads, at the paths npm and raw GitHub serve it from, with the public bytes.</summary>
    private static async Task<Dictionary<string, byte[]>> PublicHostsAsync()
    {
        var files = new Dictionary<string, byte[]>
        {
            [$"/ShiqiYu/libfacedetection.train/{YuNetCommit}/onnx/yunet_s_640_640.onnx"] = await File.ReadAllBytesAsync(Path.Combine(SharedData.ModelsDirectory, ModelCatalog.YuNet640.FileName)),
            [$"/ShiqiYu/libfacedetection.train/{YuNetCommit}/onnx/yunet_s_dynamic.onnx"] = await File.ReadAllBytesAsync(Path.Combine(SharedData.ModelsDirectory, ModelCatalog.YuNetDynamic.FileName)),
            ["/@vladmandic/face-api/-/face-api-1.7.15.tgz"] = await TarballAsync(
                Directory.GetFiles(Path.Combine(SharedData.ModelsDirectory, "upstream", "face-api-1.7.15")).Select(f => ("package/model/" + Path.GetFileName(f), f))),
            [$"/AIZOOTech/FaceMaskDetection/{AizooCommit}/models/face_mask_detection.caffemodel"] = await File.ReadAllBytesAsync(Path.Combine(SharedData.ModelsDirectory, "upstream", "aizoo-256dc65f", "face_mask_detection.caffemodel")),
            [$"/AIZOOTech/FaceMaskDetection/{AizooCommit}/models/face_mask_detection.prototxt"] = await File.ReadAllBytesAsync(Path.Combine(SharedData.ModelsDirectory, "upstream", "aizoo-256dc65f", "face_mask_detection.prototxt")),
        };
        foreach (var (path, bytes) in await FacePluginTarballAsync())
        {
            files[path] = bytes;
        }

        return files;
    }

    /// <summary>
    /// Whatever is in the target is a complete, verified catalog model (the downloads that succeeded before the failure), nothing
    /// converted from the failed batch, no temporary file.
    /// </summary>
    private void AssertTargetClean()
    {
        var left = Directory.GetFiles(Target).Select(Path.GetFileName).ToArray();
        Assert.NotEmpty(left);
        Assert.All(left, name =>
        {
            var model = Assert.Single(ModelCatalog.All, m => m.FileName == name);
            Assert.Equal(model.Sha256, Sha256(Path.Combine(Target, name!)));
        });
        Assert.DoesNotContain(ModelCatalog.Mask.FileName, left);
        Assert.DoesNotContain(ModelCatalog.AgeGender.FileName, left);
    }

    private async Task<(int ExitCode, string Output)> RunScriptAsync(Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Paths.RepositoryRoot };
        start.ArgumentList.Add(Path.Combine(Paths.RepositoryRoot, "deploy", "fetch-models.sh"));
        start.ArgumentList.Add(Target);
        start.Environment["MODEL_CONVERTER"] = Converter.Assembly;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, stdout + await stderr);
    }

    /// <summary>The faceplugin npm tarball's <c>package/model/</c> files, rebuilt from the shared copies (the same bytes).</summary>
    private static async Task<Dictionary<string, byte[]>> FacePluginTarballAsync() => new()
    {
        ["/faceplugin-face-recognition-js/-/faceplugin-face-recognition-js-0.0.1.tgz"] = await TarballAsync(FacePluginFiles.Select(pair =>
        {
            var (inPackage, shared) = (pair.Split('=')[0], pair.Split('=')[1]);
            return ("package/model/" + inPackage, Path.Combine(SharedData.ModelsDirectory, shared));
        })),
    };

    private static async Task<byte[]> TarballAsync(IEnumerable<(string EntryName, string File)> entries)
    {
        using var buffer = new MemoryStream();
        await using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        await using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (entryName, file) in entries)
            {
                await tar.WriteEntryAsync(file, entryName);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>A loopback HTTP server answering GETs for a fixed set of paths (404 otherwise), recording each path asked for.</summary>
    private sealed class UpstreamServer : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly IReadOnlyDictionary<string, byte[]> _files;
        private readonly List<string> _requests = [];
        private Task _loop = Task.CompletedTask;

        private readonly string? _cutOff;

        private UpstreamServer(IReadOnlyDictionary<string, byte[]> files, string? cutOff, int port)
        {
            _files = files;
            _cutOff = cutOff;
            BaseUrl = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(BaseUrl + "/");
        }

        public string BaseUrl { get; }

        public IReadOnlyList<string> Requests
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        /// <summary>Serves <paramref name="files"/>; the one at <paramref name="cutOff"/> breaks off halfway, as a dropped connection does.</summary>
        public static Task<UpstreamServer> StartAsync(IReadOnlyDictionary<string, byte[]> files, string? cutOff = null)
        {
            var port = LoopbackPorts.Free();
            var server = new UpstreamServer(files, cutOff, port);
            server._listener.Start();
            server._loop = server.ServeAsync();
            return Task.FromResult(server);
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            try
            {
                await _loop;
            }
            catch (HttpListenerException)
            {
                // Stopped while waiting for a request.
            }
            catch (ObjectDisposedException)
            {
                // Stopped while waiting for a request.
            }

            ((IDisposable)_listener).Dispose();
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                var context = await _listener.GetContextAsync();
                var path = context.Request.Url!.AbsolutePath;
                lock (_requests)
                {
                    _requests.Add(path);
                }

                if (_files.TryGetValue(Uri.UnescapeDataString(path), out var bytes) && Uri.UnescapeDataString(path) == _cutOff)
                {
                    context.Response.ContentLength64 = bytes.Length;
                    await context.Response.OutputStream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
                    await context.Response.OutputStream.FlushAsync();
                    context.Response.Abort();
                    continue;
                }

                if (bytes is not null)
                {
                    context.Response.ContentLength64 = bytes.Length;
                    await context.Response.OutputStream.WriteAsync(bytes);
                }
                else
                {
                    context.Response.StatusCode = 404;
                }

                context.Response.Close();
            }
        }
    }
}
