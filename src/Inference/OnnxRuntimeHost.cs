using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;

namespace CompreFace.Inference;

/// <summary>What the inference runtime actually runs on, for <c>/status</c> pages and logs.</summary>
public interface IInferenceRuntimeInfo
{
    /// <summary>"CPU" or "CUDA": the provider the sessions were created with, after any fallback.</summary>
    string ExecutionProvider { get; }
}

/// <summary>
/// Creates the process's <see cref="ModelSession"/>s with one shared <see cref="SessionOptions"/>, after locating and
/// verifying each model file. Singleton: the CUDA probe and its warning happen once.
/// </summary>
internal sealed partial class OnnxRuntimeHost : IInferenceRuntimeInfo, IDisposable
{
    private readonly SessionOptions _sessionOptions;
    private readonly ModelOptions _models;
    private readonly ILogger<OnnxRuntimeHost> _logger;

    public OnnxRuntimeHost(IOptions<ModelOptions> models, IOptions<InferenceOptions> inference, ILogger<OnnxRuntimeHost> logger)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(inference);
        _models = models.Value;
        _logger = logger;
        var options = inference.Value;

        _sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = options.IntraOpThreads > 0 ? options.IntraOpThreads : Math.Min(Environment.ProcessorCount, 4),
            InterOpNumThreads = 1,
        };

        // Spinning threads burn a core each between runs; with the silo sharing 2 cores that costs more than the wake-up latency.
        _sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");

        ExecutionProvider = "CPU";
        if (options.ExecutionProvider == ExecutionProviderKind.Cuda)
        {
            try
            {
                _sessionOptions.AppendExecutionProvider_CUDA(0);
                ExecutionProvider = "CUDA";
            }
#pragma warning disable CA1031 // The CPU package throws EntryPointNotFound or OnnxRuntimeException; any failure means "no CUDA here".
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.CudaUnavailable(_logger, ex.Message);
            }
        }
    }

    /// <inheritdoc />
    public string ExecutionProvider { get; }

    /// <summary>
    /// Verifies <paramref name="model"/> against the manifest, opens a session for it and runs <paramref name="check"/>
    /// on it (the inputs and outputs its model class expects). A session whose check throws is closed before the
    /// exception leaves, so a wrong model file fails the node's start without leaking native memory.
    /// </summary>
    public ModelSession CreateSession(ModelDescriptor model, Action<ModelSession> check, Func<byte[], byte[]>? patch = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(check);
        var path = ModelCatalog.Locate(model, _models.Path, _models.VerifyChecksums);

        // A patch rewrites the verified bytes in memory (e.g. to lift a fixed batch size); the file stays as published.
        var session = new ModelSession(
            patch is null ? new InferenceSession(path, _sessionOptions) : new InferenceSession(patch(File.ReadAllBytes(path)), _sessionOptions),
            model.FileName);
        try
        {
            check(session);
        }
        catch
        {
            session.Dispose();
            throw;
        }

        Log.SessionCreated(_logger, model.FileName, ExecutionProvider, _models.VerifyChecksums);
        return session;
    }

    public void Dispose() => _sessionOptions.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "CUDA execution provider unavailable ({Reason}); running the face models on the CPU")]
        public static partial void CudaUnavailable(ILogger logger, string reason);

        [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Loaded model {Model} on {Provider} (checksum verified: {Verified})")]
        public static partial void SessionCreated(ILogger logger, string model, string provider, bool verified);
    }
}
