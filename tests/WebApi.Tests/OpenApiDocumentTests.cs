using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// <c>/openapi/v1.json</c> (docs/decisions/0028-openapi.md) against the node's real endpoints: every mapped route is
/// documented with what a client needs, nothing documented is unmapped, and the document is valid OpenAPI 3.1.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed partial class OpenApiDocumentTests(ApiFactory factory)
{
    /// <summary>
    /// Routes that are not part of the face or admin API: the docs themselves, the UI's mailed-link redirects, health
    /// and metrics. Anything else a node maps must be in the document.
    /// </summary>
    private static readonly string[] NotApi =
    [
        "GET /openapi/{documentName}.json", "GET /api/swagger-ui.html", "GET /admin/swagger-ui.html",
        "GET /login", "GET /reset-password", "GET /health/live", "GET /health/ready", "GET /metrics",
    ];

    private readonly HttpClient _client = factory.CreateClient(new() { AllowAutoRedirect = false });

    [Fact]
    public async Task Document_EveryMappedRoute_IsDocumentedWithSummaryErrorsAndExamples()
    {
        using var document = JsonDocument.Parse(await _client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var documented = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                documented[$"{operation.Name.ToUpperInvariant()} {path.Name}"] = operation.Value;
            }
        }

        var mapped = MappedRoutes().Where(r => !NotApi.Contains(r, StringComparer.Ordinal) && !r.Contains(" /docs", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        problems.AddRange(mapped.Where(r => !documented.ContainsKey(r)).Select(r => $"{r}: mapped but missing from /openapi/v1.json (remove ExcludeFromDescription, or map it with a handler method)"));
        problems.AddRange(documented.Keys.Where(r => !mapped.Contains(r)).Select(r => $"{r}: documented but no such route is mapped"));
        foreach (var (route, operation) in documented.Where(d => mapped.Contains(d.Key)))
        {
            problems.AddRange(Lacks(route, operation));
        }

        Assert.True(problems.Count == 0, "OpenAPI document problems:\n" + string.Join('\n', problems.Order(StringComparer.Ordinal)));

        // The check sees the real table: the face API, the admin API and /core are all in it.
        Assert.Contains("POST /api/v1/recognition/recognize", mapped);
        Assert.Contains("POST /admin/oauth/token", mapped);
        Assert.Contains("GET /core/status", mapped);
    }

    [Fact]
    public async Task Document_ReadWithMicrosoftOpenApi_IsValidOpenApi31()
    {
        var json = await _client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));

        var result = OpenApiDocument.Parse(json, "json");

        Assert.True(result.Diagnostic?.Errors.Count is null or 0, "Reader errors: " + string.Join(" | ", result.Diagnostic!.Errors.Select(e => $"{e.Pointer}: {e.Message}")));
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, result.Diagnostic!.SpecificationVersion);
        var document = Assert.IsType<OpenApiDocument>(result.Document);
        var errors = document.Validate(ValidationRuleSet.GetDefaultRuleSet())?.ToList() ?? [];
        Assert.True(errors.Count == 0, "Validation errors: " + string.Join(" | ", errors.Select(e => $"{e.Pointer}: {e.Message}")));
        Assert.StartsWith("3.1", JsonDocument.Parse(json).RootElement.GetProperty("openapi").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Document_AddFace_HasParametersBodiesAndCompreFaceCodes()
    {
        using var document = JsonDocument.Parse(await _client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var add = document.RootElement.GetProperty("paths").GetProperty("/api/v1/recognition/faces").GetProperty("post");

        var subject = add.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "subject");
        Assert.True(subject.GetProperty("required").GetBoolean());
        Assert.False(string.IsNullOrWhiteSpace(subject.GetProperty("description").GetString()));
        var content = add.GetProperty("requestBody").GetProperty("content");
        Assert.Equal("binary", content.GetProperty("multipart/form-data").GetProperty("schema").GetProperty("properties").GetProperty("file").GetProperty("format").GetString());
        Assert.True(content.GetProperty("application/json").GetProperty("example").TryGetProperty("file", out _));
        var codes = add.GetProperty("responses").GetProperty("400").GetProperty("content").GetProperty("application/json").GetProperty("examples")
            .EnumerateObject().Select(e => e.Value.GetProperty("value").GetProperty("code").GetInt32()).ToHashSet();
        Assert.Superset(new HashSet<int> { 20, 26, 28, 31, 33, 34 }, codes);
        Assert.Equal(10, add.GetProperty("responses").GetProperty("404").GetProperty("content").GetProperty("application/json").GetProperty("examples")
            .EnumerateObject().Single().Value.GetProperty("value").GetProperty("code").GetInt32());
        Assert.Equal("apiKey", add.GetProperty("security")[0].EnumerateObject().Single().Name);
    }

    [Theory]
    [InlineData("/api/swagger-ui.html")]
    [InlineData("/admin/swagger-ui.html")]
    public async Task SwaggerUiAddress_OfCompreFace_RedirectsToTheDocsPage(string path)
    {
        using var response = await _client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/docs", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task DocsPage_LoadsItsScriptFromTheNode_NotACdn()
    {
        using var redirecting = factory.CreateClient();
        var html = await redirecting.GetStringAsync(new Uri("/docs", UriKind.Relative));

        var sources = ScriptSources().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(sources);
        Assert.All(sources, s => Assert.False(s.Contains("//", StringComparison.Ordinal), $"script from another host: {s}"));
        foreach (var source in sources)
        {
            using var script = await redirecting.GetAsync(new Uri(new Uri("http://localhost/docs/"), source));
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        }
    }

    /// <summary>What an operation lacks, one line per missing piece, naming the route.</summary>
    private static IEnumerable<string> Lacks(string route, JsonElement operation)
    {
        if (!operation.TryGetProperty("summary", out var summary) || string.IsNullOrWhiteSpace(summary.GetString()))
        {
            yield return $"{route}: no summary (give the handler method an XML <summary>, or .WithSummary(...))";
        }
        else if (summary.GetString()!.Contains("&lt;", StringComparison.Ordinal) || summary.GetString()!.Contains("&amp;", StringComparison.Ordinal))
        {
            yield return $"{route}: summary shows an XML entity: {summary.GetString()}";
        }

        var responses = operation.GetProperty("responses");
        if (!responses.EnumerateObject().Any(r => r.Name.StartsWith('2') || r.Name.StartsWith('3')))
        {
            yield return $"{route}: no success response (return a typed result, or .Produces<T>())";
        }

        var isApi = route.Contains(" /api/", StringComparison.Ordinal) || route.Contains(" /admin/", StringComparison.Ordinal);
        var hasErrorCode = responses.EnumerateObject().Any(r => r.Name[0] is '4' or '5'
            && r.Value.TryGetProperty("content", out var c) && c.TryGetProperty("application/json", out var j) && j.TryGetProperty("examples", out _));
        var readsNothing = route.StartsWith("GET /api/v1/config", StringComparison.Ordinal) || route.StartsWith("GET /api/v1/consistence", StringComparison.Ordinal)
            || route.StartsWith("GET /admin/status", StringComparison.Ordinal) || route.StartsWith("GET /admin/config", StringComparison.Ordinal);
        if (isApi && !hasErrorCode && !readsNothing)
        {
            yield return $"{route}: no error response with CompreFace codes (add .WithErrors(ApiErrors.… / AdminErrors.…))";
        }

        if (operation.TryGetProperty("requestBody", out var body))
        {
            foreach (var content in body.GetProperty("content").EnumerateObject())
            {
                if (!content.Value.TryGetProperty("example", out _) && !content.Value.TryGetProperty("examples", out _))
                {
                    yield return $"{route}: request body {content.Name} has no example (describe it with .WithJsonBody(example))";
                }
            }
        }
        else if (route.StartsWith("POST ", StringComparison.Ordinal) && !route.EndsWith("/apikey", StringComparison.Ordinal) && !route.EndsWith("/migrate", StringComparison.Ordinal)
            && route.Contains(" /api/", StringComparison.Ordinal))
        {
            yield return $"{route}: POST without a documented request body (.WithJsonBody or .WithImageBody)";
        }
    }

    /// <summary>"METHOD /pattern" of every route endpoint, constraints stripped as OpenAPI paths show them.</summary>
    private IEnumerable<string> MappedRoutes()
    {
        foreach (var endpoint in factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            var pattern = "/" + RouteConstraint().Replace(endpoint.RoutePattern.RawText ?? string.Empty, "}").Trim('/');
            foreach (var method in methods.Where(m => m != HttpMethods.Head && m != HttpMethods.Options))
            {
                yield return $"{method} {pattern}";
            }
        }
    }

    [GeneratedRegex(@"(?::[^}]+)?\??}")]
    private static partial Regex RouteConstraint();

    [GeneratedRegex("<script[^>]*\\ssrc=\"([^\"]+)\"")]
    private static partial Regex ScriptSources();
}
