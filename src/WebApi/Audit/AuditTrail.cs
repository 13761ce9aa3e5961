using System.Collections.Frozen;
using System.Globalization;
using System.Net.Mail;
using System.Text.Json;
using CompreFace.WebApi.Admin;

namespace CompreFace.WebApi.Audit;

/// <summary>
/// The one place that decides what the audit log records (docs/decisions/0025-audit-log.md): an endpoint filter on the
/// admin API and on the face API's write endpoints. It runs the handler, and when the handler succeeded it records the
/// event, by endpoint name, before the result is written: a client never sees an action acknowledged whose event is
/// not stored. A handler that throws (a refusal, a failure) changed nothing and is not recorded; the one failure that
/// is recorded is a failed login.
/// </summary>
internal static partial class AuditTrail
{
    /// <summary>Endpoint name → how its event is described. An endpoint not listed here is not recorded.</summary>
    private static readonly FrozenDictionary<string, Func<Scene, ValueTask<AuditEntry?>>> Catalog =
        new Dictionary<string, Func<Scene, ValueTask<AuditEntry?>>>(StringComparer.Ordinal)
        {
            // Sessions and accounts.
            ["AdminToken"] = LoginAsync,
            ["AdminLogout"] = s => EntryAsync(s.ByCaller(AuditActions.Logout, "user", s.Before?.UserId.ToString(), s.Before?.Email)),
            ["AdminRegister"] = async s => s.Anonymous(AuditActions.SignUp, await s.BodyEmailAsync(), "user"),
            ["AdminConfirmRegistration"] = s => EntryAsync(s.Anonymous(AuditActions.RegistrationConfirm, null, "user")),
            ["AdminForgotPassword"] = async s => s.Anonymous(AuditActions.PasswordResetRequest, await s.BodyEmailAsync(), "user"),
            ["AdminResetPassword"] = s => EntryAsync(s.Anonymous(AuditActions.PasswordReset, null, "user")),
            ["AdminUserUpdate"] = s => EntryAsync(s.ByCaller(AuditActions.ProfileUpdate, "user", s.CallerId, s.CallerName)),
            ["AdminChangePassword"] = s => EntryAsync(s.ByCaller(AuditActions.PasswordChange, "user", s.CallerId, s.CallerName)),
            ["AdminEndSessions"] = s => EntryAsync(s.ByCaller(AuditActions.SessionsEnd, "user", s.CallerId, s.CallerName)),
            ["AdminInviteToSignUp"] = s => EntryAsync(s.Value is InvitationResponse i ? s.ByCaller(AuditActions.SignUpInvite, "user", null, i.Email) : null),
            ["AdminGlobalRoleChange"] = s => EntryAsync(s.Value is UserRoleResponse u
                ? s.ByCaller(AuditActions.GlobalRoleChange, "user", u.UserId.ToString(), u.Email, details: "role " + u.Role)
                : null),
            ["AdminDeleteUser"] = s => EntryAsync(s.ByCaller(
                AuditActions.UserDelete, "user", s.Route("userId"), null, details: "applications to the " + (s.Query("replacer") ?? "deleter"))),

            // Applications and their members.
            ["AdminCreateApp"] = s => EntryAsync(s.Value is AppResponse a ? s.ByCaller(AuditActions.ApplicationCreate, "app", a.Id.ToString(), a.Name, appId: a.Id) : null),
            ["AdminRenameApp"] = s => EntryAsync(s.Value is AppResponse a ? s.ByCaller(AuditActions.ApplicationRename, "app", a.Id.ToString(), a.Name) : null),
            ["AdminRegenerateAppKey"] = s => EntryAsync(s.ByCaller(AuditActions.ApplicationKeyRegenerate, "app", s.Route("appId"), null)),
            ["AdminDeleteApp"] = s => EntryAsync(s.ByCaller(AuditActions.ApplicationDelete, "app", s.Route("appId"), null)),
            ["AdminInvite"] = s => EntryAsync(s.Value is UserRoleResponse u
                ? s.ByCaller(AuditActions.MemberAdd, "member", u.UserId.ToString(), u.Email, details: "role " + u.Role)
                : null),
            ["AdminAppRoleChange"] = s => EntryAsync(s.Value is UserRoleResponse u
                ? s.ByCaller(AuditActions.MemberRoleChange, "member", u.UserId.ToString(), u.Email, details: "role " + u.Role)
                : null),
            ["AdminRemoveMember"] = s => EntryAsync(s.ByCaller(AuditActions.MemberRemove, "member", s.Route("userId"), null)),

            // Face services. The response of create, clone and regenerate carries the new key: only id and name are taken.
            ["AdminCreateModel"] = s => EntryAsync(s.Value is ServiceResponse m
                ? s.ByCaller(AuditActions.ServiceCreate, "service", m.Id.ToString(), m.Name, details: "type " + m.Type)
                : null),
            ["AdminRenameModel"] = s => EntryAsync(s.Value is ServiceResponse m ? s.ByCaller(AuditActions.ServiceRename, "service", m.Id.ToString(), m.Name) : null),
            ["AdminRegenerateModelKey"] = s => EntryAsync(s.Value is ServiceResponse m
                ? s.ByCaller(AuditActions.ServiceKeyRegenerate, "service", m.Id.ToString(), m.Name)
                : null),
            ["AdminCloneModel"] = s => EntryAsync(s.Value is ServiceResponse m
                ? s.ByCaller(AuditActions.ServiceClone, "service", m.Id.ToString(), m.Name, details: "copy of " + s.Route("modelId"))
                : null),
            ["AdminSetModelQuota"] = s => EntryAsync(s.Value is QuotaResponse q
                ? s.ByCaller(AuditActions.ServiceQuotaChange, "service", s.Route("modelId"), null, details: q.RequestsPerSecond is { } rate
                    ? string.Create(CultureInfo.InvariantCulture, $"{rate} per second, burst {q.Burst}")
                    : "node default")
                : null),
            ["AdminDeleteModel"] = s => EntryAsync(s.ByCaller(AuditActions.ServiceDelete, "service", s.Route("modelId"), null)),
            ["AdminExportModel"] = s => EntryAsync(s.ByCaller(
                AuditActions.ServiceExport, "service", s.Route("modelId"), null, details: s.Query("images") is "true" ? "with images" : "without images")),
            ["AdminBulkEnrol"] = s => EntryAsync(s.Value is Transfer.BulkEnrolUploadResponse r
                ? s.ByCaller(AuditActions.ServiceBulkEnrol, "service", s.Route("modelId"), null, details: string.Create(
                    CultureInfo.InvariantCulture, $"job {r.JobId}, {r.Files} files"))
                : null),
            ["AdminImportModel"] = s => EntryAsync(s.Value is Transfer.ImportResponse r
                ? s.ByCaller(AuditActions.ServiceImport, "service", s.Route("modelId"), null, details: string.Create(
                    CultureInfo.InvariantCulture, $"{r.FacesAdded} faces added, {r.FacesExisting} already there, {r.FacesReembedded} re-embedded, {r.Problems} problems"))
                : null),

            // Webhooks of a service: where its events go. The address is reduced to its host (a URL may carry a token).
            ["AdminCreateWebhook"] = s => EntryAsync(s.Value is WebhookResponse w
                ? s.ByCaller(AuditActions.WebhookCreate, "webhook", w.Id.ToString(), HostOf(w.Url), details: "service " + s.Route("modelId"))
                : null),
            ["AdminUpdateWebhook"] = s => EntryAsync(s.Value is WebhookResponse w
                ? s.ByCaller(AuditActions.WebhookUpdate, "webhook", w.Id.ToString(), HostOf(w.Url), details: (w.Enabled ? "enabled" : "disabled") + ", service " + s.Route("modelId"))
                : null),
            ["AdminDeleteWebhook"] = s => EntryAsync(s.ByCaller(AuditActions.WebhookDelete, "webhook", s.Route("hookId"), null, details: "service " + s.Route("modelId"))),

            // Jobs (docs/decisions/0034-jobs-and-re-embedding.md): the application is the job's, so its owner sees the event.
            ["AdminCancelJob"] = s => EntryAsync(s.Value is JobResponse j
                ? s.ByCaller(AuditActions.JobCancel, "job", j.Id.ToString(), j.Kind, appId: j.AppId, details: j.Kind + " " + j.State)
                : null),

            // Face API writes, by the key's service, at a summary level: image ids and counts, never a subject's name,
            // an image or an embedding.
            ["AddFace"] = s => EntryAsync(s.Value is FaceRefDto f ? s.ByService(AuditActions.FaceAdd, "face", f.ImageId.ToString()) : null),
            ["DeleteFace"] = s => EntryAsync(s.Value is FaceRefDto f ? s.ByService(AuditActions.FaceDelete, "face", f.ImageId.ToString()) : null),
            ["DeleteFaces"] = s => EntryAsync(s.Value is FaceRefDto[] faces ? s.ByService(AuditActions.FacesDelete, "face", null, Count(faces.Length, "faces")) : null),
            ["DeleteFacesBySubject"] = s => EntryAsync(s.Value is DeletedCountResponse d ? s.ByService(AuditActions.SubjectFacesDelete, "subject", null, Count(d.Deleted, "faces")) : null),
            ["AddSubject"] = s => EntryAsync(s.ByService(AuditActions.SubjectCreate, "subject", null)),
            ["RenameSubject"] = s => EntryAsync(s.ByService(AuditActions.SubjectRename, "subject", null)),
            ["DeleteSubject"] = s => EntryAsync(s.ByService(AuditActions.SubjectDelete, "subject", null)),
            ["DeleteAllSubjects"] = s => EntryAsync(s.Value is DeletedCountResponse d ? s.ByService(AuditActions.SubjectsDeleteAll, "subject", null, Count(d.Deleted, "subjects")) : null),
        }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The endpoint filter: records the endpoint's event after its handler succeeded, before its result is written.</summary>
    public static async ValueTask<object?> RecordAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var name = context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
        if (name is null || !Catalog.TryGetValue(name, out var describe))
        {
            return await next(invocation);
        }

        var grains = context.RequestServices.GetRequiredService<IGrainFactory>();
        UserInfo? before = null;
        if (name == "AdminLogout")
        {
            // After the handler the session is gone: who is logging out is read first.
            before = await SessionUserAsync(context, grains);
        }
        else if (name is "AdminRegister" or "AdminForgotPassword")
        {
            // The handler reads the JSON body; buffered, the email can be read again afterwards (nothing else of it is).
            context.Request.EnableBuffering();
        }

        var result = await next(invocation);
        var status = (result as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;
        var entry = await describe(new Scene(context, result, status, before));
        if (entry is not null)
        {
            // Not cancelled with the request: once the action is done, its event is written even if the client left.
            await grains.GetGrain<IAuditLogGrain>(0).RecordAsync(entry, CancellationToken.None);
        }

        return result;
    }

    private static async ValueTask<AuditEntry?> LoginAsync(Scene s)
    {
        var form = s.Context.Request.HasFormContentType ? await s.Context.Request.ReadFormAsync(s.Context.RequestAborted) : null;
        string? Parameter(string key) => form?[key].FirstOrDefault() ?? s.Context.Request.Query[key].FirstOrDefault();
        if (Parameter("grant_type") != "password")
        {
            // Refreshes renew a session that a login already recorded.
            return null;
        }

        var email = EmailOrNull(Parameter("username"));
        if (s.Succeeded)
        {
            return new AuditEntry(AuditActions.Login, AuditActorKind.User, null, email, s.Address, TargetType: "user", TargetName: email);
        }

        // The reason as the client was told it (bad credentials, locked, disabled); never the password.
        var reason = s.Value is OAuthError error ? error.ErrorDescription : null;
        return new AuditEntry(AuditActions.LoginFailed, AuditActorKind.Anonymous, null, email, s.Address, TargetType: "user", TargetName: email, Details: reason);
    }

    private static async Task<UserInfo?> SessionUserAsync(HttpContext context, IGrainFactory grains)
    {
        if (!context.Request.Cookies.TryGetValue(AdminSession.AccessCookie, out var token) || string.IsNullOrEmpty(token))
        {
            return null;
        }

        var userId = await grains.GetGrain<ISessionGrain>(0).AuthenticateAsync(SessionTokenHash.GrainKey(token), context.RequestAborted);
        return userId is { } id ? await grains.GetGrain<IUserGrain>(id).GetAsync(context.RequestAborted) : null;
    }

    /// <summary>
    /// <paramref name="value"/> lower-cased when it is an email address, else null: what a user typed as a login name
    /// is recorded only when it cannot be a password typed into the wrong field.
    /// </summary>
    private static string? EmailOrNull(string? value)
    {
        var trimmed = value?.Trim();
        return trimmed is { Length: > 0 and <= 254 } && !trimmed.Contains(' ', StringComparison.Ordinal)
            && MailAddress.TryCreate(trimmed, out var address) && address.Address == trimmed
            ? trimmed.ToLowerInvariant()
            : null;
    }

    /// <summary>The endpoint names whose successful requests are recorded (for the completeness test).</summary>
    internal static IEnumerable<string> RecordedEndpoints => Catalog.Keys;

    private static string? HostOf(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Host : null;

    private static string Count(int count, string what) => string.Create(CultureInfo.InvariantCulture, $"{count} {what}");

    private static ValueTask<AuditEntry?> EntryAsync(AuditEntry? entry) => ValueTask.FromResult(entry);

    /// <summary>What the filter knows about a finished request.</summary>
    private sealed record Scene(HttpContext Context, object? Result, int Status, UserInfo? Before)
    {
        public bool Succeeded => Status is >= 200 and < 400;

        public object? Value => (Result as IValueHttpResult)?.Value;

        public string? Address => Context.Connection.RemoteIpAddress?.ToString();

        private AdminCaller? Caller => Context.Features.Get<AdminCaller>();

        public string? CallerId => Caller?.UserId.ToString();

        public string? CallerName => Caller?.User.Email;

        public string? Route(string key) => Context.Request.RouteValues.TryGetValue(key, out var value) ? value?.ToString() : null;

        public string? Query(string key) => Context.Request.Query[key].FirstOrDefault();

        /// <summary>An event by the session's user (or by <see cref="Before"/>, the user of a session just ended).</summary>
        public AuditEntry? ByCaller(string action, string targetType, string? targetId, string? targetName, string? details = null, Guid? appId = null)
        {
            if (!Succeeded)
            {
                return null;
            }

            var user = Caller?.User ?? Before;
            return new AuditEntry(
                action, user is null ? AuditActorKind.Anonymous : AuditActorKind.User, user?.UserId, user?.Email, Address,
                appId ?? (Guid.TryParse(Route("appId"), out var app) ? app : null), targetType, targetId, targetName, details);
        }

        /// <summary>An event by the API key's service (its application is filled in by the store).</summary>
        public AuditEntry? ByService(string action, string targetType, string? targetId, string? details = null)
        {
            var service = Context.Features.Get<Http.FaceServiceContext>()?.Service;
            return !Succeeded || service is null
                ? null
                : new AuditEntry(action, AuditActorKind.Service, service.ServiceId, service.Name, Address, null, targetType, targetId, null, details);
        }

        /// <summary>An event of an unauthenticated request (sign-up, reset), naming the email it was about when given.</summary>
        public AuditEntry? Anonymous(string action, string? email, string targetType) =>
            Succeeded ? new AuditEntry(action, AuditActorKind.Anonymous, null, email, Address, TargetType: targetType, TargetName: email) : null;

        /// <summary>The <c>email</c> of the buffered JSON body, when it is an email address.</summary>
        public async Task<string?> BodyEmailAsync()
        {
            var body = Context.Request.Body;
            if (!body.CanSeek)
            {
                return null;
            }

            body.Position = 0;
            try
            {
                using var json = await JsonDocument.ParseAsync(body, cancellationToken: Context.RequestAborted);
                return json.RootElement.ValueKind == JsonValueKind.Object
                    && json.RootElement.EnumerateObject().FirstOrDefault(p => p.NameEquals("email") || p.Name.Equals("email", StringComparison.OrdinalIgnoreCase)) is { Value.ValueKind: JsonValueKind.String } property
                    ? EmailOrNull(property.Value.GetString())
                    : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }
}
