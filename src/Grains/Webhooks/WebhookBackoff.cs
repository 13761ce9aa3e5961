namespace CompreFace.Grains.Webhooks;

/// <summary>When a failed delivery is tried again: exponential back-off from <see cref="WebhookOptions.RetryBaseDelay"/>, capped.</summary>
public static class WebhookBackoff
{
    /// <summary>
    /// The next attempt after <paramref name="attempts"/> failed ones (1 = the first failed), or null when
    /// <see cref="WebhookOptions.MaxAttempts"/> is reached and the delivery is given up.
    /// </summary>
    public static DateTimeOffset? NextAttempt(int attempts, DateTimeOffset now, WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        if (attempts >= options.MaxAttempts)
        {
            return null;
        }

        // 2^(attempts-1) overflows nothing: the exponent is capped before the multiplication.
        var factor = Math.Pow(2, Math.Min(attempts - 1, 30));
        var delay = TimeSpan.FromMilliseconds(Math.Min(options.RetryBaseDelay.TotalMilliseconds * factor, options.RetryMaxDelay.TotalMilliseconds));
        return now + delay;
    }
}
