using System.Threading.Channels;
using Microsoft.Extensions.Hosting;

namespace CompreFace.WebApi.Mail;

/// <summary>
/// Forgot-password mail, sent in the background (docs/decisions/0023-accounts-and-sessions.md): the endpoint only queues
/// the typed email and answers, so its answer and its time are the same whether the address is registered or not, and
/// it never waits for the mail server. The worker issues the reset token and mails the link to the address stored for
/// the account (never the one typed). The queue is bounded: a flood of requests drops mail (event 3203), never memory.
/// </summary>
public sealed partial class PasswordResetMailer(
    IGrainFactory grains, IMailSender sender, IOptions<MailOptions> options, ILogger<PasswordResetMailer> logger) : BackgroundService
{
    private const int Capacity = 256;

    private readonly Channel<string> _queue = Channel.CreateBounded<string>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    /// <summary>Queues a reset mail for whoever is registered under <paramref name="email"/> (as typed); returns at once.</summary>
    public void Enqueue(string email)
    {
        if (!_queue.Writer.TryWrite(email))
        {
            LogQueueFull(logger, Capacity);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var email in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await SendAsync(email, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogResetMailFailed(logger, e);
            }
        }
    }

    private async Task SendAsync(string email, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var issued = await grains.GetGrain<IUserRegistryGrain>(0)
            .IssueResetTokenAsync(email, TimeSpan.FromSeconds(settings.ResetTokenValiditySeconds), cancellationToken);
        if (issued is null)
        {
            return;
        }

        var link = $"{settings.PublicUrl.TrimEnd('/')}/reset-password?token={issued.Token}";
        var minutes = settings.ResetTokenValiditySeconds / 60;
        await sender.SendAsync(
            issued.Email, "CompreFace password reset",
            $"Someone asked to reset the password of your CompreFace account.\r\n\r\nTo choose a new password, open this link within {minutes} minutes:\r\n{link}\r\n\r\nIf it was not you, ignore this mail; your password stays as it is.\r\n",
            cancellationToken);
    }

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "A password-reset mail could not be sent")]
    private static partial void LogResetMailFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "A password-reset request was dropped: {Capacity} mails are already waiting to be sent")]
    private static partial void LogQueueFull(ILogger logger, int capacity);
}
