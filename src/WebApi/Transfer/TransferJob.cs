using CompreFace.Grains.Interfaces.Jobs;

namespace CompreFace.WebApi.Transfer;

/// <summary>
/// An export or an import as an entry of the jobs list (docs/decisions/0034-jobs-and-re-embedding.md): created when the
/// request starts, reported every <see cref="TransferOptions.ProgressInterval"/> by a heartbeat that also learns, through
/// the job's grain (one activation in the cluster), whether someone asked to cancel it, on whichever node; finished with
/// the request's outcome. <see cref="Token"/> is cancelled by that cancel request or by the client going away, and is
/// what the transfer passes to every call.
/// </summary>
internal sealed partial class TransferJob : IAsyncDisposable
{
    private readonly JobRun _run;
    private readonly CancellationToken _requestAborted;
    private readonly CancellationTokenSource _token;
    private readonly CancellationTokenSource _stopHeartbeat = new();
    private readonly ILogger _logger;
    private readonly Task _heartbeat;
    private long _done;
    private long _failed;
    private long _total = -1;
    private long _bytes;
    private bool _finished;

    private TransferJob(JobRun run, TimeSpan interval, TimeProvider time, ILogger logger, CancellationToken requestAborted)
    {
        _run = run;
        _requestAborted = requestAborted;
        _logger = logger;
        _token = CancellationTokenSource.CreateLinkedTokenSource(run.Token, requestAborted);
        _heartbeat = BeatAsync(interval, time);
    }

    /// <summary>The job's id.</summary>
    public Guid JobId => _run.JobId;

    /// <summary>Cancelled when the job's cancel is requested (from any node) or the client disconnects.</summary>
    public CancellationToken Token => _token.Token;

    /// <summary>Whether a cancel request (not the client) stopped the transfer.</summary>
    public bool CancelRequested => _run.CancelRequested;

    /// <summary>Creates the job (running at once) and starts its heartbeat.</summary>
    public static async Task<TransferJob> StartAsync(
        IGrainFactory grains, JobSpec spec, TransferOptions options, TimeProvider time, ILogger logger, CancellationToken requestAborted)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(options);
        var jobId = Guid.NewGuid();
        await grains.GetGrain<IJobGrain>(jobId).CreateAsync(spec, requestAborted);

        // A node that stops ends the request as well, so the job is not left for a resumer: only the client and a cancel
        // request stop it (the request's abort is linked into Token). A node that dies leaves it running until the
        // AbandonedTransferJobs sweep fails it, once this heartbeat has been silent for JobGrain.StaleAfter.
        var run = await JobRun.StartAsync(grains, jobId, CancellationToken.None)
            ?? throw new InvalidOperationException($"Job {jobId} was cancelled before it started.");
        var job = new TransferJob(run, options.ProgressInterval, time, logger, requestAborted);
        job.SetTotal(spec.Total);
        return job;
    }

    /// <summary>The counters so far (the heartbeat reports them; absolute values, not increments).</summary>
    public void Progress(long done, long failed, long bytes)
    {
        Volatile.Write(ref _done, done);
        Volatile.Write(ref _failed, failed);
        Volatile.Write(ref _bytes, bytes);
    }

    /// <summary>The number of items, once known.</summary>
    public void SetTotal(long? total) => Volatile.Write(ref _total, total ?? -1);

    /// <summary>
    /// Records how the transfer ended, with the final counters: completed (no <paramref name="error"/>), cancelled (a
    /// cancel request stopped it; <paramref name="note"/> says what it left behind) or failed (the error, or the client
    /// that went away).
    /// </summary>
    public async Task FinishAsync(Exception? error, string? note = null)
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        await StopHeartbeatAsync();
        try
        {
            await ReportAsync();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogReportFailed(_logger, JobId, exception.Message);
        }

        if (error is OperationCanceledException && !_run.CancelRequested && _requestAborted.IsCancellationRequested)
        {
            error = new IOException("The client disconnected before the transfer ended");
        }

        await _run.FinishAsync(error, note);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopHeartbeatAsync();
        _token.Dispose();
        _stopHeartbeat.Dispose();
        await _run.DisposeAsync();
    }

    private async Task StopHeartbeatAsync()
    {
        if (!_stopHeartbeat.IsCancellationRequested)
        {
            await _stopHeartbeat.CancelAsync();
        }

        await _heartbeat;
    }

    private Task ReportAsync()
    {
        var total = Volatile.Read(ref _total);
        return _run.ReportAsync(Volatile.Read(ref _done), Volatile.Read(ref _failed), total < 0 ? null : total, Volatile.Read(ref _bytes));
    }

    /// <summary>Reports the counters every <paramref name="interval"/>; the answer of each report is how a cancel request reaches <see cref="Token"/>.</summary>
    private async Task BeatAsync(TimeSpan interval, TimeProvider time)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopHeartbeat.Token))
            {
                try
                {
                    await ReportAsync();
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // The store or the job's silo is briefly unreachable: the transfer goes on, the next beat tries again.
                    LogReportFailed(_logger, JobId, exception.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by FinishAsync or DisposeAsync.
        }
    }

    [LoggerMessage(EventId = 3700, Level = LogLevel.Warning, Message = "Reporting the progress of transfer job {JobId} failed ({Error}); it goes on")]
    private static partial void LogReportFailed(ILogger logger, Guid jobId, string error);
}

/// <summary>
/// A pass-through stream that counts the bytes read or written through it (an archive's size so far, for the job's
/// progress); past <paramref name="limit"/> bytes it fails with 413 code 0 (a decompressed archive bounded as its upload is).
/// </summary>
internal sealed class CountingStream(Stream inner, long limit = long.MaxValue) : Stream
{
    private long _count;

    /// <summary>Bytes read or written so far.</summary>
    public long Count => Volatile.Read(ref _count);

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Counted(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        inner.Write(buffer, offset, count);
        Counted(count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await inner.WriteAsync(buffer, cancellationToken);
        Counted(buffer.Length);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private int Counted(int count) => Interlocked.Add(ref _count, count) <= limit ? count : throw ApiErrors.RequestTooLarge(limit);
}
