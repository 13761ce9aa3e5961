using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace CompreFace.WebApi.WebUi;

/// <summary>
/// The web UI (<c>docs/decisions/0013-web-ui.md</c>): static HTML, CSS and ES modules embedded in this assembly and served
/// at <c>/</c> by the node itself. Pages are hash routes (<c>/#/apps</c>), so the server knows only <c>/</c> and the asset
/// files and there is no catch-all route that could shadow <c>/api</c>, <c>/admin</c> or <c>/core</c>.
/// </summary>
public static class WebUiExtensions
{
    /// <summary>The embedded resource prefix of <c>WebUi/site</c> (MSBuild turns folders into dotted names).</summary>
    private const string ResourceNamespace = "CompreFace.WebApi.WebUi.site";

    private static readonly Lazy<IFileProvider> Files = new(() => new EmbeddedFileProvider(typeof(WebUiExtensions).Assembly, ResourceNamespace));

    /// <summary>
    /// Serves <c>/</c> (index.html) and the UI's assets. Registered before routing: a path that is not an embedded file
    /// (every API path) falls through untouched to the API's own middleware and its CompreFace 404s.
    /// </summary>
    public static WebApplication UseCompreFaceWebUi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = Files.Value, DefaultFileNames = ["index.html"] });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = Files.Value,
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            OnPrepareResponse = static context =>
            {
                // Embedded files change only with a new build; revalidating (ETag/Last-Modified) keeps an upgraded node from
                // running yesterday's scripts against today's API. The UI's own CSP; the other headers every answer gets
                // (Http/SecurityHeadersMiddleware).
                var headers = context.Context.Response.Headers;
                headers[HeaderNames.CacheControl] = "no-cache";
                headers[HeaderNames.ContentSecurityPolicy] = Http.SecurityHeadersMiddleware.WebUiPolicy;
            },
        });
        return app;
    }

    /// <summary>
    /// The two UI paths the admin API puts in mails (docs/compreface-behaviour.md#users): <c>/login</c> (after a confirmed sign-up) and
    /// <c>/reset-password?token=</c>, redirected to their hash routes with the query kept.
    /// </summary>
    public static IEndpointRouteBuilder MapCompreFaceWebUi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/login", static (HttpRequest request) => TypedResults.Redirect("/#/login" + request.QueryString.Value)).ExcludeFromDescription();
        app.MapGet("/reset-password", static (HttpRequest request) => TypedResults.Redirect("/#/reset-password" + request.QueryString.Value)).ExcludeFromDescription();
        return app;
    }
}
