using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using CompreFace.WebApi.Admin;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CompreFace.WebApi.ApiDocs;

/// <summary>
/// Completes each generated operation from endpoint metadata and the route's area, so that a newly mapped route is
/// documented with its area's refusals without any work: face API routes behind a key get the key scheme and codes
/// 20 / 26 / 10 / 41; admin routes behind the session get the cookie scheme, 401 and 403 code 1; bodies described by
/// <see cref="RequestBodyDoc"/> get their parse and image errors. Errors are grouped per status with one example per
/// CompreFace code.
/// </summary>
internal sealed class CompreFaceOperationTransformer(IOptions<ApiOptions> options) : IOpenApiOperationTransformer
{
    /// <summary>The security scheme of <c>x-api-key</c>.</summary>
    public const string ApiKeyScheme = "apiKey";

    /// <summary>The security scheme of the admin session cookie.</summary>
    public const string SessionScheme = "session";

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var path = new PathString("/" + (context.Description.RelativePath ?? string.Empty).Split('?')[0]);
        var method = context.Description.HttpMethod ?? HttpMethods.Get;
        var errors = new List<ApiException>();

        // Summaries come from the handlers' XML comments, whose entities (&lt;base64&gt;) arrive still escaped.
        // The long comment becomes the description and the endpoint's name ("AddFace") the short title.
        operation.Summary = operation.Summary is null ? null : WebUtility.HtmlDecode(operation.Summary);
        operation.Description = operation.Description is null ? null : WebUtility.HtmlDecode(operation.Description);
        if (operation.OperationId is { Length: > 0 } name && operation.Summary is { Length: > 0 } comment)
        {
            operation.Description = operation.Description is null ? comment : comment + "\n\n" + operation.Description;
            operation.Summary = Title(name);
        }

        AddQueryParameters(operation, metadata.OfType<QueryParameterDoc>());
        var bodies = metadata.OfType<RequestBodyDoc>().ToList();
        if (bodies.Count > 0)
        {
            AddRequestBody(operation, bodies);
            errors.AddRange(BodyErrors(bodies, options.Value));
        }

        if (ApiPaths.RequiresApiKey(path))
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] }];
            errors.Add(ApiErrors.MissingApiKey());
            errors.Add(ApiErrors.ApiKeyNotUuid());
            errors.Add(ApiErrors.ServiceNotFound(ServiceTypeOf(path), "{x-api-key}"));
            errors.Add(ApiErrors.BackendUnavailable("{detail}"));
        }

        if (path.StartsWithSegments("/admin", StringComparison.Ordinal))
        {
            if (!HttpMethods.IsGet(method))
            {
                errors.Add(AdminErrors.CrossSiteRefused());
            }

            if (metadata.OfType<AdminSessionDoc>().Any())
            {
                operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SessionScheme, context.Document)] = [] }];
                errors.Add(AdminErrors.AccessDenied());
                AddUnauthorized(operation);
            }
        }

        errors.AddRange(metadata.OfType<ErrorDoc>().Select(static e => e.Error));
        AddErrors(operation, errors);
        return Task.CompletedTask;
    }

    /// <summary>A JSON Schema for an example value: objects, arrays and scalars as they appear in it.</summary>
    internal static OpenApiSchema SchemaOf(JsonNode? example, IReadOnlyCollection<string>? binaryParts = null)
    {
        switch (example)
        {
            case JsonObject obj:
                var schema = new OpenApiSchema { Type = JsonSchemaType.Object, Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal) };
                foreach (var (name, value) in obj)
                {
                    schema.Properties[name] = binaryParts?.Contains(name) == true
                        ? new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" }
                        : SchemaOf(value);
                }

                return schema;
            case JsonArray array:
                return new OpenApiSchema { Type = JsonSchemaType.Array, Items = SchemaOf(array.Count > 0 ? array[0] : null) };
            case JsonValue value when value.TryGetValue<bool>(out _):
                return new OpenApiSchema { Type = JsonSchemaType.Boolean };
            case JsonValue value when value.TryGetValue<string>(out _):
                return new OpenApiSchema { Type = JsonSchemaType.String };
            case JsonValue value when value.TryGetValue<int>(out _) || value.TryGetValue<long>(out _):
                return new OpenApiSchema { Type = JsonSchemaType.Integer };
            case JsonValue:
                return new OpenApiSchema { Type = JsonSchemaType.Number };
            default:
                return new OpenApiSchema();
        }
    }

    /// <summary>"AdminListApps" → "List apps"; "GetCoreStatus" → "Get core status".</summary>
    internal static string Title(string operationId)
    {
        var name = operationId.StartsWith("Admin", StringComparison.Ordinal) && operationId.Length > 5 ? operationId[5..] : operationId;
        var title = new System.Text.StringBuilder(name.Length + 8);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && title.Length > 0)
            {
                title.Append(' ').Append(char.ToLowerInvariant(c));
            }
            else
            {
                title.Append(c);
            }
        }

        return title.ToString();
    }

    private static FaceServiceType ServiceTypeOf(PathString path) =>
        path.StartsWithSegments(ApiPaths.Detection, StringComparison.OrdinalIgnoreCase) ? FaceServiceType.Detection
        : path.StartsWithSegments(ApiPaths.Verification, StringComparison.OrdinalIgnoreCase) ? FaceServiceType.Verify
        : FaceServiceType.Recognition;

    private static IEnumerable<ApiException> BodyErrors(List<RequestBodyDoc> bodies, ApiOptions api)
    {
        if (!bodies.Any(static b => b.ContentType == "application/json"))
        {
            yield break;
        }

        yield return ApiErrors.UnsupportedMediaType("text/plain");
        yield return ApiErrors.InvalidJsonBody();
        var parts = bodies.SelectMany(static b => b.BinaryParts).Distinct(StringComparer.Ordinal).ToList();
        if (parts.Count == 0)
        {
            yield break;
        }

        foreach (var part in parts)
        {
            yield return ApiErrors.MissingPart(part);
        }

        yield return ApiErrors.FieldEmpty(ImageRequests.FileJavaField);
        yield return ApiErrors.NotBase64();
        yield return ApiErrors.UnavailableExtension("notes.txt");
        yield return ApiErrors.FileTooLarge(api.MaxFileSize);
        yield return ApiErrors.RequestTooLarge(api.MaxRequestSize);
        yield return ApiErrors.NoFaceFound();
        yield return ApiErrors.Validation("Limit should be equal or greater than 0; ");
    }

    private static void AddQueryParameters(OpenApiOperation operation, IEnumerable<QueryParameterDoc> parameters)
    {
        foreach (var parameter in parameters)
        {
            operation.Parameters ??= [];
            if (operation.Parameters.Any(p => p.Name == parameter.Name && p.In == ParameterLocation.Query))
            {
                continue;
            }

            operation.Parameters.Add(new OpenApiParameter
            {
                Name = parameter.Name,
                In = ParameterLocation.Query,
                Description = parameter.Description,
                Required = parameter.Required,
                Schema = new OpenApiSchema
                {
                    Type = parameter.Type switch
                    {
                        "integer" => JsonSchemaType.Integer,
                        "number" => JsonSchemaType.Number,
                        "boolean" => JsonSchemaType.Boolean,
                        _ => JsonSchemaType.String,
                    },
                },
            });
        }
    }

    private static void AddRequestBody(OpenApiOperation operation, List<RequestBodyDoc> bodies)
    {
        var body = new OpenApiRequestBody { Required = true, Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) };
        foreach (var doc in bodies)
        {
            body.Content[doc.ContentType] = new OpenApiMediaType
            {
                Schema = SchemaOf(doc.Example, doc.BinaryParts),
                Example = doc.Example.DeepClone(),
            };
        }

        operation.RequestBody = body;
    }

    private static void AddUnauthorized(OpenApiOperation operation)
    {
        operation.Responses ??= [];
        var example = new JsonObject { ["error"] = "unauthorized", ["error_description"] = "Full authentication is required to access this resource" };
        operation.Responses[StatusCodes.Status401Unauthorized.ToString(CultureInfo.InvariantCulture)] = new OpenApiResponse
        {
            Description = "No session cookie, or an expired one (the OAuth error shape of CompreFace's admin API).",
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                ["application/json"] = new() { Schema = SchemaOf(example), Example = example },
            },
        };
    }

    private static void AddErrors(OpenApiOperation operation, List<ApiException> errors)
    {
        operation.Responses ??= [];
        foreach (var group in errors.GroupBy(static e => e.StatusCode).OrderBy(static g => g.Key))
        {
            var distinct = group.DistinctBy(static e => (e.Code, e.Message)).ToList();
            var examples = new Dictionary<string, IOpenApiExample>(StringComparer.Ordinal);
            foreach (var error in distinct)
            {
                var key = string.Create(CultureInfo.InvariantCulture, $"code {error.Code}");
                for (var n = 2; examples.ContainsKey(key); n++)
                {
                    key = string.Create(CultureInfo.InvariantCulture, $"code {error.Code} ({n})");
                }

                examples[key] = new OpenApiExample
                {
                    Summary = error.Message,
                    Value = new JsonObject { ["message"] = error.Message, ["code"] = error.Code },
                };
            }

            var status = group.Key.ToString(CultureInfo.InvariantCulture);
            var description = "CompreFace error codes: " + string.Join("; ", distinct.Select(static e =>
                string.Create(CultureInfo.InvariantCulture, $"{e.Code} ({e.Message})")));
            operation.Responses[status] = new OpenApiResponse
            {
                Description = description,
                Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                {
                    ["application/json"] = new() { Schema = ErrorSchema, Examples = examples },
                },
            };
        }
    }

    private static OpenApiSchema ErrorSchema => new()
    {
        Type = JsonSchemaType.Object,
        Required = new HashSet<string>(StringComparer.Ordinal) { "message", "code" },
        Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["message"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What was refused and why." },
            ["code"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Description = "CompreFace's error code (docs/compreface-behaviour.md#errors)." },
        },
    };
}
