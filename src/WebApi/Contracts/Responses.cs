using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace CompreFace.WebApi.Contracts;

/// <summary>The error body of every failed request (docs/compreface-behaviour.md#errors).</summary>
public sealed record ApiError(string Message, int Code);

/// <summary><c>box</c> of a face, in original image pixels; CompreFace's key order.</summary>
public sealed record BoxDto(double Probability, int XMax, int YMax, int XMin, int YMin);

/// <summary>
/// A face as every image endpoint returns it (docs/compreface-behaviour.md#face-object). Written by
/// <see cref="FaceJsonConverter"/>: <see cref="Plugins"/> holds the face's plugin keys, which are written in its place.
/// </summary>
public class FaceDto
{
    /// <summary>An empty face, filled by an object initializer.</summary>
    public FaceDto()
    {
    }

    /// <summary>A copy of <paramref name="face"/>, for the shapes that add fields to a face (matches, subjects).</summary>
    [SetsRequiredMembers]
    protected FaceDto(FaceDto face)
    {
        ArgumentNullException.ThrowIfNull(face);
        Box = face.Box;
        Plugins = face.Plugins;
        Embedding = face.Embedding;
        ExecutionTime = face.ExecutionTime;
    }

    /// <summary>Always present.</summary>
    public required BoxDto Box { get; init; }

    /// <summary>
    /// The requested plugins' values, each under its slug, in the worker's catalog order, then <c>landmarks</c> (five
    /// [x, y] points, or a landmark plugin's points such as <c>landmarks68</c>'s 68, as CompreFace's <c>landmarks2d106</c>
    /// writes 106). Each value is the worker's JSON as it is; none are written as keys of the face.
    /// </summary>
    public IReadOnlyList<PluginValue> Plugins { get; init; } = [];

    /// <summary>The raw (un-normalised) embedding when <c>face_plugins</c> contains <c>calculator</c>.</summary>
    public float[]? Embedding { get; init; }

    /// <summary>Milliseconds per stage when <c>status=true</c>.</summary>
    public IReadOnlyDictionary<string, double>? ExecutionTime { get; init; }
}

/// <summary>A target face of verification with its similarity to the source face.</summary>
public sealed class FaceMatchDto : FaceDto
{
    /// <summary>The target face with its similarity to the source face.</summary>
    [SetsRequiredMembers]
    public FaceMatchDto(FaceDto face, double similarity)
        : base(face)
    {
        Similarity = similarity;
    }

    /// <summary>Similarity in (0, 1), rounded to 5 decimals.</summary>
    public double Similarity { get; init; }
}

/// <summary><c>POST /api/v1/detection/detect</c>.</summary>
public sealed record DetectionResponse(IReadOnlyList<FaceDto> Result, IReadOnlyDictionary<string, string>? PluginsVersions);

/// <summary>The single element of verification's <c>result</c>; <c>plugins_versions</c> sits here, not at the top.</summary>
public sealed record VerificationResultDto(
    FaceDto SourceImageFace,
    IReadOnlyList<FaceMatchDto> FaceMatches,
    IReadOnlyDictionary<string, string>? PluginsVersions);

/// <summary><c>POST /api/v1/verification/verify</c>: always exactly one element.</summary>
public sealed record VerificationResponse(IReadOnlyList<VerificationResultDto> Result);

/// <summary>One target of embedding verification, echoed as sent, with its similarity.</summary>
public sealed record EmbeddingSimilarityDto(double[] Embedding, double Similarity);

/// <summary><c>POST /api/v1/verification/embeddings/verify</c>: by similarity, highest first.</summary>
public sealed record EmbeddingVerificationResponse(IReadOnlyList<EmbeddingSimilarityDto> Result);

/// <summary><c>GET /api/v1/config</c>, camelCase as CompreFace answers it.</summary>
public sealed record ClientConfigResponse(
    [property: JsonPropertyName("clientMaxFileSize")] long ClientMaxFileSize,
    [property: JsonPropertyName("clientMaxBodySize")] long ClientMaxBodySize);

/// <summary><c>GET /core/status</c>, plus <c>execution_provider</c> beyond CompreFace.</summary>
public sealed record CoreStatusResponse(
    string Status,
    string BuildVersion,
    string CalculatorVersion,
    IReadOnlyList<double> SimilarityCoefficients,
    IReadOnlyDictionary<string, string> AvailablePlugins,
    string ExecutionProvider);

/// <summary><c>GET /core/healthcheck</c>.</summary>
public sealed record HealthResponse(string Status);
