using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace CompreFace.WebApi.Contracts;

/// <summary><c>{"embeddings":[[…],…]}</c> of the recognition embedding endpoints.</summary>
public sealed record EmbeddingsRequest(double[][]? Embeddings);

/// <summary><c>{"subject":"n"}</c>: a created or deleted subject (stored name on delete).</summary>
public sealed record SubjectResponse(string Subject);

/// <summary><c>GET /api/v1/recognition/subjects</c>.</summary>
public sealed record SubjectListResponse(IReadOnlyList<string> Subjects);

/// <summary><c>PUT /api/v1/recognition/subjects/{subject}</c>: false only when the new name equals the old one.</summary>
public sealed record SubjectUpdatedResponse(bool Updated);

/// <summary><c>{"deleted":n}</c>: subjects (delete all) or examples (delete by subject) removed.</summary>
public sealed record DeletedCountResponse(int Deleted);

/// <summary>An example: its id (the API's <c>image_id</c>) and its subject's name.</summary>
public sealed record FaceRefDto(Guid ImageId, string Subject);

/// <summary><c>GET /api/v1/recognition/faces</c>: one page of examples, Spring's page fields.</summary>
public sealed record FaceListResponse(
    IReadOnlyList<FaceRefDto> Faces,
    int PageNumber,
    int PageSize,
    int TotalPages,
    long TotalElements);

/// <summary>One match of recognize: a subject's name and the similarity of one of its examples.</summary>
public sealed record SubjectSimilarityDto(string Subject, double Similarity);

/// <summary>A face of recognize with its best matches.</summary>
public sealed class RecognizedFaceDto : FaceDto
{
    /// <summary>The face with its matches.</summary>
    [SetsRequiredMembers]
    public RecognizedFaceDto(FaceDto face, IReadOnlyList<SubjectSimilarityDto> subjects)
        : base(face)
    {
        Subjects = subjects;
    }

    /// <summary>The best <c>prediction_count</c> examples by similarity, highest first; empty when none.</summary>
    public required IReadOnlyList<SubjectSimilarityDto> Subjects { get; init; }
}

/// <summary><c>POST /api/v1/recognition/recognize</c>.</summary>
public sealed record RecognitionResponse(
    IReadOnlyList<RecognizedFaceDto> Result,
    IReadOnlyDictionary<string, string>? PluginsVersions);

/// <summary>A face of verify-by-id with the stored example's subject and the similarity to it.</summary>
public sealed class VerifiedFaceDto : FaceDto
{
    /// <summary>The face with the stored example's subject and its similarity to it.</summary>
    [SetsRequiredMembers]
    public VerifiedFaceDto(FaceDto face, string subject, double similarity)
        : base(face)
    {
        Subject = subject;
        Similarity = similarity;
    }

    /// <summary>The subject of the stored example.</summary>
    public required string Subject { get; init; }

    /// <summary>Similarity in (0, 1), rounded to 5 decimals.</summary>
    public double Similarity { get; init; }
}

/// <summary><c>POST /api/v1/recognition/faces/{image_id}/verify</c>.</summary>
public sealed record FaceVerificationResponse(
    IReadOnlyList<VerifiedFaceDto> Result,
    IReadOnlyDictionary<string, string>? PluginsVersions);

/// <summary>One query of embedding recognition, echoed as sent, with its best matches.</summary>
public sealed record EmbeddingRecognitionDto(double[] Embedding, IReadOnlyList<SubjectSimilarityDto> Similarities);

/// <summary><c>POST /api/v1/recognition/embeddings/recognize</c>.</summary>
public sealed record EmbeddingRecognitionResponse(IReadOnlyList<EmbeddingRecognitionDto> Result);

/// <summary><c>GET /api/v1/consistence/status</c>, camelCase as CompreFace answers it.</summary>
public sealed record ConsistenceStatusResponse(
    [property: JsonPropertyName("demoFaceCollectionIsInconsistent")] bool DemoFaceCollectionIsInconsistent,
    [property: JsonPropertyName("dbIsInconsistent")] bool DbIsInconsistent,
    [property: JsonPropertyName("saveImagesToDB")] bool SaveImagesToDb,
    [property: JsonPropertyName("status")] string Status)
{
    /// <summary>Beyond CompreFace: the newest re-embedding of each collection (docs/decisions/0034-jobs-and-re-embedding.md).</summary>
    [JsonPropertyName("migrations")]
    public IReadOnlyList<MigrationStatusDto> Migrations { get; init; } = [];
}

/// <summary>A collection's re-embedding as <c>GET /api/v1/consistence/status</c> reports it.</summary>
public sealed record MigrationStatusDto(
    [property: JsonPropertyName("serviceId")] Guid ServiceId,
    [property: JsonPropertyName("jobId")] Guid JobId,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("done")] long Done,
    [property: JsonPropertyName("failed")] long Failed,
    [property: JsonPropertyName("total")] long? Total,
    [property: JsonPropertyName("percent")] double Percent,
    [property: JsonPropertyName("fromModel")] string? FromModel,
    [property: JsonPropertyName("toModel")] string? ToModel);
