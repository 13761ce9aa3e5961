using CompreFace.WebApi.Admin;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace CompreFace.WebApi.ApiDocs;

/// <summary>
/// The OpenAPI 3.1 document of the face and admin APIs, generated from the mapped endpoints at
/// <c>/openapi/v1.json</c>, and its interactive page at <c>/docs</c> (docs/decisions/0028-openapi.md). The page's
/// script and styles are embedded in the node, so it works with no internet access.
/// </summary>
public static class ApiDocsExtensions
{
    /// <summary>The document's name, and its path <c>/openapi/v1.json</c>.</summary>
    public const string DocumentName = "v1";

    /// <summary>Where the document is served.</summary>
    public const string DocumentPath = "/openapi/v1.json";

    /// <summary>The interactive page.</summary>
    public const string PagePath = "/docs";

    /// <summary>Registers the document generator with CompreFace's transformers.</summary>
    public static IServiceCollection AddCompreFaceApiDocs(this IServiceCollection services)
    {
        services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.AddDocumentTransformer(static (document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "CompreFace API",
                    Version = "1.2",
                    Description = """
                        The face API (`/api/v1`, `/core`) is CompreFace's: the same paths, parameters, response shapes and
                        error codes, with a few opt-in extensions marked "Beyond CompreFace". Face API calls carry the
                        service's key in `x-api-key`. The admin API (`/admin`) is the web UI's backend, authenticated by
                        the session cookie that `POST /admin/oauth/token` sets. Every refusal is a 4xx (or 503) with the
                        body `{"message": …, "code": …}`; each operation lists the codes it can answer.
                        """,
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
                document.Components.SecuritySchemes[CompreFaceOperationTransformer.ApiKeyScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = "x-api-key",
                    Description = "The API key of a face service (recognition, detection or verification), a UUID.",
                };
                document.Components.SecuritySchemes[CompreFaceOperationTransformer.SessionScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Cookie,
                    Name = AdminSession.AccessCookie,
                    Description = "The admin session cookie set by POST /admin/oauth/token.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer<CompreFaceOperationTransformer>();
            options.AddSchemaTransformer<FaceSchemaTransformer>();
        });
        return services;
    }

    /// <summary>
    /// Maps the document, the page and CompreFace's Swagger addresses (<c>/api/swagger-ui.html</c>,
    /// <c>/admin/swagger-ui.html</c>), which now redirect to the page.
    /// </summary>
    public static IEndpointRouteBuilder MapCompreFaceApiDocs(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference(PagePath, static page =>
        {
            page.Title = "CompreFace API";
            page.OpenApiRoutePattern = "/openapi/{documentName}.json";
            page.AddDocument(DocumentName);

            // Offline: no web fonts, no usage reporting, no hosted request proxy.
            page.DefaultFonts = false;
            page.Telemetry = false;
            page.ProxyUrl = null;
            page.HideClientButton = true;

            // The hosted AI chat and the developer toolbar (SDK generation, deploy) call Scalar's servers.
            page.Agent = new ScalarAgentOptions { Disabled = true };
            page.ShowDeveloperTools = DeveloperToolsVisibility.Never;
        });
        app.MapGet("/api/swagger-ui.html", static () => TypedResults.Redirect(PagePath)).ExcludeFromDescription();
        app.MapGet("/admin/swagger-ui.html", static () => TypedResults.Redirect(PagePath)).ExcludeFromDescription();
        return app;
    }
}
