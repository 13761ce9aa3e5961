namespace CompreFace.WebApi.Http;

/// <summary>
/// A request's path as logs and traces may hold it. Paths carry subject names (<c>/api/v1/recognition/subjects/{subject}</c>),
/// which are biometric personal data: a routed request is named by its route template, any other (unmatched, or not
/// routed yet) by its first three segments.
/// </summary>
public static class TelemetryPaths
{
    private const int KeptSegments = 3;

    /// <summary>
    /// The template of <paramref name="endpoint"/> (default: the request's endpoint; the exception handler passes the one
    /// that failed, which it has already cleared from the request), else the path cut after its third segment.
    /// </summary>
    public static string Of(HttpContext context, Endpoint? endpoint = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        if ((endpoint ?? context.GetEndpoint()) is RouteEndpoint { RoutePattern.RawText: { Length: > 0 } template })
        {
            return template[0] == '/' ? template : "/" + template;
        }

        var path = context.Request.Path.Value ?? string.Empty;
        var end = 0;
        for (var segment = 0; segment <= KeptSegments; segment++)
        {
            end = path.IndexOf('/', end + (segment == 0 ? 0 : 1));
            if (end < 0)
            {
                return path;
            }
        }

        return path[..end] + "/…";
    }
}
