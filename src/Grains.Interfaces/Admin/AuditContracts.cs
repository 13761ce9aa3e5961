namespace CompreFace.Grains.Interfaces.Admin;

/// <summary>
/// The actions the audit log records (stored as these strings; the admin API and the UI filter by them). Admin and
/// session actions are recorded by user; face API writes by the API key's service, at a summary level (docs/decisions/0025-audit-log.md).
/// </summary>
public static class AuditActions
{
    public const string SignUp = "user.signup";
    public const string Login = "user.login";
    public const string LoginFailed = "user.login_failed";
    public const string Logout = "user.logout";
    public const string ProfileUpdate = "user.update";
    public const string PasswordChange = "user.password_change";
    public const string PasswordResetRequest = "user.password_reset_request";
    public const string PasswordReset = "user.password_reset";
    public const string RegistrationConfirm = "user.confirm";
    public const string SessionsEnd = "user.sessions_end";
    public const string SignUpInvite = "user.invite";
    public const string GlobalRoleChange = "user.global_role_change";
    public const string UserDelete = "user.delete";
    public const string ApplicationCreate = "app.create";
    public const string ApplicationRename = "app.rename";
    public const string ApplicationKeyRegenerate = "app.key_regenerate";
    public const string ApplicationDelete = "app.delete";
    public const string MemberAdd = "member.add";
    public const string MemberRoleChange = "member.role_change";
    public const string MemberRemove = "member.remove";
    public const string ServiceCreate = "service.create";
    public const string ServiceRename = "service.rename";
    public const string ServiceKeyRegenerate = "service.key_regenerate";
    public const string ServiceClone = "service.clone";
    public const string ServiceDelete = "service.delete";
    public const string ServiceQuotaChange = "service.quota_change";
    public const string ServiceExport = "service.export";
    public const string ServiceImport = "service.import";
    public const string ServiceBulkEnrol = "service.bulk_enrol";
    public const string WebhookCreate = "webhook.create";
    public const string WebhookUpdate = "webhook.update";
    public const string WebhookDelete = "webhook.delete";
    public const string FaceAdd = "face.add";
    public const string FaceDelete = "face.delete";
    public const string FacesDelete = "face.delete_bulk";
    public const string SubjectFacesDelete = "face.delete_subject";
    public const string SubjectCreate = "subject.create";
    public const string SubjectRename = "subject.rename";
    public const string SubjectDelete = "subject.delete";
    public const string SubjectsDeleteAll = "subject.delete_all";
    public const string JobCancel = "job.cancel";

    /// <summary>Every action, for the UI's filter and the API's validation.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        SignUp, Login, LoginFailed, Logout, ProfileUpdate, PasswordChange, PasswordResetRequest, PasswordReset,
        RegistrationConfirm, SessionsEnd, SignUpInvite, GlobalRoleChange, UserDelete, ApplicationCreate,
        ApplicationRename, ApplicationKeyRegenerate, ApplicationDelete, MemberAdd, MemberRoleChange, MemberRemove,
        ServiceCreate, ServiceRename, ServiceKeyRegenerate, ServiceClone, ServiceDelete, ServiceQuotaChange, ServiceExport, ServiceImport, ServiceBulkEnrol,
        WebhookCreate, WebhookUpdate, WebhookDelete, FaceAdd, FaceDelete, FacesDelete, SubjectFacesDelete,
        SubjectCreate, SubjectRename, SubjectDelete, SubjectsDeleteAll, JobCancel,
    ];
}

/// <summary>Who did it.</summary>
[GenerateSerializer]
public enum AuditActorKind
{
    /// <summary>Nobody authenticated (a failed login, a sign-up, a password reset by mailed token).</summary>
    Anonymous = 0,

    /// <summary>A user of the admin API (by session).</summary>
    User = 1,

    /// <summary>A face service, by its API key (the key itself is never recorded).</summary>
    Service = 2,
}

/// <summary>
/// One security-relevant event as the HTTP tier reports it. Never holds a password, token, API key, image, embedding
/// or subject name (docs/decisions/0025-audit-log.md); every text is bounded by the store.
/// </summary>
/// <param name="Action">One of <see cref="AuditActions"/>.</param>
/// <param name="ActorKind">Who acted.</param>
/// <param name="ActorId">The user's or the service's id, when known.</param>
/// <param name="ActorName">The user's email or the service's name, when known.</param>
/// <param name="Address">The client's address (after trusted-proxy headers), when known.</param>
/// <param name="AppId">The application the event belongs to; for a service actor the store fills it from the service when null.</param>
/// <param name="TargetType">What was acted on: <c>user</c>, <c>app</c>, <c>service</c>, <c>member</c>, <c>face</c>, <c>subject</c>.</param>
/// <param name="TargetId">Its id, when it has one.</param>
/// <param name="TargetName">Its name (an application, service or user email; never a subject's name).</param>
/// <param name="Details">A short summary, e.g. a new role or a count of deleted faces.</param>
[GenerateSerializer, Immutable, Alias("CompreFace.Admin.AuditEntry")]
public sealed record AuditEntry(
    string Action, AuditActorKind ActorKind, Guid? ActorId, string? ActorName, string? Address, Guid? AppId = null,
    string? TargetType = null, string? TargetId = null, string? TargetName = null, string? Details = null);

/// <summary>A stored audit event: the entry with its sequence number and the time the node recorded it.</summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Admin.AuditEvent")]
public sealed record AuditEvent(long Id, DateTimeOffset OccurredAt, AuditEntry Entry);

/// <summary>
/// A page of the audit log, newest first. Every filter is optional; <see cref="AppIds"/>, when set, limits the result
/// to those applications (how an application owner sees only their own).
/// </summary>
[GenerateSerializer, Immutable, Alias("CompreFace.Admin.AuditQuery")]
public sealed record AuditQuery(
    DateTimeOffset? From = null, DateTimeOffset? To = null, string? Actor = null, string? Action = null,
    Guid? AppId = null, IReadOnlyList<Guid>? AppIds = null, int Page = 0, int Size = 50);

/// <summary>
/// The audit log (a stateless worker: each node records through a local activation). <see cref="RecordAsync"/>
/// completes once the event is durable, so the HTTP tier acknowledges an action only after its event is stored.
/// </summary>
[Alias("CompreFace.Admin.IAuditLogGrain")]
public interface IAuditLogGrain : IGrainWithIntegerKey
{
    /// <summary>Stores the event (batched with others recorded at the same moment, one transaction); completes when committed.</summary>
    [Alias("RecordAsync")]
    Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>A page of events matching <paramref name="query"/>, newest first.</summary>
    [Alias("ListAsync")]
    Task<Page<AuditEvent>> ListAsync(AuditQuery query, CancellationToken cancellationToken = default);
}
