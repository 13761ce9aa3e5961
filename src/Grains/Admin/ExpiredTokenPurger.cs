using CompreFace.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CompreFace.Grains.Admin;

/// <summary>
/// Deletes expired tokens (session, password reset, sign-up confirmation) and unconfirmed sign-ups whose link has
/// expired, every <see cref="AdminOptions.TokenPurgeIntervalSeconds"/>: every login and refresh adds two rows, an
/// expired one is only ever refused, and an unconfirmed sign-up holds its email until it goes. Each node runs it; the delete is idempotent, so nodes that
/// purge at the same time only repeat each other's work.
/// </summary>
internal sealed partial class ExpiredTokenPurger(IAdminStore store, IOptions<AdminOptions> options, ILogger<ExpiredTokenPurger> logger) : IPurge
{
    public TimeSpan Interval => TimeSpan.FromSeconds(options.Value.TokenPurgeIntervalSeconds);

    public async Task<int> DeleteAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Unconfirmed sign-ups older than a confirmation link's life first (their tokens cascade), then expired tokens.
        var purged = await store.DeleteUnconfirmedUsersAsync(now.AddSeconds(-options.Value.ConfirmationTokenValiditySeconds), cancellationToken);
        return purged + await store.DeleteExpiredTokensAsync(now, cancellationToken);
    }

    public void OnPurged(int count) => LogPurged(logger, count);

    [LoggerMessage(EventId = 3041, Level = LogLevel.Information, Message = "Purged {Count} expired tokens and unconfirmed sign-ups")]
    private static partial void LogPurged(ILogger logger, int count);
}
