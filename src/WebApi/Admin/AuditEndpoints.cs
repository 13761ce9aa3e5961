using System.Globalization;

namespace CompreFace.WebApi.Admin;

/// <summary>
/// <c>GET /admin/audit</c>: the audit log, newest first (docs/decisions/0025-audit-log.md). The global owner and
/// administrators read every event; the owner of an application reads that application's events; anyone else is
/// refused with 403 code 1.
/// </summary>
internal static class AuditEndpoints
{
    /// <summary>The largest page.</summary>
    public const int MaxPageSize = 500;

    public static void MapAuditEndpoints(this IEndpointRouteBuilder admin) =>
        admin.MapGet("/audit", ListAsync).WithName("AdminAuditLog").WithErrors(
            AdminErrors.AccessDenied(), AdminErrors.InvalidGuid("appId", "{appId}"), AdminErrors.Validation("'from' must be an ISO-8601 time"));

    /// <summary>
    /// <c>GET /admin/audit</c>: audit events, newest first, filtered by <c>from</c> and <c>to</c> (ISO-8601 times, <c>to</c>
    /// exclusive), <c>actor</c> (an email, a service name or an id), <c>action</c> and <c>appId</c>; paged by <c>page</c>
    /// and <c>size</c> (50, at most 500).
    /// </summary>
    public static async Task<IResult> ListAsync(
        string? from, string? to, string? actor, string? action, string? appId, string? page, string? size,
        HttpContext context, [FromServices] IGrainFactory grains)
    {
        var caller = AdminCaller.Get(context);
        var query = new AuditQuery(
            Time(from, nameof(from)),
            Time(to, nameof(to)),
            string.IsNullOrWhiteSpace(actor) ? null : actor.Trim(),
            Action(action),
            string.IsNullOrWhiteSpace(appId) ? null : Guid.TryParse(appId, out var app) ? app : throw AdminErrors.InvalidGuid("appId", appId),
            null,
            Number(page, nameof(page), 0, 0, int.MaxValue / MaxPageSize),
            Number(size, nameof(size), 50, 1, MaxPageSize));

        if (!caller.IsGlobalAdmin)
        {
            // An application owner sees the events of the applications they own, and nothing else.
            var owned = (await grains.GetGrain<IUserGrain>(caller.UserId).ListApplicationsAsync(context.RequestAborted))
                .Where(a => a.RoleOf(caller.UserId) == Role.Owner)
                .Select(a => a.AppId)
                .ToList();
            if (owned.Count == 0 || (query.AppId is { } wanted && !owned.Contains(wanted)))
            {
                throw AdminErrors.AccessDenied();
            }

            query = query with { AppIds = owned };
        }

        var result = await grains.GetGrain<IAuditLogGrain>(0).ListAsync(query, context.RequestAborted);
        return AdminJson.Result(new AuditPageResponse(
            [.. result.Items.Select(ToResponse)], query.Page, query.Size, result.Total));
    }

    private static AuditEventResponse ToResponse(AuditEvent e) => new(
        e.Id,
        e.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        e.Entry.Action,
        e.Entry.ActorKind switch { AuditActorKind.User => "user", AuditActorKind.Service => "service", _ => "anonymous" },
        e.Entry.ActorId,
        e.Entry.ActorName,
        e.Entry.Address,
        e.Entry.AppId,
        e.Entry.TargetType,
        e.Entry.TargetId,
        e.Entry.TargetName,
        e.Entry.Details);

    private static DateTimeOffset? Time(string? value, string name) =>
        string.IsNullOrWhiteSpace(value)
            ? null
            : DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
                ? time
                : throw AdminErrors.Validation($"'{name}' must be an ISO-8601 time");

    private static string? Action(string? value) =>
        string.IsNullOrWhiteSpace(value)
            ? null
            : AuditActions.All.Contains(value.Trim()) ? value.Trim() : throw AdminErrors.Validation($"Unknown audit action '{value}'");

    private static int Number(string? value, string name, int fallback, int min, int max) =>
        string.IsNullOrWhiteSpace(value)
            ? fallback
            : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
                ? number
                : throw AdminErrors.Validation(string.Create(CultureInfo.InvariantCulture, $"'{name}' must be a whole number from {min} to {max}"));
}

/// <summary>One audit event as <c>GET /admin/audit</c> shows it.</summary>
internal sealed record AuditEventResponse(
    long Id, string Time, string Action, string ActorType, Guid? ActorId, string? ActorName, string? Address, Guid? AppId,
    string? TargetType, string? TargetId, string? TargetName, string? Details);

/// <summary>A page of <c>GET /admin/audit</c>, newest first; <c>total</c> counts every matching event.</summary>
internal sealed record AuditPageResponse(IReadOnlyList<AuditEventResponse> Events, int Page, int Size, long Total);
