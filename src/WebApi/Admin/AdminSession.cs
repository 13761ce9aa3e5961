namespace CompreFace.WebApi.Admin;

/// <summary>The authenticated user of an admin request (set by <see cref="AdminSession.RequireSessionAsync"/>).</summary>
internal sealed record AdminCaller(UserInfo User)
{
    public Guid UserId => User.UserId;

    /// <summary>Global OWNER or ADMINISTRATOR: every application.</summary>
    public bool IsGlobalAdmin => User.GlobalRole is Role.Owner or Role.Administrator;

    public static AdminCaller Get(HttpContext context) =>
        context.Features.Get<AdminCaller>() ?? throw new InvalidOperationException("The endpoint is not behind the admin session check.");
}

/// <summary>
/// The session cookies (docs/compreface-behaviour.md#admin-sessions): <c>CFSESSION</c> (path <c>/admin</c>) is the only credential the UI sends;
/// <c>REFRESH_TOKEN</c> (path <c>/admin/oauth/token</c>) only reaches the token endpoint. Both HttpOnly and
/// SameSite=Lax (the UI is same-site; Lax still lets a link into the UI carry the session), Secure over HTTPS or always
/// (<see cref="SessionCookieOptions"/>).
/// </summary>
internal static class AdminSession
{
    public const string AccessCookie = "CFSESSION";
    public const string RefreshCookie = "REFRESH_TOKEN";
    public const string AccessPath = "/admin";
    public const string RefreshPath = "/admin/oauth/token";

    /// <summary>Sets both cookies for a fresh token pair.</summary>
    public static void SetCookies(HttpContext context, SessionTokens tokens)
    {
        context.Response.Cookies.Append(AccessCookie, tokens.AccessToken, Options(context, AccessPath, tokens.AccessExpiresInSeconds));
        context.Response.Cookies.Append(RefreshCookie, tokens.RefreshToken, Options(context, RefreshPath, tokens.RefreshExpiresInSeconds));
    }

    /// <summary>Clears both cookies (<c>Max-Age=0</c>, same paths).</summary>
    public static void ClearCookies(HttpContext context)
    {
        context.Response.Cookies.Append(AccessCookie, string.Empty, Options(context, AccessPath, 0));
        context.Response.Cookies.Append(RefreshCookie, string.Empty, Options(context, RefreshPath, 0));
    }

    /// <summary>
    /// Endpoint filter of the cookie-authenticated admin group: no or an invalid cookie is 401 (the UI logs out on any
    /// 401); a valid cookie whose user is gone is 403 code 1.
    /// </summary>
    public static async ValueTask<object?> RequireSessionAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var grains = context.RequestServices.GetRequiredService<IGrainFactory>();
        if (!context.Request.Cookies.TryGetValue(AccessCookie, out var token) || string.IsNullOrEmpty(token))
        {
            return Unauthorized("unauthorized", "Full authentication is required to access this resource");
        }

        // A token refused once is refused for good (expired, revoked, or never issued): the node remembers it briefly.
        var key = SessionTokenHash.GrainKey(token);
        var unknown = context.RequestServices.GetRequiredService<UnknownCredentials>();
        var userId = unknown.IsKnownUnknown(key) ? null : await grains.GetGrain<ISessionGrain>(0).AuthenticateAsync(key, context.RequestAborted);
        if (userId is null)
        {
            unknown.Remember(key);
            return Unauthorized("invalid_token", "Invalid access token");
        }

        var user = await grains.GetGrain<IUserGrain>(userId.Value).GetAsync(context.RequestAborted) ?? throw AdminErrors.AccessDenied();
        context.Features.Set(new AdminCaller(user));
        return await next(invocation);
    }

    public static IResult Unauthorized(string error, string description) =>
        AdminJson.Result(new OAuthError(error, description), StatusCodes.Status401Unauthorized);

    private static CookieOptions Options(HttpContext context, string path, int maxAgeSeconds) => new()
    {
        Path = path,
        HttpOnly = true,
        SameSite = SameSiteMode.Lax,
        Secure = context.RequestServices.GetRequiredService<IOptions<SessionCookieOptions>>().Value.IsSecure(context.Request),
        MaxAge = TimeSpan.FromSeconds(maxAgeSeconds),
        IsEssential = true,
    };
}
