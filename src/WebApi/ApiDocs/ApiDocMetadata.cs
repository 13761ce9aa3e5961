using System.Text.Json.Nodes;

namespace CompreFace.WebApi.ApiDocs;

/// <summary>
/// A query (or multipart form field) parameter that a handler reads itself through <see cref="RequestParameters"/>, so
/// ASP.NET cannot infer it from the handler's signature.
/// </summary>
/// <param name="Name">The parameter as sent (CompreFace's snake_case).</param>
/// <param name="Description">What it does, its default and its bounds.</param>
/// <param name="Type">The JSON Schema type: <c>string</c>, <c>integer</c>, <c>number</c> or <c>boolean</c>.</param>
/// <param name="Required">True when a missing value is refused (code 33).</param>
public sealed record QueryParameterDoc(string Name, string Description, string Type = "string", bool Required = false);

/// <summary>One refusal a route can answer, as the <see cref="ApiException"/> that produces it (status, code, message).</summary>
/// <param name="Error">Built by <see cref="ApiErrors"/> or the admin catalogue, with placeholders for variable parts.</param>
public sealed record ErrorDoc(ApiException Error);

/// <summary>
/// One content type of a request body that a handler reads itself, with an example; the schema is derived from the
/// example, and <paramref name="BinaryParts"/> are multipart file parts.
/// </summary>
/// <param name="ContentType">For instance <c>application/json</c> or <c>multipart/form-data</c>.</param>
/// <param name="Example">A complete, valid example body (multipart: its fields as an object).</param>
/// <param name="BinaryParts">Multipart parts that carry files.</param>
public sealed record RequestBodyDoc(string ContentType, JsonNode Example, IReadOnlyList<string> BinaryParts);

/// <summary>Marks the admin routes behind the session cookie (401 without it, 403 code 1 for a removed user).</summary>
public sealed class AdminSessionDoc
{
    public static AdminSessionDoc Instance { get; } = new();
}
