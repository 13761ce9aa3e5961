namespace CompreFace.WebApi.Http;

/// <summary>The path prefixes the face API serves and the ones CompreFace's key filter skips.</summary>
internal static class ApiPaths
{
    public static readonly PathString Api = "/api/v1";
    public static readonly PathString Core = "/core";
    public static readonly PathString Detection = "/api/v1/detection";
    public static readonly PathString Verification = "/api/v1/verification";
    public static readonly PathString Recognition = "/api/v1/recognition";

    /// <summary>Paths that need no <c>x-api-key</c> (<c>SecurityValidationFilter</c>'s exclusions).</summary>
    private static readonly PathString[] KeyExempt =
    [
        "/api/v1/static", "/api/v1/config", "/api/v1/migrate", "/api/v1/consistence/status",
        "/api/v1/swagger", "/api/v1/webjars", "/api/v1/v2",
    ];

    /// <summary>Requests counted in a service's statistics (embedding endpoints are not).</summary>
    private static readonly PathString[] Counted =
    [
        "/api/v1/recognition/recognize", "/api/v1/detection/detect", "/api/v1/verification/verify",
    ];

    /// <summary>Whether CORS and the JSON error model apply (<c>/api/v1</c> and <c>/core</c>).</summary>
    public static bool IsApi(PathString path) =>
        path.StartsWithSegments(Api, StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments(Core, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the path is under <c>/api/v1</c> and not exempt from the key check.</summary>
    public static bool RequiresApiKey(PathString path)
    {
        if (!path.StartsWithSegments(Api, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        foreach (var exempt in KeyExempt)
        {
            if (path.StartsWithSegments(exempt, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether a request to this path adds to the service's request counter.</summary>
    public static bool IsCounted(PathString path)
    {
        foreach (var counted in Counted)
        {
            // Java uses startsWith on the raw string, so ".../verification/verify" covers nothing else here.
            if (path.StartsWithSegments(counted, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
