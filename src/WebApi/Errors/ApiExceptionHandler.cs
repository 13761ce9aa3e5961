using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace CompreFace.WebApi.Errors;

/// <summary>
/// The one place where failures become responses: <see cref="ApiException"/> keeps its status and code; malformed
/// JSON is code 26; a database or silo outage is 503 code 41; unparseable multipart and everything unexpected is
/// CompreFace's 400 code 0 (never a 500).
/// </summary>
internal sealed partial class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger, IOptions<ApiOptions> options) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody reads the answer.
            if (logger.IsEnabled(LogLevel.Debug))
            {
                var path = FailedPath(httpContext);
                LogRequestAborted(logger, httpContext.Request.Method, path);
            }

            return true;
        }

        // The limit the server enforced on this request: the face API's, or /admin's smaller one (AdminRequestLimit).
        var limit = httpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? options.Value.MaxRequestSize;
        var (error, unexpected) = Classify(exception, limit);
        if (unexpected)
        {
            LogUnexpected(logger, exception, httpContext.Request.Method, FailedPath(httpContext));
        }
        else if (logger.IsEnabled(LogLevel.Debug))
        {
            var path = FailedPath(httpContext);
            LogRejected(logger, httpContext.Request.Method, path, error.StatusCode, error.Code);
        }

        await WriteAsync(httpContext, error, cancellationToken);
        return true;
    }

    /// <summary>Writes an error response: status, CORS and the JSON body.</summary>
    public static async Task WriteAsync(HttpContext httpContext, ApiException error, CancellationToken cancellationToken)
    {
        var response = httpContext.Response;
        response.StatusCode = error.StatusCode;
        CorsMiddleware.ApplyHeaders(httpContext);

        response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(response.Body, new ApiError(error.Message, error.Code), ApiJson.Options, cancellationToken);
    }

    /// <summary>The failed request's route template, never its path (which can hold a subject name).</summary>
    private static string FailedPath(HttpContext context) =>
        TelemetryPaths.Of(context, context.Features.Get<IExceptionHandlerFeature>()?.Endpoint);

    /// <summary>The response for an exception, and whether it is a fault of ours (logged as an error) rather than the client's.</summary>
    private static (ApiException Error, bool Unexpected) Classify(Exception exception, long maxRequestSize) => exception switch
    {
        ApiException api => (api, false),
        JsonException => (ApiErrors.InvalidJsonBody(), false),

        // A chunked body cut off by the server's per-request limit (RequestNormalizationMiddleware sets it).
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (ApiErrors.RequestTooLarge(maxRequestSize), false),

        // Unparseable multipart (body over the form limit, broken parts) and truncated requests: Spring's
        // MultipartException and friends, which CompreFace's catch-all answers with 400 code 0.
        BadHttpRequestException or InvalidDataException => (ApiErrors.Generic(), false),

        // Transient outages (after GrainCallRetryFilter's retries): 503, so clients and load balancers retry.
        _ when TransientFailures.IsStoreUnavailable(exception) => (ApiErrors.BackendUnavailable("the database is unavailable"), false),
        // A call that waited out its response timeout (often a node busy with a queue of analyses, not a dead one).
        _ when TransientFailures.TimedOut(exception) => (ApiErrors.BackendUnavailable("a cluster node did not answer in time (busy or unavailable)"), false),
        _ when TransientFailures.IsClusterUnavailable(exception) => (ApiErrors.BackendUnavailable("a cluster node is unavailable"), false),
        _ => (ApiErrors.Generic(), true),
    };

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "Unexpected failure of {Method} {Path}; answered 400 code 0")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "{Method} {Path} refused with HTTP {Status}, code {Code}")]
    private static partial void LogRejected(ILogger logger, string method, string path, int status, int code);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "{Method} {Path} aborted by the client")]
    private static partial void LogRequestAborted(ILogger logger, string method, string path);
}
