using System.Text.RegularExpressions;
using CompreFace.Grains.Admin;
using Microsoft.AspNetCore.Mvc;

namespace CompreFace.WebApi.Admin;

/// <summary>Users (spec §2.3): sign-up, the caller's profile, the demo model; and <c>/admin/status</c>, <c>/admin/config</c> (§2.6).</summary>
internal static partial class UserEndpoints
{
    private const string DemoApiKey = "00000000-0000-0000-0000-000000000002";
    private const int MaxNameLength = 50;

    public static void MapOpenUserEndpoints(this IEndpointRouteBuilder open)
    {
        open.MapPost("/user/register", RegisterAsync).WithName("AdminRegister");
        open.MapGet("/user/demo/model", GetDemoModelAsync).WithName("AdminDemoModel");
        open.MapGet("/status", GetStatusAsync).WithName("AdminStatus");
        open.MapGet("/config", GetConfig).WithName("AdminConfig");
    }

    public static void MapUserEndpoints(this IEndpointRouteBuilder admin)
    {
        admin.MapGet("/user/me", GetMe).WithName("AdminMe");
        admin.MapPut("/user/update", UpdateAsync).WithName("AdminUserUpdate");
        admin.MapPut("/user/me/password", ChangePasswordAsync).WithName("AdminChangePassword");
    }

    /// <summary><c>POST /admin/user/register</c>: 201 empty (mail is off, so the account is active at once).</summary>
    public static async Task<IResult> RegisterAsync(HttpContext context, [FromServices] IGrainFactory grains)
    {
        var request = await AdminJson.ReadAsync<RegisterRequest>(context.Request, context.RequestAborted);

        // CompreFace's order of checks (spec §2.3).
        var firstName = RequireName(request.FirstName, "User's first name");
        var lastName = RequireName(request.LastName, "User's last name");
        if (string.IsNullOrWhiteSpace(request.Email))
        {
            throw AdminErrors.FieldEmpty("email");
        }

        var email = request.Email.Trim().ToLowerInvariant();
        if (email.Length > 254 || !EmailPattern().IsMatch(email))
        {
            throw AdminErrors.EmailFormat();
        }

        if (string.IsNullOrWhiteSpace(request.Password))
        {
            throw AdminErrors.FieldEmpty("password");
        }

        var registration = new Registration(email, request.Password, firstName, lastName, request.IsAllowStatistics ?? request.AllowStatistics ?? false);
        var outcome = await grains.GetGrain<IUserRegistryGrain>(0).RegisterAsync(registration, context.RequestAborted);
        return outcome == RegistrationOutcome.EmailTaken ? throw AdminErrors.EmailTaken() : TypedResults.StatusCode(StatusCodes.Status201Created);
    }

    /// <summary><c>GET /admin/user/me</c>.</summary>
    public static IResult GetMe(HttpContext context)
    {
        var user = AdminCaller.Get(context).User;
        return AdminJson.Result(new UserResponse(user.UserId, user.Email, user.FirstName, user.LastName));
    }

    /// <summary><c>PUT /admin/user/update</c> <c>{firstName, lastName}</c> (1–50 each): the updated user.</summary>
    public static async Task<IResult> UpdateAsync(HttpContext context, [FromServices] IGrainFactory grains)
    {
        var caller = AdminCaller.Get(context);
        var request = await AdminJson.ReadAsync<UpdateUserRequest>(context.Request, context.RequestAborted);
        var firstName = RequireName(request.FirstName, "User's first name");
        var lastName = RequireName(request.LastName, "User's last name");
        var user = await grains.GetGrain<IUserGrain>(caller.UserId).UpdateNamesAsync(firstName, lastName, context.RequestAborted)
            ?? throw AdminErrors.AccessDenied();
        return AdminJson.Result(new UserResponse(user.UserId, user.Email, user.FirstName, user.LastName));
    }

    /// <summary><c>PUT /admin/user/me/password</c> <c>{oldPassword, newPassword}</c>: new one 8–255 characters; a wrong old one is code 18.</summary>
    public static async Task<IResult> ChangePasswordAsync(HttpContext context, [FromServices] IGrainFactory grains)
    {
        var caller = AdminCaller.Get(context);
        var request = await AdminJson.ReadAsync<ChangePasswordRequest>(context.Request, context.RequestAborted);
        if (string.IsNullOrEmpty(request.OldPassword))
        {
            throw AdminErrors.FieldEmpty("oldPassword");
        }

        if (request.NewPassword is not { Length: >= 8 and <= 255 })
        {
            throw AdminErrors.Validation("Password size must be between 8 and 255");
        }

        return await grains.GetGrain<IUserGrain>(caller.UserId).ChangePasswordAsync(request.OldPassword, request.NewPassword, context.RequestAborted)
            ? TypedResults.Ok()
            : throw AdminErrors.WrongPassword();
    }

    /// <summary><c>GET /admin/user/demo/model</c>: the demo key while only the demo user exists, then 404.</summary>
    public static async Task<IResult> GetDemoModelAsync([FromServices] IGrainFactory grains, CancellationToken cancellationToken) =>
        await grains.GetGrain<IUserRegistryGrain>(0).IsDemoOnlyAsync(cancellationToken)
            ? AdminJson.Result(new DemoModelResponse(DemoApiKey))
            : throw AdminErrors.DemoModelGone();

    /// <summary><c>GET /admin/status</c>: OK when the admin database answers within 5 s.</summary>
    public static async Task<IResult> GetStatusAsync([FromServices] IGrainFactory grains, [FromServices] ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        try
        {
            await grains.GetGrain<IUserRegistryGrain>(0).PingAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return AdminJson.Result(new AdminStatusResponse("OK"));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogNotReady(loggers.CreateLogger(typeof(UserEndpoints)), e);
            return AdminJson.Result(new AdminStatusResponse("NOT_READY"));
        }
    }

    /// <summary><c>GET /admin/config</c>: mail is not supported, so the UI logs in straight after sign-up.</summary>
    public static IResult GetConfig() => AdminJson.Result(new AdminConfigResponse(MailServiceEnabled: false));

    /// <summary>A trimmed first or last name of 1–50 characters, else code 26.</summary>
    private static string RequireName(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw AdminErrors.Validation($"{what} cannot be empty");
        }

        var trimmed = value.Trim();
        return trimmed.Length > MaxNameLength ? throw AdminErrors.Validation($"{what} size must be between 1 and {MaxNameLength}") : trimmed;
    }

    /// <summary>One @, something on each side, a dot in the domain, no spaces or control characters.</summary>
    [GeneratedRegex(@"^[^@\s\p{C}]+@[^@\s\p{C}]+\.[^@\s\p{C}]+$")]
    private static partial Regex EmailPattern();

    [LoggerMessage(EventId = 3111, Level = LogLevel.Warning, Message = "Admin status NOT_READY: the admin database did not answer")]
    private static partial void LogNotReady(ILogger logger, Exception exception);
}
