using CompreFace.WebApi.Admin;
using CompreFace.WebApi.Audit;
using CompreFace.WebApi.Endpoints;
using CompreFace.WebApi.Mail;
using CompreFace.WebApi.Statistics;
using CompreFace.WebApi.WebUi;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CompreFace.WebApi;

/// <summary>Composition of the CompreFace-compatible HTTP API (<c>/api/v1</c>, <c>/core</c>).</summary>
public static class ApiExtensions
{
    /// <summary>
    /// Registers options, JSON conventions, the error model and the services the endpoints use. Needs an
    /// <see cref="IGrainFactory"/> (the co-hosted silo or an Orleans client) and <see cref="ApiOptions"/> configured
    /// by the host from its <c>Images</c> section.
    /// </summary>
    public static IServiceCollection AddCompreFaceApi(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<ApiOptions>()
            .ValidateDataAnnotations();

        // Request size: RequestNormalizationMiddleware refuses a declared length over the limit and sets the server's
        // per-request body limit on API paths (chunked bodies too). Multipart bodies are read by ASP.NET's form reader
        // (RequestBody.ReadMultipartAsync; a hand-written reader saved 0.1 % of a request, decision 0019) with the same
        // limit; its other limits (1024 parts, 16 KB part headers, 4 MB field values) stay at their defaults.
        services.AddOptions<FormOptions>()
            .Configure<IOptions<ApiOptions>>((form, api) =>
            {
                form.MultipartBodyLengthLimit = api.Value.MaxRequestSize;

                // Bodies are at most MaxRequestSize and read into memory anyway; the default 64 KB threshold would
                // write them to a temp file and read them back.
                form.MemoryBufferThreshold = (int)Math.Min(api.Value.MaxRequestSize, int.MaxValue);
            });

        // Behind a TLS-terminating proxy: X-Forwarded-Proto/-For from trusted proxies only (admin cookies get Secure).
        services.AddOptionsWithValidateOnStart<ProxyOptions>()
            .BindConfiguration(ProxyOptions.SectionName)
            .ValidateDataAnnotations();
        services.AddSingleton<IConfigureOptions<ForwardedHeadersOptions>, ConfigureForwardedHeaders>();

        // Session cookies: Secure over HTTPS, or always (Cookies:Secure=Always, the shipped deploy recipes).
        services.AddOptionsWithValidateOnStart<Admin.SessionCookieOptions>()
            .BindConfiguration(Admin.SessionCookieOptions.SectionName)
            .ValidateDataAnnotations();

        // Rate limits per client address on login, sign-up and password reset (decision 0024).
        services.AddCompreFaceRateLimits();

        // Password-reset mail (off by default).
        services.AddOptionsWithValidateOnStart<MailOptions>()
            .BindConfiguration(MailOptions.SectionName)
            .ValidateDataAnnotations();
        services.TryAddSingleton<IMailSender, SmtpMailSender>();
        services.TryAddSingleton<UnknownCredentials>();
        services.TryAddSingleton<CollectionModels>();
        services.TryAddSingleton<RecentApiKeys>();
        services.TryAddSingleton<PasswordResetMailer>();
        services.AddHostedService(sp => sp.GetRequiredService<PasswordResetMailer>());

        // Grain calls of the HTTP tier survive a silo going away (bounded retries, Cluster:GrainCallRetries; docs/decisions/0014).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutgoingGrainCallFilter, GrainCallRetryFilter>());

        services.ConfigureHttpJsonOptions(json => ApiJson.Configure(json.SerializerOptions));
        services.AddExceptionHandler<ApiExceptionHandler>();

        // Request statistics: counted in memory on the hot path, flushed to the store in the background.
        services.AddOptionsWithValidateOnStart<StatisticsOptions>()
            .BindConfiguration(StatisticsOptions.SectionName)
            .ValidateDataAnnotations();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RequestStatistics>();
        services.TryAddSingleton<IFaceServiceRequestCounter>(sp => sp.GetRequiredService<RequestStatistics>());
        services.AddHostedService<RequestStatisticsFlusher>();

        // Collection archives: export, import and bulk enrolment (docs/export-format.md).
        services.AddOptionsWithValidateOnStart<Transfer.TransferOptions>()
            .BindConfiguration(Transfer.TransferOptions.SectionName)
            .ValidateDataAnnotations();
        services.TryAddSingleton<Transfer.ArchiveUploads>();

        // The OpenAPI document and its interactive page (docs/decisions/0028-openapi.md).
        services.AddCompreFaceApiDocs();
        return services;
    }

    /// <summary>
    /// The request pipeline, outermost first: forwarded headers from trusted proxies, the security headers, CORS (docs/compreface-behaviour.md#what-a-client-sees), the error model,
    /// the web UI's static files, CompreFace's request normalisation, the API key filter (before routing, like Java's
    /// servlet filter), routing, the rate limiter, 404 mapping, then the endpoints.
    /// </summary>
    public static WebApplication UseCompreFaceApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value.Enabled)
        {
            app.UseForwardedHeaders();
        }

        // nosniff, no framing, Referrer-Policy, CSP, and no-store on API answers (personal data) on every answer.
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseMiddleware<CorsMiddleware>();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Errors such as 404 code 10 are answers, not failures of the handler.
            AllowStatusCode404Response = true,

            // Only reached if ApiExceptionHandler declines, which it does not; kept because the middleware needs one.
            ExceptionHandler = context => ApiExceptionHandler.WriteAsync(context, ApiErrors.Generic(), context.RequestAborted),
        });

        // The web UI's files at / (decision 0013); any other path, every API path included, falls through.
        app.UseCompreFaceWebUi();
        app.UseMiddleware<RequestNormalizationMiddleware>();
        app.UseMiddleware<ApiKeyMiddleware>();
        app.UseRouting();
        app.UseRateLimiter();
        app.UseMiddleware<UnmatchedRequestMiddleware>();

        app.MapConfigEndpoints();
        app.MapCoreEndpoints();
        app.MapDetectionEndpoints();
        app.MapVerificationEndpoints();
        // Their writes are recorded in the audit log by the key's service (docs/decisions/0025-audit-log.md).
        app.MapSubjectEndpoints().AddEndpointFilter(AuditTrail.RecordAsync);
        app.MapFaceEndpoints().AddEndpointFilter(AuditTrail.RecordAsync);
        app.MapRecognitionEndpoints();
        app.MapUtilityEndpoints();

        // The admin API (/admin, the UI's backend; cookie sessions, camelCase JSON).
        app.MapCompreFaceAdmin();

        // The UI's mailed links (/login, /reset-password) as redirects to its hash routes.
        app.MapCompreFaceWebUi();

        // /openapi/v1.json, the /docs page and CompreFace's swagger-ui addresses.
        app.MapCompreFaceApiDocs();
        return app;
    }
}
