using System.Text.Json.Serialization;

namespace CompreFace.WebApi.Admin;

/// <summary><c>POST /admin/user/register</c>; both spellings of the statistics consent are accepted.</summary>
internal sealed record RegisterRequest(
    string? Email, string? Password, string? FirstName, string? LastName, bool? IsAllowStatistics, bool? AllowStatistics, string? SetupToken = null);

/// <summary><c>{userId, email, firstName, lastName}</c> (<c>GET /user/me</c>).</summary>
internal sealed record UserResponse(Guid UserId, string Email, string FirstName, string LastName);

/// <summary><c>{"apiKey"}</c> of the demo model.</summary>
internal sealed record DemoModelResponse(string ApiKey);

/// <summary><c>{"status"}</c>.</summary>
internal sealed record AdminStatusResponse(string Status);

/// <summary><c>{"mailServiceEnabled"}</c>.</summary>
internal sealed record AdminConfigResponse(bool MailServiceEnabled, string Registration);

/// <summary><c>POST /admin/user/invitation</c> body.</summary>
internal sealed record InvitationRequest(string? Email);

/// <summary>An invitation to sign up: the (lower-cased) email and when the invitation expires.</summary>
internal sealed record InvitationResponse(string Email, DateTimeOffset ExpiresAt);

/// <summary>The OAuth2 token body (snake_case, as Spring writes it).</summary>
internal sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("refresh_token")] string RefreshToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("scope")] string Scope);

/// <summary>An OAuth2 error body.</summary>
internal sealed record OAuthError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string ErrorDescription);

/// <summary><c>PUT /user/update</c>.</summary>
internal sealed record UpdateUserRequest(string? FirstName, string? LastName);

/// <summary><c>PUT /user/me/password</c>.</summary>
internal sealed record ChangePasswordRequest(string? OldPassword, string? NewPassword);

/// <summary><c>POST /app/{g}/invite</c>.</summary>
internal sealed record InviteRequest(string? UserEmail, string? Role);

/// <summary><c>PUT /app/{g}/role</c>.</summary>
internal sealed record RoleChangeRequest(Guid? UserId, string? Role);

/// <summary>A user with a (global or application) role: <c>{userId, firstName, lastName, role, email}</c>.</summary>
internal sealed record UserRoleResponse(Guid UserId, string FirstName, string LastName, string? Role, string Email);

/// <summary><c>{name}</c> of an application or service.</summary>
internal sealed record NameRequest(string? Name);

/// <summary><c>{name, type}</c> of a new service.</summary>
internal sealed record CreateServiceRequest(string? Name, string? Type);

/// <summary>The owner inside an application object.</summary>
internal sealed record OwnerResponse(Guid UserId, string FirstName, string LastName);

/// <summary>The application object (docs/compreface-behaviour.md#applications).</summary>
internal sealed record AppResponse(Guid Id, string Name, Guid ApiKey, string? Role, OwnerResponse? Owner);

/// <summary>The service object (docs/compreface-behaviour.md#services); the counts only in single-service answers.</summary>
internal sealed record ServiceResponse(
    Guid Id,
    string Name,
    Guid ApiKey,
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? SubjectCount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? ImageCount,
    string CreatedDate);

/// <summary><c>PUT /app/{g}/model/{m}/quota</c>: both null clears the service's quota (the node's default applies).</summary>
internal sealed record QuotaRequest(double? RequestsPerSecond, int? Burst);

/// <summary>
/// A service's quota: its own (null: none) and the node-wide default (null: unlimited); the one in force is the
/// service's when set, else the default.
/// </summary>
internal sealed record QuotaResponse(double? RequestsPerSecond, int? Burst, double? DefaultRequestsPerSecond, int? DefaultBurst);

/// <summary><c>GET /user/autocomplete</c>: the query, the number of results and the users whose email or names start with it.</summary>
internal sealed record AutocompleteResponse(string Query, int Length, IReadOnlyList<UserResponse> Results);

/// <summary>One day of <c>GET /app/{g}/model/{m}/statistics</c>: <c>createdDate</c> is <c>YYYY-MM-DD</c> (docs/compreface-behaviour.md#statistics).</summary>
internal sealed record StatisticsResponse(long RequestCount, string CreatedDate);

/// <summary><c>POST /user/forgot-password</c>.</summary>
internal sealed record ForgotPasswordRequest(string? Email);

/// <summary><c>PUT /user/reset-password?token=</c>.</summary>
internal sealed record ResetPasswordRequest(string? Password);
