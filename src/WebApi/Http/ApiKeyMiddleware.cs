namespace CompreFace.WebApi.Http;

/// <summary>
/// CompreFace's <c>SecurityValidationFilter</c> (docs/compreface-behaviour.md#conventions), before routing on every <c>/api/v1</c> path but the exempt
/// ones: the header must be there (code 20), be a UUID (code 26) and open a service of the URL's type (404 code 10).
/// The service is resolved through <see cref="IApiKeyGrain"/> on every request, like Java's DB lookup.
/// </summary>
internal sealed partial class ApiKeyMiddleware(
    RequestDelegate next,
    IGrainFactory grains,
    IFaceServiceRequestCounter counter,
    UnknownCredentials unknown,
    RecentApiKeys recent,
    IOptions<NodeOptions> node,
    TimeProvider time,
    ILogger<ApiKeyMiddleware> logger)
{
    private const string HeaderName = "x-api-key";
    private const int UuidLength = 36;

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (!ApiPaths.RequiresApiKey(path))
        {
            await next(context);
            return;
        }

        // Header names are case-insensitive here (Java matches "x-api-key" exactly; this is a superset).
        if (!context.Request.Headers.TryGetValue(HeaderName, out var values) || values.Count == 0 || values[0] is null)
        {
            throw ApiErrors.MissingApiKey();
        }

        var key = values[0]!;
        if (key.Length < UuidLength || !Guid.TryParseExact(key, "D", out var uuid))
        {
            throw ApiErrors.ApiKeyNotUuid();
        }

        var type = ServiceTypeOf(path);
        if (type is null)
        {
            // Not a face-service path: routing answers 404 (Java's filter would fail with a 500 here).
            await next(context);
            return;
        }

        // An unknown key is answered from the node's short negative memory, else looked up once (its activation does
        // not stay: ApiKeyGrain deactivates on a miss) and remembered.
        var canonical = uuid.ToString("D");
        var service = unknown.IsKnownUnknown(canonical) ? null : await ResolveAsync(canonical, context.RequestAborted);
        if (service is null)
        {
            unknown.Remember(canonical);
        }

        if (service is null || service.Type != type)
        {
            if (logger.IsEnabled(LogLevel.Debug))
            {
                var logged = TelemetryPaths.Of(context);
                LogServiceNotFound(logger, type.Value, logged);
            }

            throw ApiErrors.ServiceNotFound(type.Value, key);
        }

        context.Features.Set(new FaceServiceContext(canonical, service));
        if (ApiPaths.IsCounted(path))
        {
            counter.Increment(service);
        }

        await next(context);
    }

    /// <summary>
    /// The key's service from its grain. In a cluster, when this node resolved the key recently and the grain has not
    /// answered within <see cref="NodeOptions.SearchStandbyAfter"/> (its silo died and is not yet declared dead), the
    /// recent answer instead: a request must not wait for failure detection because of the key (docs/decisions/0032).
    /// </summary>
    private async Task<FaceServiceInfo?> ResolveAsync(string key, CancellationToken cancellationToken)
    {
        var lookup = grains.GetGrain<IApiKeyGrain>(key).GetServiceAsync(cancellationToken);
        var settings = node.Value;
        if (settings.Mode != ClusterMode.Localhost && recent.Recent(key, settings.ApiKeyFallbackAge) is { } known)
        {
            try
            {
                var answer = await lookup.WaitAsync(settings.SearchStandbyAfter, time, cancellationToken);
                recent.Remember(key, answer);
                return answer;
            }
            catch (TimeoutException)
            {
                LogKeyFallback(logger, settings.SearchStandbyAfter.TotalMilliseconds);
                RememberLater(key, lookup);
                return known;
            }
        }

        var service = await lookup;
        recent.Remember(key, service);
        return service;
    }

    /// <summary>Records the answer of a lookup that was not waited for, once it comes (a failure changes nothing).</summary>
    private void RememberLater(string key, Task<FaceServiceInfo?> lookup) =>
        lookup.ContinueWith(
            done =>
            {
                if (done.IsCompletedSuccessfully)
                {
                    recent.Remember(key, done.Result);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default).Ignore();

    private static FaceServiceType? ServiceTypeOf(PathString path)
    {
        if (path.StartsWithSegments(ApiPaths.Detection, StringComparison.OrdinalIgnoreCase))
        {
            return FaceServiceType.Detection;
        }

        if (path.StartsWithSegments(ApiPaths.Verification, StringComparison.OrdinalIgnoreCase))
        {
            return FaceServiceType.Verify;
        }

        if (path.StartsWithSegments(ApiPaths.Recognition, StringComparison.OrdinalIgnoreCase))
        {
            return FaceServiceType.Recognition;
        }

        return null;
    }

    [LoggerMessage(EventId = 5100, Level = LogLevel.Warning, Message = "An API key's grain did not answer within {Milliseconds:F0} ms; answered from this node's recent lookup of the key")]
    private static partial void LogKeyFallback(ILogger logger, double milliseconds);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "No {Type} service for the key sent to {Path}")]
    private static partial void LogServiceNotFound(ILogger logger, FaceServiceType type, string path);
}
