using System.Globalization;
using System.Threading.RateLimiting;

namespace CompreFace.WebApi.Transfer;

/// <summary>
/// The archive uploads (imports and bulk enrolments) one node reads at once, at most
/// <see cref="TransferOptions.MaxConcurrentUploads"/>: a bulk enrolment spools up to <see cref="TransferOptions.MaxEnrolSize"/>
/// to the temporary folder and an import holds a chunk of up to 64 MB, so without a bound a few callers could fill the
/// node's disk or memory. A slot is taken after the caller's access is checked, so requests that are refused anyway
/// never occupy one.
/// </summary>
internal sealed class ArchiveUploads(IOptions<TransferOptions> options) : IDisposable
{
    private readonly ConcurrencyLimiter _slots = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.MaxConcurrentUploads,
        QueueLimit = 0,
    });

    /// <summary>A slot for one upload, held until disposed; 429 code 0 while every slot is taken.</summary>
    public RateLimitLease Take()
    {
        var lease = _slots.AttemptAcquire();
        if (lease.IsAcquired)
        {
            return lease;
        }

        lease.Dispose();
        throw Busy(options.Value.MaxConcurrentUploads);
    }

    /// <summary>429 code 0: every upload slot of the node is taken (the status says what happened, as for rate limits).</summary>
    public static ApiException Busy(int slots) => new(StatusCodes.Status429TooManyRequests, ApiErrors.GenericCode, string.Create(
        CultureInfo.InvariantCulture, $"This node is reading {slots} archive uploads already (Transfer:MaxConcurrentUploads), retry later"));

    public void Dispose() => _slots.Dispose();
}
