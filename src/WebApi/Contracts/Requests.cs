namespace CompreFace.WebApi.Contracts;

/// <summary>The base64 variant of the single-image endpoints: <c>{"file":"…"}</c>.</summary>
public sealed record Base64ImageRequest(string? File);

/// <summary>The base64 variant of verification: <c>{"source_image":"…","target_image":"…"}</c>.</summary>
public sealed record Base64VerificationRequest(string? SourceImage, string? TargetImage);

/// <summary><c>{"source":[…],"targets":[[…],…]}</c>.</summary>
public sealed record EmbeddingVerificationRequest(double[]? Source, double[][]? Targets);
