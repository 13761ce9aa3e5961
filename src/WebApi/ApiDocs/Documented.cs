using System.Text.Json.Nodes;

namespace CompreFace.WebApi.ApiDocs;

/// <summary>
/// Endpoint conventions that describe what a handler reads and refuses by itself (docs/decisions/0028-openapi.md): the
/// OpenAPI document is generated from the mapped endpoints, and <see cref="CompreFaceOperationTransformer"/> turns
/// this metadata into parameters, request bodies and CompreFace's error responses.
/// </summary>
public static class Documented
{
    /// <summary>Query (or multipart field) parameters read through <see cref="RequestParameters"/>.</summary>
    public static TBuilder WithQuery<TBuilder>(this TBuilder builder, params QueryParameterDoc[] parameters)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return builder.WithMetadata([.. parameters]);
    }

    /// <summary>The route's own refusals beyond those of its area (key check, session, body parsing).</summary>
    public static TBuilder WithErrors<TBuilder>(this TBuilder builder, params ApiException[] errors)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(errors);
        return builder.WithMetadata([.. errors.Select(static e => new ErrorDoc(e))]);
    }

    /// <summary>A JSON body with an example (its schema follows the example).</summary>
    public static TBuilder WithJsonBody<TBuilder>(this TBuilder builder, JsonNode example)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestBodyDoc("application/json", example, []));

    /// <summary>
    /// An image body in both of CompreFace's shapes: multipart file parts, or the same parts as base64 strings in JSON;
    /// the multipart form may carry the query parameters as fields too.
    /// </summary>
    public static TBuilder WithImageBody<TBuilder>(this TBuilder builder, params string[] parts)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(parts);
        var multipart = new JsonObject();
        var json = new JsonObject();
        foreach (var part in parts)
        {
            multipart[part] = "(image file: jpeg, png, bmp, gif, tif, webp, …)";
            json[part] = "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/…";
        }

        return builder.WithMetadata(
            new RequestBodyDoc("multipart/form-data", multipart, parts),
            new RequestBodyDoc("application/json", json, []));
    }
}
