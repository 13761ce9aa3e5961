using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace CompreFace.Inference.Tests;

public sealed class StartupTests : IDisposable
{
    /// <summary>The detector file a default configuration loads.</summary>
    private static ModelDescriptor DefaultDetector => ModelCatalog.ForDetector(new InferenceOptions().Detector);

    private readonly string _directory = Directory.CreateTempSubdirectory("compreface-models-").FullName;

    [Fact]
    public void FetchModelsScript_EveryCatalogModel_NamedWithItsChecksum()
    {
        // The script fetches or converts every file the service may load and checks it against the checksum the service verifies
        // (tests/Tools.Tests runs it).
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CompreFace.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        var script = File.ReadAllText(Path.Combine(directory.FullName, "deploy", "fetch-models.sh"));
        Assert.All(ModelCatalog.All, m => Assert.Contains(m.FileName, script, StringComparison.Ordinal));
        Assert.All(ModelCatalog.All, m => Assert.Contains(m.Sha256, script, StringComparison.Ordinal));
    }

    [Fact]
    public void CreateSession_CheckRefusesTheModel_ClosesTheSessionAndRethrows()
    {
        using var provider = InferenceFixture.Build(new Dictionary<string, string?> { ["Models:Path"] = SharedData.ModelsDirectory });
        var runtime = provider.GetRequiredService<OnnxRuntimeHost>();
        ModelSession? checkedSession = null;

        var ex = Assert.Throws<InvalidOperationException>(() => runtime.CreateSession(DefaultDetector, session =>
        {
            checkedSession = session;
            session.RequireShape("input", isInput: true, rank: 3);
        }));

        Assert.Contains("input", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(checkedSession);
        Assert.Throws<ObjectDisposedException>(() => checkedSession.Run(["input"], [], [], CancellationToken.None));
    }

    [Fact]
    public void Startup_CorruptModel_FailsNamingFileAndChecksum()
    {
        File.WriteAllBytes(Path.Combine(_directory, DefaultDetector.FileName), [1, 2, 3, 4]);
        var ex = FindModelError(() => InferenceFixture.Build(new Dictionary<string, string?> { ["Models:Path"] = _directory }));
        Assert.Contains(DefaultDetector.FileName, ex.Message, StringComparison.Ordinal);
        Assert.Contains(DefaultDetector.Sha256, ex.Message, StringComparison.Ordinal);
        Assert.Contains("deploy/fetch-models.sh", ex.Message, StringComparison.Ordinal);
        Assert.Contains("corrupt", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Startup_MissingModel_FailsNamingFile()
    {
        File.Copy(Path.Combine(SharedData.ModelsDirectory, DefaultDetector.FileName), Path.Combine(_directory, DefaultDetector.FileName));
        var ex = FindModelError(() => InferenceFixture.Build(new Dictionary<string, string?> { ["Models:Path"] = _directory }));
        Assert.Contains(ModelCatalog.MobileFaceNet512.FileName, ex.Message, StringComparison.Ordinal);
        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
        Assert.Contains(ModelCatalog.MobileFaceNet512.Sha256, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Startup_UltraFaceWithoutLandmarkModel_FailsNamingLandmarkFile()
    {
        foreach (var model in new[] { ModelCatalog.UltraFace, ModelCatalog.MobileFaceNet512 })
        {
            File.Copy(Path.Combine(SharedData.ModelsDirectory, model.FileName), Path.Combine(_directory, model.FileName));
        }

        var ex = FindModelError(() => InferenceFixture.Build(new Dictionary<string, string?> { ["Models:Path"] = _directory, ["Inference:Detector"] = "ultraface" }));
        Assert.Contains(ModelCatalog.Landmark68.FileName, ex.Message, StringComparison.Ordinal);
        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ultraface", "dlib", "ultraface.FaceDetector@", "dlib.Calculator@")]
    [InlineData("yunet-dynamic", "mobilefacenet", "yunet.FaceDetector@", "mobilefacenet.Calculator@")]
    public void Startup_ConfiguredModels_AreTheOnesUsed(string detector, string embedder, string detectorVersion, string calculatorVersion)
    {
        using var provider = InferenceFixture.Build(new Dictionary<string, string?>
        {
            ["Models:Path"] = SharedData.ModelsDirectory,
            ["Inference:Detector"] = detector,
            ["Inference:Embedder"] = embedder,
        });
        var pipeline = provider.GetRequiredService<FacePipeline>();
        Assert.StartsWith(detectorVersion, pipeline.Detector.Version, StringComparison.Ordinal);
        Assert.StartsWith(calculatorVersion, pipeline.Embedder.Version, StringComparison.Ordinal);
    }

    [Fact]
    public void Startup_InvalidOption_FailsValidation()
    {
        var ex = Assert.ThrowsAny<Exception>(() => InferenceFixture.Build(new Dictionary<string, string?>
        {
            ["Models:Path"] = SharedData.ModelsDirectory,
            ["Inference:Detector"] = "mtcnn",
        }));
        Assert.Contains("Detector", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Catalog_SharedModels_AllMatchTheirChecksums()
    {
        // The shared copies of the converted models are the earlier conversions the catalog accepts as equivalent.
        foreach (var model in ModelCatalog.All)
        {
            var path = ModelCatalog.Locate(model, SharedData.ModelsDirectory, verifyChecksum: true);
            if (model.EquivalentSha256 is null)
            {
                Assert.Equal(model.Size, new FileInfo(path).Length);
            }
        }
    }

    [Fact]
    public void Startup_CudaRequestedOnCpuOnlyMachine_FallsBackToCpuWithOneWarning()
    {
        using var logs = new CapturingLoggerFactory();
        using var provider = InferenceFixture.Build(
            new Dictionary<string, string?> { ["Models:Path"] = SharedData.ModelsDirectory, ["Inference:ExecutionProvider"] = "Cuda" },
            logs);
        var runtime = provider.GetRequiredService<IInferenceRuntimeInfo>();
        if (runtime.ExecutionProvider == "CUDA")
        {
            return; // A GPU build on a GPU machine: nothing to fall back from.
        }

        Assert.Equal("CPU", runtime.ExecutionProvider);
        Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning && e.EventId == 1001);
        var analysis = provider.GetRequiredService<FacePipeline>().Analyze(SharedData.Read("compreface-samples/sample_images/000_5.jpg"), new FaceAnalysisOptions(ComputeEmbeddings: true));
        Assert.Equal(5, analysis.Faces.Count);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static ModelFileException FindModelError(Action act)
    {
        var ex = Assert.ThrowsAny<Exception>(act);
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is ModelFileException found)
            {
                return found;
            }
        }

        throw new Xunit.Sdk.XunitException($"Expected a ModelFileException, got {ex}");
    }

    private sealed class CapturingLoggerFactory : ILoggerFactory
    {
        public List<(LogLevel Level, int EventId, string Message)> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerFactory owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner.Entries)
                {
                    owner.Entries.Add((logLevel, eventId.Id, formatter(state, exception)));
                }
            }
        }
    }
}
