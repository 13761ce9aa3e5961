using System.Reflection;
using CompreFace.Grains.Telemetry;
using CompreFace.Inference;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using CompreFace.Grains.Interfaces;

namespace CompreFace.Grains.Inference;

/// <summary>
/// Runs the neural networks for one image. Stateless, so Orleans keeps up to one activation per core on every
/// silo that hosts it and routes each call to a local one; the ONNX sessions behind <see cref="FacePipeline"/> are
/// process-wide singletons shared by all activations.
/// </summary>
[StatelessWorker]
internal sealed partial class FaceAnalyzerGrain(
    FacePipeline pipeline,
    IFaceDetector detector,
    IFaceEmbedder embedder,
    EmbedderCatalog embedders,
    IInferenceRuntimeInfo runtime,
    CompreFaceMetrics metrics,
    ILogger<FaceAnalyzerGrain> logger) : Grain, IFaceAnalyzerGrain
{
    private static readonly string BuildVersion =
        typeof(FaceAnalyzerGrain).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev";

    async Task<FaceAnalysisResult> IFaceAnalyzerGrain.AnalyzeAsync(FaceAnalysisRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var computeEmbeddings = request.ComputeEmbeddings;
        var primary = computeEmbeddings ? embedders.Get(request.Embedder) : embedder;
        var also = computeEmbeddings && request.AlsoEmbedder is { } second ? embedders.Get(second) : null;
        var options = new FaceAnalysisOptions(request.Limit, request.DetProbThreshold, computeEmbeddings, request.DetectFaces)
        {
            Plugins = request.Plugins,
            MinFaceSize = request.MinFaceSize,
            MinQuality = request.MinQuality,
            Embedder = primary,
            AlsoEmbedder = also,
        };

        FaceAnalysis analysis;

        // A child of the grain call's span (Orleans activity propagation), so a trace reads HTTP → grain → inference.
        using var activity = CompreFaceMetrics.ActivitySource.StartActivity("face.analyze");
        activity?.SetTag("compreface.image.bytes", request.Image.Length);
        try
        {
            // Inference is seconds of CPU at worst: keep it off the grain scheduler (Orleans external-tasks guidance).
            analysis = await Task.Run(() => pipeline.Analyze(request.Image, options, cancellationToken), cancellationToken);
        }
        catch (ImageRejectedException ex)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Reason.ToString());
            LogImageRejected(logger, ex.Reason, request.Image.Length);
            return new FaceAnalysisResult { Outcome = ToOutcome(ex.Reason), Detail = ex.Message };
        }

        metrics.RecordPipeline(analysis, computeEmbeddings);
        if (activity is not null)
        {
            activity.SetTag("compreface.faces", analysis.Faces.Count);
            activity.SetTag("compreface.decode_ms", analysis.Timings.DecodeMs);
            activity.SetTag("compreface.detect_ms", analysis.Timings.DetectMs);
            activity.SetTag("compreface.embed_ms", analysis.Timings.AlignEmbedMs);
        }

        return ToResult(analysis, computeEmbeddings) with
        {
            Calculator = computeEmbeddings ? IdentityOf(primary) : null,
            AlsoCalculator = also is null ? null : IdentityOf(also),
        };
    }

    private static CalculatorIdentity IdentityOf(IFaceEmbedder model) =>
        new(model.Version, model.Coefficients.C0, model.Coefficients.C1, model.Dimension);

    Task<CalculatorIdentity> IFaceAnalyzerGrain.GetCalculatorAsync(CancellationToken cancellationToken) => Task.FromResult(Calculator);

    Task<InferenceStatus> IFaceAnalyzerGrain.GetStatusAsync(CancellationToken cancellationToken)
    {
        var status = new InferenceStatus
        {
            BuildVersion = BuildVersion,
            Calculator = Calculator,
            AvailablePlugins = AvailablePlugins(),
            ExecutionProvider = runtime.ExecutionProvider,
        };
        return Task.FromResult(status);
    }

    /// <summary>This worker's model identity: what every result carries, so no caller needs to learn it separately.</summary>
    private CalculatorIdentity Calculator { get; } =
        new(embedder.Version, embedder.Coefficients.C0, embedder.Coefficients.C1, embedder.Dimension);

    private Dictionary<string, string> AvailablePlugins()
    {
        // The UI sends as its landmarks plugin the first key that contains "landmarks": keep the detector's five points first.
        var plugins = new Dictionary<string, string>
        {
            ["landmarks"] = detector.Version,
            ["calculator"] = embedder.Version,
        };
        foreach (var (slug, version) in pipeline.Plugins?.Available ?? new Dictionary<string, string>())
        {
            plugins[slug] = version;
        }

        return plugins;
    }

    /// <summary>
    /// The model facts of <paramref name="analysis"/>: unrounded boxes and points in original pixels, every plugin
    /// output as it is (serialised once, whatever the plugin), stage times and versions. CompreFace's presentation of
    /// them is the HTTP tier's (<c>FaceMapper</c>).
    /// </summary>
    private FaceAnalysisResult ToResult(FaceAnalysis analysis, bool withEmbeddings)
    {
        var faces = new FaceData[analysis.Faces.Count];
        for (var i = 0; i < faces.Length; i++)
        {
            var (face, embedding) = (analysis.Faces[i].Face, analysis.Faces[i].Embedding);
            var extra = analysis.Faces[i].Plugins;
            faces[i] = new FaceData
            {
                Box = new FaceBox(face.Probability, face.XMin, face.YMin, face.XMax, face.YMax),
                Landmarks = Array.ConvertAll(face.Landmarks, ToPoint),
                Embedding = embedding,
                AlsoEmbedding = analysis.Faces[i].AlsoEmbedding,
                Plugins = extra is null ? [] : [.. extra.Values.Select(static v => PluginValue.From(v.Key, v.Value))],
            };
        }

        return new FaceAnalysisResult
        {
            Outcome = FaceAnalysisOutcome.Ok,
            Faces = faces,
            PluginVersions = analysis.PluginVersions ?? new Dictionary<string, string>(),
            Calculator = withEmbeddings ? Calculator : null,
            DetectorVersion = detector.Version,
            Width = analysis.Width,
            Height = analysis.Height,
            Timings = new AnalysisTimings
            {
                DetectMs = analysis.Timings.DetectMs,
                EmbedMs = analysis.Timings.AlignEmbedMs,
                PluginsMs = analysis.PluginTimesMs ?? new Dictionary<string, double>(),
            },
        };
    }

    private static FacePoint ToPoint(PointF point) => new(point.X, point.Y);

    private static FaceAnalysisOutcome ToOutcome(ImageRejection reason) => reason switch
    {
        ImageRejection.TooManyPixels => FaceAnalysisOutcome.TooManyPixels,
        ImageRejection.FileTooLarge => FaceAnalysisOutcome.FileTooLarge,
        _ => FaceAnalysisOutcome.Undecodable,
    };

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Image rejected ({Reason}), {Length} bytes")]
    private static partial void LogImageRejected(ILogger logger, ImageRejection reason, int length);
}
