using System.Text.Json.Nodes;
using System.Text;

namespace CompreFace.WebApi.Admin;

/// <summary>
/// <c>/admin/oauth/token</c> (docs/compreface-behaviour.md#admin-sessions): Spring OAuth2's password and refresh grants and logout, answered with the
/// token body and the session cookies. Parameters come from multipart or urlencoded forms or the query.
/// </summary>
internal static partial class SessionEndpoints
{
    /// <summary>The client credentials the UI hardcodes (<c>Basic Q29tbW9uQ2xpZW50SWQ6cGFzc3dvcmQ=</c>).</summary>
    private const string ClientCredentials = "CommonClientId:password";

    public static void MapSessionEndpoints(this IEndpointRouteBuilder admin)
    {
        admin.MapPost("/oauth/token", TokenAsync).WithName("AdminToken").DisableAntiforgery().RequireRateLimiting(RateLimits.Login)
            .WithMetadata(new RequestBodyDoc("application/x-www-form-urlencoded", new JsonObject { ["grant_type"] = "password", ["username"] = "jane@example.com", ["password"] = "a-long-passphrase" }, []));
        admin.MapDelete("/oauth/token", LogoutAsync).WithName("AdminLogout");
    }

    /// <summary><c>POST /admin/oauth/token</c>: <c>grant_type=password</c> or <c>refresh_token</c>.</summary>
    public static async Task<IResult> TokenAsync(HttpContext context, [FromServices] IGrainFactory grains, [FromServices] ILoggerFactory loggers)
    {
        if (!HasClientCredentials(context.Request))
        {
            return AdminSession.Unauthorized("unauthorized", "Full authentication is required to access this resource");
        }

        var parameters = await ReadParametersAsync(context.Request, context.RequestAborted);
        var grantType = parameters.GetValueOrDefault("grant_type");
        switch (grantType)
        {
            case "password":
            {
                var username = parameters.GetValueOrDefault("username");
                var password = parameters.GetValueOrDefault("password");
                // The email keys the login grain: anything that could not be a registered address is answered here,
                // as a wrong password is, without creating an activation for it.
                if (!AdminEmail.TryNormalize(username, out var email) || password is null)
                {
                    return BadCredentials();
                }

                var result = await grains.GetGrain<ILoginGrain>(email).LoginAsync(password, ClientAddresses.Key(context), context.RequestAborted);
                switch (result.Status)
                {
                    case LoginStatus.Succeeded when result.Tokens is { } tokens:
                        return Issue(context, tokens);
                    case LoginStatus.Disabled:
                        return AdminJson.Result(new OAuthError("invalid_request", "User is disabled"), StatusCodes.Status400BadRequest);
                    case LoginStatus.LockedOut:
                        LogLockedOutAttempt(loggers.CreateLogger(typeof(SessionEndpoints)));
                        return AdminJson.Result(new OAuthError("invalid_request", "User account is locked"), StatusCodes.Status400BadRequest);
                    default:
                        return BadCredentials();
                }
            }

            case "refresh_token":
            {
                // The cookie wins over a body value (docs/compreface-behaviour.md#admin-sessions).
                var refresh = context.Request.Cookies[AdminSession.RefreshCookie] is { Length: > 0 } cookie ? cookie : parameters.GetValueOrDefault("refresh_token");
                if (string.IsNullOrEmpty(refresh))
                {
                    return AdminSession.Unauthorized("invalid_token", "Refresh token is missing");
                }

                var tokens = await grains.GetGrain<ISessionGrain>(0).RefreshAsync(SessionTokenHash.GrainKey(refresh), context.RequestAborted);

                // 401 rather than Spring's 400 invalid_grant: the UI logs out on 401, which is what an expired session needs.
                return tokens is null ? AdminSession.Unauthorized("invalid_token", "Invalid refresh token") : Issue(context, tokens);
            }

            default:
                return AdminJson.Result(
                    new OAuthError("unsupported_grant_type", $"Unsupported grant type: {grantType}"), StatusCodes.Status400BadRequest);
        }
    }

    /// <summary><c>DELETE /admin/oauth/token</c>: revokes the session (and the refresh token if sent) and clears both cookies.</summary>
    public static async Task<IResult> LogoutAsync(HttpContext context, [FromServices] IGrainFactory grains)
    {
        if (!context.Request.Cookies.TryGetValue(AdminSession.AccessCookie, out var access) || string.IsNullOrEmpty(access))
        {
            return AdminJson.Result(new OAuthError("invalid_request", "No session to log out"), StatusCodes.Status400BadRequest);
        }

        await grains.GetGrain<ISessionGrain>(0).RevokeAsync(SessionTokenHash.GrainKey(access), context.RequestAborted);
        if (context.Request.Cookies[AdminSession.RefreshCookie] is { Length: > 0 } refresh)
        {
            await grains.GetGrain<ISessionGrain>(0).RevokeAsync(SessionTokenHash.GrainKey(refresh), context.RequestAborted);
        }

        AdminSession.ClearCookies(context);
        return TypedResults.Ok();
    }

    private static Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<TokenResponse> Issue(HttpContext context, SessionTokens tokens)
    {
        AdminSession.SetCookies(context, tokens);
        context.Response.Headers.CacheControl = "no-store";
        return AdminJson.Result(new TokenResponse(tokens.AccessToken, "bearer", tokens.RefreshToken, tokens.AccessExpiresInSeconds, "all"));
    }

    private static Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<OAuthError> BadCredentials() =>
        AdminJson.Result(new OAuthError("invalid_request", "Bad credentials"), StatusCodes.Status400BadRequest);

    private static bool HasClientCredentials(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim())) == ClientCredentials;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static async Task<Dictionary<string, string>> ReadParametersAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in request.Query)
        {
            parameters[key] = value.ToString();
        }

        // The query wins, as Spring's getParameter (its first value): the login rate limit reads grant_type from the
        // query before the body, so a form field must not turn a "refresh" into a password attempt.
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(cancellationToken);
            foreach (var (key, value) in form)
            {
                parameters.TryAdd(key, value.ToString());
            }
        }

        return parameters;
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Login refused: the email is locked out for this client address after repeated failures")]
    private static partial void LogLockedOutAttempt(ILogger logger);
}
