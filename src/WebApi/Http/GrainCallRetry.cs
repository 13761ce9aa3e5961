using System.Collections.Concurrent;
using System.Reflection;
using Orleans.Concurrency;
using Orleans.Runtime.Messaging;

namespace CompreFace.WebApi.Http;

/// <summary>
/// Retries a grain call made by the HTTP tier (not by a grain) when it failed for a transient cluster reason. A call
/// that may safely run twice (<see cref="ReadOnlyAttribute"/> or <see cref="RetrySafeAttribute"/>: searches, listings,
/// inference, key lookups, and adds, which carry their image id and are idempotent) is retried on every transient
/// failure. Any other call (deletes, renames, subject changes) is retried only when the failure proves the grain never
/// ran it: the connection to the target silo could not be opened, or the message was rejected before delivery. A
/// <see cref="SiloUnavailableException"/> or a timeout may come after the grain ran it, so such a call fails (503) and
/// the client decides. Retries stop after <see cref="NodeOptions.GrainCallRetries"/> or once
/// <see cref="NodeOptions.GrainCallRetryBudget"/> would be exceeded, whichever comes first (docs/decisions/0026).
/// </summary>
internal sealed partial class GrainCallRetryFilter(IOptions<NodeOptions> options, TimeProvider time, ILogger<GrainCallRetryFilter> logger) : IOutgoingGrainCallFilter
{
    private static readonly ConcurrentDictionary<MethodInfo, bool> RetrySafe = new();

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        // Grain-to-grain calls keep Orleans' own semantics: the retry belongs to the edge, once per request.
        if (context.SourceContext is not null)
        {
            await context.Invoke();
            return;
        }

        var settings = options.Value;
        var started = time.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            var delay = DelayBefore(attempt + 1, settings.GrainCallRetryDelay);
            try
            {
                await context.Invoke();
                return;
            }
            catch (Exception exception) when (attempt < settings.GrainCallRetries
                && time.GetElapsedTime(started) + delay <= settings.GrainCallRetryBudget
                && MayRetry(context.InterfaceMethod, exception))
            {
                LogRetry(logger, context.InterfaceName, context.MethodName, attempt + 1, exception.GetType().Name);
            }

            // Short, nearly constant waits: while a dead silo is being declared dead, a call to it fails at once, and the
            // first attempt after its grains reactivated elsewhere should not wait long.
            await Task.Delay(delay, time);
        }
    }

    /// <summary>The wait before retry <paramref name="retry"/> (1-based): n × <paramref name="delay"/>, at most 4 × it.</summary>
    internal static TimeSpan DelayBefore(int retry, TimeSpan delay) => delay * Math.Min(retry, 4);

    /// <summary>Whether a call of <paramref name="method"/> that failed with <paramref name="exception"/> may be sent again.</summary>
    internal static bool MayRetry(MethodInfo? method, Exception exception) =>
        IsRetrySafe(method) ? TransientFailures.IsTransient(exception) : TransientFailures.NeverDelivered(exception);

    private static bool IsRetrySafe(MethodInfo? method) =>
        method is not null && RetrySafe.GetOrAdd(method, m =>
            m.IsDefined(typeof(ReadOnlyAttribute), inherit: false) || m.IsDefined(typeof(RetrySafeAttribute), inherit: false));

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "{Interface}.{Method} failed ({Exception}); retry {Attempt}")]
    private static partial void LogRetry(ILogger logger, string @interface, string method, int attempt, string exception);
}

/// <summary>The failures of a grain call that say "a silo or the database is briefly gone", not "the request is wrong".</summary>
public static class TransientFailures
{
    /// <summary>A silo did not answer: unreachable, declared dead, rejected the message, or the call timed out.</summary>
    public static bool IsClusterUnavailable(Exception exception) =>
        Find(exception, e => e is SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException
            or GatewayTooBusyException or TimeoutException) is not null;

    /// <summary>The call waited out its response timeout or found the gateway too busy: the node may only be overloaded.</summary>
    public static bool TimedOut(Exception exception) =>
        Find(exception, e => e is TimeoutException or GatewayTooBusyException) is not null;

    /// <summary>The database did not answer (<see cref="StoreUnavailableException"/>, raised at the grain boundary).</summary>
    public static bool IsStoreUnavailable(Exception exception) =>
        Find(exception, e => e is StoreUnavailableException) is not null;

    /// <summary>Worth another attempt: the cluster or the database was briefly unavailable.</summary>
    public static bool IsTransient(Exception exception) => IsClusterUnavailable(exception) || IsStoreUnavailable(exception);

    /// <summary>
    /// The failure proves the message never reached a grain: no connection to the target silo could be opened, or the
    /// message was rejected before delivery (a rejection other than <see cref="SiloUnavailableException"/>, which also
    /// breaks calls already delivered to a silo that then died).
    /// </summary>
    public static bool NeverDelivered(Exception exception) =>
        Find(exception, e => e is ConnectionFailedException
            || (e is OrleansMessageRejectionException && e is not SiloUnavailableException)) is not null;

    private static Exception? Find(Exception? exception, Func<Exception, bool> match)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (match(e))
            {
                return e;
            }
        }

        return null;
    }
}
