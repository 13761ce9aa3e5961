using System.Globalization;

namespace CompreFace.WebApi.Admin;

/// <summary>The admin API's error codes (docs/compreface-behaviour.md#admin-error-codes), as <see cref="ApiException"/>s in the face API's <c>{"message","code"}</c> shape.</summary>
internal static class AdminErrors
{
    /// <summary>Code 1, 403: the session's user no longer exists.</summary>
    public static ApiException AccessDenied() => new(StatusCodes.Status403Forbidden, 1, "Access denied");

    /// <summary>403 code 1: the first sign-up (the server's owner) from another host without the setup token.</summary>
    public static ApiException OwnerSetupRequired() => new(StatusCodes.Status403Forbidden, 1,
        "The first account becomes this server's owner: sign up on the server itself (localhost) or give the setup token printed in its log");

    /// <summary>403 code 1: <c>Admin:Registration</c> is <c>Closed</c>.</summary>
    public static ApiException RegistrationClosed() => new(StatusCodes.Status403Forbidden, 1,
        "Sign-up is closed on this server: ask an administrator for an account");

    /// <summary>403 code 1: <c>Admin:Registration</c> is <c>InviteOnly</c> and the email was not invited (or the invitation expired).</summary>
    public static ApiException NotInvited() => new(StatusCodes.Status403Forbidden, 1,
        "Sign-up on this server is by invitation: ask an administrator or an application owner to invite this email");

    /// <summary>403 code 1 (as <see cref="AccessDenied"/>): an unsafe method that a browser marks as cross-site (CSRF).</summary>
    public static ApiException CrossSiteRefused() => new(StatusCodes.Status403Forbidden, 1, "Cross-site request refused");

    /// <summary>Code 2, 404.</summary>
    public static ApiException AppNotFound(string app) => new(StatusCodes.Status404NotFound, 2, $"App {app} not found");

    /// <summary>Code 3, 404: the service exists but in another application.</summary>
    public static ApiException ServiceNotInApp(string service, string app) =>
        new(StatusCodes.Status404NotFound, 3, $"Model {service} does not belong to application {app}");

    /// <summary>Code 4: the UI checks this one.</summary>
    public static ApiException EmailTaken() => new(StatusCodes.Status400BadRequest, 4, "This email already registered");

    /// <summary>Code 5.</summary>
    public static ApiException FieldEmpty(string field) => new(StatusCodes.Status400BadRequest, 5, $"Field {field} cannot be empty");

    /// <summary>Code 9: the caller's role does not allow the action.</summary>
    public static ApiException NotAllowed() => new(StatusCodes.Status400BadRequest, 9, "Action not allowed for current user");

    /// <summary>Code 10, 404; the message starts with a space, as CompreFace's does (docs/compreface-behaviour.md#services).</summary>
    public static ApiException ServiceNotFound(string service) =>
        new(StatusCodes.Status404NotFound, 10, $" service with API Key {service} not found");

    /// <summary>Code 14: nobody changes their own role.</summary>
    public static ApiException OwnRole() => new(StatusCodes.Status400BadRequest, 14, "User can't change their role");

    /// <summary>Code 16, 404.</summary>
    public static ApiException UserNotFound(string user) => new(StatusCodes.Status404NotFound, 16, $"User {user} does not exist");

    /// <summary>Code 18.</summary>
    public static ApiException WrongPassword() => new(StatusCodes.Status400BadRequest, 18, "User's password is incorrect");

    /// <summary>Code 19.</summary>
    public static ApiException AlreadyMember(string email, string app) =>
        new(StatusCodes.Status400BadRequest, 19, $"User {email} already has access to application {app}");

    /// <summary>Code 0: a role name that is not OWNER, ADMINISTRATOR or USER (Java's failing <c>valueOf</c>).</summary>
    public static ApiException UnknownRole(string role) => new(StatusCodes.Status400BadRequest, 0, $"Role '{role}' doesn't exist!");

    /// <summary>Code 17.</summary>
    public static ApiException NameTaken(string name) => new(StatusCodes.Status400BadRequest, 17, $"Name {name} is not unique");

    /// <summary>
    /// A create, rename or clone the grain refused, as its error: a taken name is code 17, an entity gone in the meantime
    /// is <paramref name="notFound"/>; <see cref="NamingOutcome.Done"/> passes.
    /// </summary>
    public static void ThrowIfRefused(NamingOutcome outcome, string name, Func<ApiException> notFound)
    {
        switch (outcome)
        {
            case NamingOutcome.NameTaken:
                throw NameTaken(name);
            case NamingOutcome.NotFound:
                throw notFound();
        }
    }

    /// <summary>Code 22.</summary>
    public static ApiException EmailFormat() => new(StatusCodes.Status400BadRequest, 22, "Email format is incorrect");

    /// <summary>Code 26: a validation message.</summary>
    public static ApiException Validation(string message) => new(StatusCodes.Status400BadRequest, 26, message);

    /// <summary>Code 36: a name with <c>;</c>, <c>/</c> or <c>\</c>.</summary>
    public static ApiException SpecialCharacters() =>
        new(StatusCodes.Status400BadRequest, 36, "The name cannot contain the following special characters: ';', '/', '\\'");

    /// <summary>404 with CompreFace's own code 404 once the demo model is gone.</summary>
    public static ApiException DemoModelGone() =>
        new(StatusCodes.Status404NotFound, 404, "The Demo model is not available any more!");

    /// <summary>Code 9 with CompreFace's own message: the global owner is never deleted.</summary>
    public static ApiException OwnerCannotBeRemoved() => new(StatusCodes.Status400BadRequest, 9, "Global owner cannot be removed!");

    /// <summary>Code 13: <c>replacer</c> other than <c>deleter</c> or <c>owner</c>.</summary>
    public static ApiException IllegalReplacer(string value) => new(StatusCodes.Status400BadRequest, 13, $"Illegal replacer value={value}!");

    /// <summary>Code 26: a global role name that does not exist.</summary>
    public static ApiException UnknownGlobalRole(string role) => Validation($"Global role '{role}' doesn't exist!");

    /// <summary>Code 25, 403: a registration token that is unknown or expired.</summary>
    public static ApiException RegistrationTokenExpired() => new(StatusCodes.Status403Forbidden, 25, "User registration token is expired!");

    /// <summary>Code 29, 500: mail is off, so nothing can be sent.</summary>
    public static ApiException MailDisabled() => new(StatusCodes.Status500InternalServerError, 29, "We cannot send an email. No email server enabled!");

    /// <summary>Code 24: the mail server did not take the mail.</summary>
    public static ApiException MailNotSent(string email) =>
        new(StatusCodes.Status400BadRequest, 24, $"We couldn't send email to the given address({email}). Please make sure that it's correct!");

    /// <summary>Code 33: a required query parameter is absent (Spring's missing <c>@RequestParam</c>), e.g. the reset token.</summary>
    public static ApiException MissingParameter(string name) => ApiErrors.MissingParameter(name);

    /// <summary>Code 30: a reset-password token that is unknown or expired.</summary>
    public static ApiException ResetTokenInvalid() => new(StatusCodes.Status400BadRequest, 30, "The reset password token is invalid!");

    /// <summary>A guid in the path that does not parse: code 26, never a 500.</summary>
    public static ApiException InvalidGuid(string name, string value) =>
        Validation(string.Create(CultureInfo.InvariantCulture, $"Failed to convert value '{value}' of path variable '{name}' to UUID"));
}
