using System.Text.Json.Nodes;
using CompreFace.WebApi.Mail;

namespace CompreFace.WebApi.Admin;

/// <summary>Users (docs/compreface-behaviour.md#users): sign-up, the caller's profile, the demo model; and <c>/admin/status</c>, <c>/admin/config</c> (docs/compreface-behaviour.md#admin-status-and-config).</summary>
internal static partial class UserEndpoints
{
    private const int MaxNameLength = 50;

    /// <summary>CompreFace's message for a password outside 8–255 characters (its reset endpoint's).</summary>
    private const string PasswordSize = "The password size must be between 8 and 255 characters";

    public static void MapOpenUserEndpoints(this IEndpointRouteBuilder open)
    {
        open.MapPost("/user/register", RegisterAsync).WithName("AdminRegister").RequireRateLimiting(RateLimits.SignUp)
            .WithJsonBody(new JsonObject { ["email"] = "jane@example.com", ["password"] = "a-long-passphrase", ["firstName"] = "Jane", ["lastName"] = "Doe", ["isAllowStatistics"] = false })
            .WithErrors(
                AdminErrors.EmailTaken(), AdminErrors.EmailFormat(), AdminErrors.FieldEmpty("{field}"), AdminErrors.OwnerSetupRequired(),
                AdminErrors.RegistrationClosed(), AdminErrors.NotInvited());
        open.MapGet("/user/demo/model", GetDemoModelAsync).WithName("AdminDemoModel").WithErrors(AdminErrors.DemoModelGone());
        open.MapGet("/status", GetStatusAsync).WithName("AdminStatus");
        open.MapGet("/config", GetConfigAsync).WithName("AdminConfig");
        open.MapPost("/user/forgot-password", ForgotPasswordAsync).WithName("AdminForgotPassword").RequireRateLimiting(RateLimits.PasswordReset)
            .WithJsonBody(new JsonObject { ["email"] = "jane@example.com" }).WithErrors(AdminErrors.MailDisabled(), AdminErrors.FieldEmpty("email"));
        open.MapPut("/user/reset-password", ResetPasswordAsync).WithName("AdminResetPassword").RequireRateLimiting(RateLimits.PasswordReset)
            .WithJsonBody(new JsonObject { ["password"] = "a-new-long-passphrase" }).WithErrors(AdminErrors.ResetTokenInvalid());
        open.MapGet("/user/registration/confirm", ConfirmRegistrationAsync).WithName("AdminConfirmRegistration").WithErrors(AdminErrors.RegistrationTokenExpired());
    }

    public static void MapUserEndpoints(this IEndpointRouteBuilder admin)
    {
        admin.MapGet("/user/me", GetMe).WithName("AdminMe");
        admin.MapPut("/user/update", UpdateAsync).WithName("AdminUserUpdate")
            .WithJsonBody(new JsonObject { ["firstName"] = "Jane", ["lastName"] = "Doe" }).WithErrors(AdminErrors.FieldEmpty("{field}"));
        // Rate-limited as forgot/reset: the old password makes it a password oracle that the login lockout does not see.
        admin.MapPut("/user/me/password", ChangePasswordAsync).WithName("AdminChangePassword").RequireRateLimiting(RateLimits.PasswordReset)
            .WithJsonBody(new JsonObject { ["oldPassword"] = "a-long-passphrase", ["newPassword"] = "a-new-long-passphrase" }).WithErrors(AdminErrors.WrongPassword());
        admin.MapPost("/user/me/sessions/end", EndSessionsAsync).WithName("AdminEndSessions");
        admin.MapPost("/user/invitation", InviteAsync).WithName("AdminInviteToSignUp")
            .WithJsonBody(new JsonObject { ["email"] = "jane@example.com" })
            .WithErrors(AdminErrors.FieldEmpty("email"), AdminErrors.EmailFormat(), AdminErrors.EmailTaken(), AdminErrors.NotAllowed());
        admin.MapPut("/user/global/role", ChangeGlobalRoleAsync).WithName("AdminGlobalRoleChange")
            .WithJsonBody(new JsonObject { ["userId"] = "3f2c1b0a-9e8d-4c7b-a6f5-e4d3c2b1a098", ["role"] = "ADMINISTRATOR" })
            .WithErrors(AdminErrors.UserNotFound("{userId}"), AdminErrors.UnknownGlobalRole("{role}"), AdminErrors.OwnRole(), AdminErrors.NotAllowed());
        admin.MapDelete("/user/{userId}", DeleteAsync).WithName("AdminDeleteUser").WithErrors(AdminErrors.UserNotFound("{userId}"), AdminErrors.OwnerCannotBeRemoved(), AdminErrors.IllegalReplacer("{replacer}"), AdminErrors.NotAllowed());
        admin.MapGet("/user/autocomplete", AutocompleteAsync).WithName("AdminUserAutocomplete");
    }

    /// <summary>
    /// <c>POST /admin/user/register</c>: mail off (default), 201 and the account is active at once; mail on, 200 and a
    /// confirmation link is mailed (the account cannot log in until it is opened).
    /// </summary>
    public static async Task<IResult> RegisterAsync(
        HttpContext context, [FromServices] IGrainFactory grains, [FromServices] IOptions<MailOptions> mail, [FromServices] IMailSender sender,
        [FromServices] IOwnerSetupPolicy setup, [FromServices] ILoggerFactory loggers)
    {
        var request = await AdminJson.ReadAsync<RegisterRequest>(context.Request, context.RequestAborted);

        // CompreFace's order of checks (docs/compreface-behaviour.md#users).
        var firstName = RequireName(request.FirstName, "User's first name");
        var lastName = RequireName(request.LastName, "User's last name");
        if (string.IsNullOrWhiteSpace(request.Email))
        {
            throw AdminErrors.FieldEmpty("email");
        }

        if (!AdminEmail.TryNormalize(request.Email, out var email))
        {
            throw AdminErrors.EmailFormat();
        }

        if (string.IsNullOrWhiteSpace(request.Password))
        {
            throw AdminErrors.FieldEmpty("password");
        }

        // CompreFace checks the length only in its UI; the server enforces the rule (and the message) of its own reset
        // endpoint, so a script cannot create an account with a one-character password (docs/compatibility.md).
        if (request.Password is not { Length: >= 8 and <= 255 })
        {
            throw AdminErrors.Validation(PasswordSize);
        }

        var settings = mail.Value;
        var registration = new Registration(
            email, request.Password, firstName, lastName, request.IsAllowStatistics ?? request.AllowStatistics ?? false, Unconfirmed: settings.Enabled,
            MayBecomeOwner: setup.Allows(context.Connection.RemoteIpAddress, request.SetupToken));
        var registry = grains.GetGrain<IUserRegistryGrain>(0);
        switch (await registry.RegisterAsync(registration, context.RequestAborted))
        {
            case RegistrationOutcome.EmailTaken:
                throw AdminErrors.EmailTaken();
            case RegistrationOutcome.OwnerSetupRequired:
                throw AdminErrors.OwnerSetupRequired();
            case RegistrationOutcome.RegistrationClosed:
                throw AdminErrors.RegistrationClosed();
            case RegistrationOutcome.NotInvited:
                throw AdminErrors.NotInvited();
        }

        if (!settings.Enabled)
        {
            return TypedResults.StatusCode(StatusCodes.Status201Created);
        }

        // Mail on: the account works once the emailed link is opened; 200 tells the UI to say so.
        var token = await registry.IssueConfirmationTokenAsync(email, context.RequestAborted) ?? throw AdminErrors.EmailTaken();
        var link = $"{settings.PublicUrl.TrimEnd('/')}/admin/user/registration/confirm?token={token}";
        await SendAsync(
            sender, email, "Confirm your CompreFace account",
            $"Welcome to CompreFace, {firstName}.\r\n\r\nTo activate your account, open this link:\r\n{link}\r\n\r\nIf you did not sign up, ignore this mail; the account is deleted unless confirmed.\r\n",
            loggers, context.RequestAborted);
        return TypedResults.Ok();
    }

    /// <summary>Sends a mail; a failure is code 24 (logged), never a 500.</summary>
    private static async Task SendAsync(IMailSender sender, string email, string subject, string text, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        try
        {
            await sender.SendAsync(email, subject, text, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogMailFailed(loggers.CreateLogger(typeof(UserEndpoints)), e);
            throw AdminErrors.MailNotSent(email);
        }
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
        // CompreFace's update form names the empty field by its JSON name, unlike sign-up.
        var firstName = RequireName(request.FirstName, "User's first name", "Field firstName cannot be empty");
        var lastName = RequireName(request.LastName, "User's last name", "Field lastName cannot be empty");
        var user = await grains.GetGrain<IUserGrain>(caller.UserId).UpdateNamesAsync(firstName, lastName, context.RequestAborted)
            ?? throw AdminErrors.AccessDenied();
        return AdminJson.Result(new UserResponse(user.UserId, user.Email, user.FirstName, user.LastName));
    }

    /// <summary><c>PUT /admin/user/me/password</c> <c>{oldPassword, newPassword}</c>: new one 8–255 characters; a wrong old one is code 18.</summary>
    public static async Task<IResult> ChangePasswordAsync(HttpContext context, [FromServices] IGrainFactory grains)
    {
        var caller = AdminCaller.Get(context);
        var request = await AdminJson.ReadAsync<ChangePasswordRequest>(context.Request, context.RequestAborted);

        // CompreFace's rules and messages, old password first: empty is code 5, outside 8–255 characters code 26.
        if (string.IsNullOrEmpty(request.OldPassword))
        {
            throw AdminErrors.FieldEmpty("oldPassword");
        }

        if (request.OldPassword.Length is < 8 or > 255)
        {
            throw AdminErrors.Validation("User's password is incorrect");
        }

        if (string.IsNullOrEmpty(request.NewPassword))
        {
            throw AdminErrors.FieldEmpty("newPassword");
        }

        if (request.NewPassword.Length is < 8 or > 255)
        {
            throw AdminErrors.Validation("User's new password is incorrect");
        }

        // Every other session of the user ends; this browser continues on the fresh session it gets back.
        var tokens = await grains.GetGrain<IUserGrain>(caller.UserId).ChangePasswordAsync(request.OldPassword, request.NewPassword, context.RequestAborted)
            ?? throw AdminErrors.WrongPassword();
        AdminSession.SetCookies(context, tokens);
        return TypedResults.Ok();
    }

    /// <summary>
    /// <c>POST /admin/user/me/sessions/end</c> (not in CompreFace): signs the caller out everywhere, this browser
    /// included; every access and refresh token of theirs is refused from now on, on every node.
    /// </summary>
    public static async Task<IResult> EndSessionsAsync(HttpContext context, [FromServices] IGrainFactory grains)
    {
        await grains.GetGrain<IUserGrain>(AdminCaller.Get(context).UserId).EndSessionsAsync(context.RequestAborted);
        AdminSession.ClearCookies(context);
        return TypedResults.Ok();
    }

    /// <summary>
    /// <c>PUT /admin/user/global/role</c> <c>{userId, role}</c> (docs/compreface-behaviour.md#roles-and-permissions): the body
    /// is validated first (code 26), then: global OWNER or ADMINISTRATOR only (code 9); nobody changes their own role
    /// (code 14); the owner's role is fixed and only the owner grants OWNER (code 9), which makes the caller an
    /// ADMINISTRATOR.
    /// </summary>
    public static async Task<IResult> ChangeGlobalRoleAsync(HttpContext context, [FromServices] IGrainFactory grains)
    {
        var caller = AdminCaller.Get(context);
        var request = await AdminJson.ReadAsync<RoleChangeRequest>(context.Request, context.RequestAborted);
        var (userId, role) = AdminPolicy.ValidateRoleUpdate(request.UserId, request.Role);
        if (!caller.IsGlobalAdmin)
        {
            throw AdminErrors.NotAllowed();
        }

        if (userId == caller.UserId)
        {
            throw AdminErrors.OwnRole();
        }

        if (role == Role.Owner && caller.User.GlobalRole != Role.Owner)
        {
            throw AdminErrors.NotAllowed();
        }

        var registry = grains.GetGrain<IUserRegistryGrain>(0);
        switch (await registry.SetGlobalRoleAsync(userId, role, context.RequestAborted))
        {
            case GlobalRoleOutcome.NotFound:
                throw AdminErrors.UserNotFound(userId.ToString());
            case GlobalRoleOutcome.TargetIsOwner:
                throw AdminErrors.NotAllowed();
        }

        var user = await grains.GetGrain<IUserGrain>(userId).GetAsync(context.RequestAborted) ?? throw AdminErrors.UserNotFound(userId.ToString());
        return AdminJson.Result(new UserRoleResponse(user.UserId, user.FirstName, user.LastName, AdminPolicy.RoleName(user.GlobalRole), user.Email));
    }

    /// <summary>
    /// <c>DELETE /admin/user/{userId}?replacer=deleter|owner</c> (docs/compreface-behaviour.md#users): anyone may delete themselves, global
    /// OWNER/ADMINISTRATOR anyone else; never the owner (code 9). The applications the user owns go to the caller
    /// (<c>deleter</c>, the default) or the global owner (<c>owner</c>, and always on self-removal).
    /// </summary>
    public static async Task<IResult> DeleteAsync(string userId, string? replacer, HttpContext context, [FromServices] IGrainFactory grains)
    {
        var caller = AdminCaller.Get(context);
        var toOwner = (replacer ?? "deleter").ToLowerInvariant() switch
        {
            "deleter" => false,
            "owner" => true,
            _ => throw AdminErrors.IllegalReplacer(replacer!),
        };
        if (!Guid.TryParse(userId, out var id))
        {
            throw AdminErrors.InvalidGuid("userGuid", userId);
        }

        var self = id == caller.UserId;
        if (!self && !caller.IsGlobalAdmin)
        {
            throw AdminErrors.NotAllowed();
        }

        var target = await grains.GetGrain<IUserGrain>(id).GetAsync(context.RequestAborted) ?? throw AdminErrors.UserNotFound(userId);
        if (target.GlobalRole == Role.Owner)
        {
            throw AdminErrors.OwnerCannotBeRemoved();
        }

        var registry = grains.GetGrain<IUserRegistryGrain>(0);
        var replacerId = caller.UserId;
        if (self || toOwner)
        {
            var users = await registry.ListUsersAsync(context.RequestAborted);
            replacerId = users.Single(u => u.GlobalRole == Role.Owner).UserId;
        }

        return await registry.DeleteUserAsync(id, replacerId, context.RequestAborted) ? TypedResults.Ok() : throw AdminErrors.UserNotFound(userId);
    }

    /// <summary>
    /// <c>GET /admin/user/autocomplete?query=</c>: users whose email, first or last name starts with the query
    /// (case-insensitive), for whoever may invite: the global owner and administrators, and owners and administrators of
    /// an application. An empty query matches nobody (CompreFace lists every user for it, to any caller).
    /// </summary>
    public static async Task<IResult> AutocompleteAsync(string? query, HttpContext context, [FromServices] IGrainFactory grains, CancellationToken cancellationToken)
    {
        var caller = AdminCaller.Get(context);
        if (!caller.IsGlobalAdmin)
        {
            var apps = await grains.GetGrain<IUserGrain>(caller.UserId).ListApplicationsAsync(cancellationToken);
            if (!apps.Any(a => a.Members.Any(m => m.User.UserId == caller.UserId && m.Role is Role.Owner or Role.Administrator)))
            {
                throw AdminErrors.NotAllowed();
            }
        }

        var prefix = query?.Trim() ?? string.Empty;
        if (prefix.Length == 0)
        {
            return AdminJson.Result(new AutocompleteResponse(query ?? string.Empty, 0, []));
        }

        var users = await grains.GetGrain<IUserRegistryGrain>(0).ListUsersAsync(cancellationToken);
        var matches = users
            .Where(u => u.Email.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                || u.FirstName.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                || u.LastName.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(u => new UserResponse(u.UserId, u.Email, u.FirstName, u.LastName))
            .ToList();
        return AdminJson.Result(new AutocompleteResponse(query ?? string.Empty, matches.Count, matches));
    }

    /// <summary>
    /// <c>POST /admin/user/forgot-password</c> <c>{email}</c>: queues a mail of <c>{PublicUrl}/reset-password?token=…</c>
    /// (valid <see cref="MailOptions.ResetTokenValiditySeconds"/>) to the address stored for the account, and answers
    /// 200 at once. Whether the email is registered, and whether the mail could be sent, changes neither the answer nor
    /// its time (<see cref="PasswordResetMailer"/>). Mail off: 500 code 29.
    /// </summary>
    public static async Task<IResult> ForgotPasswordAsync(
        HttpContext context, [FromServices] IOptions<MailOptions> mail, [FromServices] PasswordResetMailer mailer)
    {
        // As in CompreFace, the body is validated before anything else, so a blank email is code 26 even with mail off.
        var request = await AdminJson.ReadAsync<ForgotPasswordRequest>(context.Request, context.RequestAborted);
        if (string.IsNullOrWhiteSpace(request.Email))
        {
            throw AdminErrors.Validation("User's email cannot be empty");
        }

        if (request.Email.Length > 63)
        {
            throw AdminErrors.Validation("User's email size must be between 1 and 63");
        }

        if (!mail.Value.Enabled)
        {
            throw AdminErrors.MailDisabled();
        }

        // A malformed address cannot be registered: nothing to look up, and the same answer.
        if (AdminEmail.TryNormalize(request.Email, out var email))
        {
            mailer.Enqueue(email);
        }

        return TypedResults.Ok();
    }

    /// <summary>
    /// <c>PUT /admin/user/reset-password?token=</c> <c>{password}</c> (8–255, code 26): sets the password of the token's
    /// user; no <c>token</c> parameter is code 33, an unknown, spent or expired token code 30. Tokens are single-use.
    /// As in CompreFace, the body is checked before the token.
    /// </summary>
    public static async Task<IResult> ResetPasswordAsync(string? token, HttpRequest request, [FromServices] IGrainFactory grains, CancellationToken cancellationToken)
    {
        var body = await AdminJson.ReadAsync<ResetPasswordRequest>(request, cancellationToken);
        if (string.IsNullOrWhiteSpace(body.Password))
        {
            throw AdminErrors.Validation("The password cannot be blank");
        }

        if (body.Password.Length is < 8 or > 255)
        {
            throw AdminErrors.Validation(PasswordSize);
        }

        if (token is null)
        {
            throw AdminErrors.MissingParameter("token");
        }

        return token.Length > 0 && await grains.GetGrain<IUserRegistryGrain>(0).ResetPasswordAsync(token, body.Password, cancellationToken)
            ? TypedResults.Ok()
            : throw AdminErrors.ResetTokenInvalid();
    }

    /// <summary>
    /// <c>GET /admin/user/registration/confirm?token=</c> (the mailed link): activates the account (global owner if
    /// there is none) and redirects to the UI's login page; an unknown, spent or expired token is 403 code 25.
    /// </summary>
    public static async Task<IResult> ConfirmRegistrationAsync(
        string? token, [FromServices] IGrainFactory grains, [FromServices] IOptions<MailOptions> mail, CancellationToken cancellationToken) =>
        !string.IsNullOrEmpty(token) && await grains.GetGrain<IUserRegistryGrain>(0).ConfirmRegistrationAsync(token, cancellationToken)
            ? TypedResults.Redirect($"{mail.Value.PublicUrl.TrimEnd('/')}/login")
            : throw AdminErrors.RegistrationTokenExpired();

    /// <summary>
    /// <c>GET /admin/user/demo/model</c>: while only the demo user exists, the demo recognition service's current key
    /// (as CompreFace reads it from the service, so a rotated key is the one offered), then 404.
    /// </summary>
    public static async Task<IResult> GetDemoModelAsync([FromServices] IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (!await grains.GetGrain<IUserRegistryGrain>(0).IsDemoOnlyAsync(cancellationToken))
        {
            throw AdminErrors.DemoModelGone();
        }

        var demo = await grains.GetGrain<IFaceServiceGrain>(CompreFace.Grains.Interfaces.DemoServices.RecognitionServiceId).GetAsync(cancellationToken)
            ?? throw AdminErrors.DemoModelGone();
        return AdminJson.Result(new DemoModelResponse(demo.ApiKey.ToString("D")));
    }

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

    /// <summary>
    /// <c>GET /admin/config</c>: whether mail is on (sign-ups are active at once either way; the UI reads the 201), and
    /// who may sign up now (not in CompreFace): <c>OPEN</c>, <c>INVITE_ONLY</c> or <c>CLOSED</c>; always <c>OPEN</c>
    /// while the server has no owner, whose sign-up follows the setup rule instead.
    /// </summary>
    public static async Task<IResult> GetConfigAsync(
        [FromServices] IOptions<MailOptions> mail, [FromServices] IGrainFactory grains, CancellationToken cancellationToken)
    {
        var name = await grains.GetGrain<IUserRegistryGrain>(0).GetRegistrationModeAsync(cancellationToken) switch
        {
            RegistrationMode.Open => "OPEN",
            RegistrationMode.InviteOnly => "INVITE_ONLY",
            _ => "CLOSED",
        };
        return AdminJson.Result(new AdminConfigResponse(mail.Value.Enabled, name));
    }

    /// <summary>
    /// <c>POST /admin/user/invitation</c> <c>{email}</c> (not in CompreFace): lets <c>email</c> sign up while
    /// <c>Admin:Registration</c> is <c>InviteOnly</c>, for <c>Admin:InvitationValiditySeconds</c>. For the global owner
    /// and administrators and for owners and administrators of an application (who can then add the new user to it);
    /// others code 9. 201 <c>{email, expiresAt}</c>; a malformed email code 22; a registered one code 4.
    /// </summary>
    public static async Task<IResult> InviteAsync(HttpContext context, [FromServices] IGrainFactory grains)
    {
        var caller = AdminCaller.Get(context);
        var request = await AdminJson.ReadAsync<InvitationRequest>(context.Request, context.RequestAborted);
        if (string.IsNullOrWhiteSpace(request.Email))
        {
            throw AdminErrors.FieldEmpty("email");
        }

        if (!AdminEmail.TryNormalize(request.Email, out var email))
        {
            throw AdminErrors.EmailFormat();
        }

        if (!caller.IsGlobalAdmin)
        {
            var apps = await grains.GetGrain<IUserGrain>(caller.UserId).ListApplicationsAsync(context.RequestAborted);
            if (!apps.Any(a => a.RoleOf(caller.UserId) is Role.Owner or Role.Administrator))
            {
                throw AdminErrors.NotAllowed();
            }
        }

        var expiresAt = await grains.GetGrain<IUserRegistryGrain>(0).InviteAsync(email, caller.UserId, context.RequestAborted)
            ?? throw AdminErrors.EmailTaken();
        return AdminJson.Result(new InvitationResponse(email, expiresAt), StatusCodes.Status201Created);
    }

    /// <summary>A trimmed first or last name of 1–50 characters, else code 26 (<paramref name="emptyMessage"/> when blank).</summary>
    private static string RequireName(string? value, string what, string? emptyMessage = null)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw AdminErrors.Validation(emptyMessage ?? $"{what} cannot be empty");
        }

        var trimmed = value.Trim();
        return trimmed.Length > MaxNameLength ? throw AdminErrors.Validation($"{what} size must be between 1 and {MaxNameLength}") : trimmed;
    }

    [LoggerMessage(EventId = 3112, Level = LogLevel.Warning, Message = "A sign-up confirmation mail could not be sent")]
    private static partial void LogMailFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Warning, Message = "Admin status NOT_READY: the admin database did not answer")]
    private static partial void LogNotReady(ILogger logger, Exception exception);
}
