using System.Collections.Concurrent;
using CompreFace.Grains;
using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Interfaces.Jobs;
using CompreFace.Grains.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace CompreFace.Cluster.Tests;

/// <summary>
/// Jobs over every inference silo (docs/decisions/0037-jobs-over-every-inference-silo.md) on a two-silo cluster with
/// the real models: the primary hosts everything (as a <c>Full</c> node), the second silo only inference (as an
/// <c>Inference</c> node), so before the change every analysis of a job stayed on the primary, whose stateless worker
/// Orleans prefers. Analyses are counted per silo where the worker receives them (the real analysis still runs).
/// </summary>
[Collection(Name)]
public sealed class ClusterAnalyzerTests(ClusterAnalyzerTests.Fixture fixture) : IClassFixture<ClusterAnalyzerTests.Fixture>
{
    public const string Name = "cluster-analyzer";

    /// <summary>Single-face photos of the shared samples (three people), repeated under distinct image ids.</summary>
    private static readonly string[] Photos = [.. Enumerable.Range(1, 9).Select(i => $"00{i}_{(i <= 6 ? 'A' : i <= 8 ? 'B' : 'C')}.jpg")];

    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(90);

    private IGrainFactory Grains => fixture.Primary.GetRequiredService<IGrainFactory>();

    [Fact]
    public async Task BulkEnrolment_TwoInferenceSilos_AnalysesLandOnBothAndEveryPhotoIsEnrolled()
    {
        await fixture.WaitForInferenceSilosAsync(2);
        var before = AnalysesPerSilo.Snapshot();
        var (jobId, files) = await StartBulkEnrolmentAsync(18);

        var job = await WaitForAsync(jobId);

        Assert.Equal(JobState.Completed, job.State);
        Assert.Equal(files, job.Done);
        Assert.Equal(0, job.Failed);
        var counts = AnalysesPerSilo.Since(before);
        Assert.True(counts.Count == 2 && counts.Values.All(c => c > 0), $"analyses per silo: {AnalysesPerSilo.Format(counts)}");
    }

    [Fact]
    public async Task Reembedding_TwoInferenceSilos_AnalysesLandOnBothAndEveryFaceIsReembedded()
    {
        await fixture.WaitForInferenceSilosAsync(2);
        var target = (await Grains.GetGrain<IFaceAnalyzerGrain>(0).GetCalculatorAsync()).Version;
        var collectionId = Guid.NewGuid();
        var faces = Enumerable.Range(0, 12).Select(i => new TransferFace(
            Guid.NewGuid(), $"p{i % 3}", "old-model", RandomVector(i), SharedData.SampleBytes(Photos[i % Photos.Length]))).ToArray();
        await Grains.GetGrain<IFaceCollectionGrain>(collectionId).ImportAsync([], faces);
        var before = AnalysesPerSilo.Snapshot();

        var start = await Grains.GetGrain<IReembeddingGrain>(0).StartAsync(target, "test");
        var job = await WaitForAsync(Assert.Single(start.Jobs));

        Assert.Equal(JobState.Completed, job.State);
        Assert.Equal(faces.Length, job.Done);
        Assert.Equal(0, job.Failed);
        var counts = AnalysesPerSilo.Since(before);
        Assert.True(counts.Count == 2 && counts.Values.All(c => c > 0), $"analyses per silo: {AnalysesPerSilo.Format(counts)}");
    }

    /// <summary>A bulk enrolment of <paramref name="count"/> single-face photos into a new service, started and sealed.</summary>
    private async Task<(Guid JobId, int Files)> StartBulkEnrolmentAsync(int count)
    {
        var serviceId = Guid.NewGuid();
        var jobId = Guid.NewGuid();
        await Grains.GetGrain<IJobGrain>(jobId).CreateAsync(new JobSpec(JobKinds.BulkEnrol, serviceId, null, null, "test", "archive"));
        var files = Enumerable.Range(1, count).Select(i =>
        {
            var photo = Photos[i % Photos.Length];
            var subject = photo[4..5];
            return new EnrolmentFile(i, $"{subject}/{i}-{photo}", subject, Guid.NewGuid(), SharedData.SampleBytes(photo));
        }).ToArray();
        var worker = Grains.GetGrain<IBulkEnrolmentGrain>(jobId);
        await worker.AddFilesAsync(files);
        await worker.SealAsync();
        return (jobId, count);
    }

    private async Task<JobInfo> WaitForAsync(Guid jobId)
    {
        using var timeout = new CancellationTokenSource(JobTimeout);
        while (true)
        {
            if (await Grains.GetGrain<IJobGrain>(jobId).GetAsync(timeout.Token) is { IsFinished: true } job)
            {
                return job;
            }

            await Task.Delay(100, timeout.Token);
        }
    }

    private static float[] RandomVector(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, 128).Select(_ => (float)(random.NextDouble() - 0.5))];
    }

    /// <summary>Counts the analyses each silo's inference worker receives.</summary>
    private sealed class AnalysesPerSilo(ILocalSiloDetails silo) : IIncomingGrainCallFilter
    {
        private static readonly ConcurrentDictionary<SiloAddress, int> Counts = new();

        public static Dictionary<SiloAddress, int> Snapshot() => new(Counts);

        public static Dictionary<SiloAddress, int> Since(Dictionary<SiloAddress, int> before) =>
            Counts.Where(c => c.Value > before.GetValueOrDefault(c.Key)).ToDictionary(c => c.Key, c => c.Value - before.GetValueOrDefault(c.Key));

        public static string Format(Dictionary<SiloAddress, int> counts) => string.Join(", ", counts.Select(c => $"{c.Key}: {c.Value}"));

        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod?.DeclaringType == typeof(IFaceAnalyzerGrain) && context.InterfaceMethod.Name == nameof(IFaceAnalyzerGrain.AnalyzeAsync))
            {
                Counts.AddOrUpdate(silo.SiloAddress, 1, static (_, n) => n + 1);
            }

            return context.Invoke();
        }
    }

    /// <summary>The two-silo cluster of these tests, with its own store.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private static readonly string DataDirectory = Path.Combine(Path.GetTempPath(), "compreface-spread-tests-" + Guid.NewGuid().ToString("N"));

        public TestCluster Cluster { get; private set; } = null!;

        public IServiceProvider Primary => ((InProcessSiloHandle)Cluster.Primary!).SiloHost.Services;

        public async Task InitializeAsync()
        {
            var builder = new TestClusterBuilder(2);
            builder.AddSiloBuilderConfigurator<SiloConfigurator>();
            Cluster = builder.Build();
            await Cluster.DeployAsync();
        }

        /// <summary>Waits (polling; at most the job timeout) until <paramref name="condition"/> holds.</summary>
        private static async Task WaitUntilAsync(Func<bool> condition)
        {
            using var timeout = new CancellationTokenSource(JobTimeout);
            while (!condition())
            {
                await Task.Delay(20, timeout.Token);
            }
        }

        /// <summary>Waits until the primary's jobs see <paramref name="count"/> inference silos (a silo joining takes a moment to reach the manifest).</summary>
        public async Task WaitForInferenceSilosAsync(int count)
        {
            var analyzers = Primary.GetRequiredService<ClusterAnalyzer>();
            await WaitUntilAsync(() => analyzers.Silos == count);
        }

        public async Task DisposeAsync()
        {
            await Cluster.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(DataDirectory, recursive: true);
        }

        private sealed class SiloConfigurator : ISiloConfigurator
        {
            public void Configure(ISiloBuilder siloBuilder)
            {
                NodeSiloServices.Add(siloBuilder, DataDirectory);
                siloBuilder.Services.AddReembedding();
                siloBuilder.AddIncomingGrainCallFilter<AnalysesPerSilo>();

                // Every silo but the primary is an inference node: the jobs and the state stay on the primary.
                if (siloBuilder.Configuration["Orleans:Name"] is { } name && name != Orleans.Runtime.Silo.PrimarySiloName)
                {
                    siloBuilder.Configure<GrainTypeOptions>(o => NodeGrains.Restrict(o.Classes, inference: true, state: false));
                }
            }
        }
    }
}

[CollectionDefinition(ClusterAnalyzerTests.Name, DisableParallelization = true)]
public sealed class ClusterAnalyzerTestGroup
{
}
