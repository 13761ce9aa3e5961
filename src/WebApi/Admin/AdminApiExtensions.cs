using CompreFace.WebApi.Audit;
using CompreFace.WebApi.Transfer;

namespace CompreFace.WebApi.Admin;

/// <summary>Composition of the admin API (<c>/admin</c>, docs/compreface-behaviour.md#admin-api): the UI's backend, authenticated by the session cookie.</summary>
public static class AdminApiExtensions
{
    /// <summary>
    /// Maps <c>/admin</c>: the open endpoints (token, register, demo model, status, config), then the rest behind
    /// <see cref="AdminSession.RequireSessionAsync"/>. Needs the admin grains (<c>AddCompreFaceAdmin</c> on the silo).
    /// </summary>
    public static IEndpointRouteBuilder MapCompreFaceAdmin(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Innermost filter: the audit log records what succeeded, before the answer is written (docs/decisions/0025-audit-log.md).
        var open = app.MapGroup("/admin").WithTags("Admin").AddEndpointFilter(AdminRequestLimit.CheckAsync).AddEndpointFilter(AdminCsrf.CheckAsync).AddEndpointFilter(AuditTrail.RecordAsync);
        open.MapSessionEndpoints();
        open.MapOpenUserEndpoints();

        var admin = app.MapGroup("/admin").WithTags("Admin").AddEndpointFilter(AdminRequestLimit.CheckAsync).AddEndpointFilter(AdminCsrf.CheckAsync).AddEndpointFilter(AdminSession.RequireSessionAsync)
            .AddEndpointFilter(AuditTrail.RecordAsync).WithMetadata(ApiDocs.AdminSessionDoc.Instance);
        admin.MapUserEndpoints();
        admin.MapApplicationEndpoints();
        admin.MapServiceEndpoints();
        admin.MapMemberEndpoints();
        admin.MapWebhookEndpoints();
        admin.MapTransferEndpoints();
        admin.MapAuditEndpoints();
        admin.MapJobEndpoints();
        return app;
    }
}
