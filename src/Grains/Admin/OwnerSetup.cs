using System.Net;
using System.Security.Cryptography;
using System.Text;
using CompreFace.Grains.Interfaces.Admin;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CompreFace.Grains.Admin;

/// <summary>
/// Who may make the first sign-up, which becomes the server's owner: a request from the node's own host (after the
/// trusted-proxy headers are applied, so a proxy on the same host does not make everyone local), or one that carries the
/// setup token (<c>Admin:SetupToken</c>, else random per node and logged at start while the server has no owner).
/// </summary>
public sealed partial class OwnerSetup(
    IOptions<AdminOptions> options, IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<OwnerSetup> logger) : BackgroundService, IOwnerSetupPolicy
{
    private readonly string _token = options.Value.SetupToken is { Length: > 0 } preset
        ? preset
        : Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    /// <inheritdoc/>
    public bool Allows(IPAddress? remote, string? token)
    {
        if (remote is not null && IPAddress.IsLoopback(remote))
        {
            return true;
        }

        return token is { Length: > 0 }
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token.Trim()), Encoding.UTF8.GetBytes(_token));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Grain calls need the silo, which starts with the host: wait until everything has.
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            await started.Task;
        }

        var cancellationToken = stoppingToken;
        try
        {
            // The registry's own rule, so the token is logged exactly while sign-ups need it.
            if (await grains.GetGrain<IUserRegistryGrain>(0).IsOwnerlessAsync(cancellationToken))
            {
                LogSetupToken(logger, _token);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The store may not be reachable yet (a cluster node starting before PostgreSQL): the token still works.
            LogSetupTokenUnchecked(logger, _token, e);
        }
    }

    [LoggerMessage(EventId = 3061, Level = LogLevel.Warning,
        Message = "This server has no owner yet: the first account signed up becomes it. Sign up on this host (http://localhost), or from elsewhere with the setup token {Token}")]
    private static partial void LogSetupToken(ILogger logger, string token);

    [LoggerMessage(EventId = 3062, Level = LogLevel.Warning,
        Message = "Could not check whether this server has an owner; if it has none, the first sign-up from another host needs the setup token {Token}")]
    private static partial void LogSetupTokenUnchecked(ILogger logger, string token, Exception exception);
}
