using System.Text.Json.Nodes;

namespace CompreFace.WebApi.Endpoints;

/// <summary>Face verification services (docs/compreface-behaviour.md#embedding-endpoints, docs/compreface-behaviour.md#verification), behind a VERIFY key.</summary>
public static class VerificationEndpoints
{
    /// <summary>Maps <c>/api/v1/verification</c>.</summary>
    public static RouteGroupBuilder MapVerificationEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/verification").WithTags("Verification");
        group.MapPost("/verify", VerifyAsync).WithName("Verify")
            .WithQuery(FaceApiParameters.Image).WithImageBody("source_image", "target_image")
            .WithErrors(ApiErrors.MoreThanOneFace());
        group.MapPost("/embeddings/verify", VerifyEmbeddingsAsync).WithName("VerifyEmbeddings")
            .WithJsonBody(new JsonObject { ["source"] = new JsonArray(0.0123, -0.0456, 0.0789), ["targets"] = new JsonArray(new JsonArray(0.0111, -0.0422, 0.0801)) })
            .WithErrors(ApiErrors.FieldEmpty("source"), ApiErrors.Validation("Embedding dimension should be 512, but 3 was provided"));
        return group;
    }

    /// <summary>
    /// <c>POST /verify</c>: the source must hold exactly one face (28 / 31), the target at least one (28). Both images
    /// are analysed in parallel; errors are still reported source first.
    /// </summary>
    public static async Task<Ok<VerificationResponse>> VerifyAsync([AsParameters] FaceServiceCall call)
    {
        var (request, grains, options, cancellationToken) = call;
        var (sourceImage, targetImage, parameters) = await ImageRequests.ReadPairAsync(request, options.Value, cancellationToken);

        var sourceTask = FaceAnalyzer.AnalyzeRawAsync(grains, parameters.ToAnalysisRequest(sourceImage, computeEmbeddings: true), cancellationToken);
        var targetTask = FaceAnalyzer.AnalyzeRawAsync(grains, parameters.ToAnalysisRequest(targetImage, computeEmbeddings: true), cancellationToken);
        await Task.WhenAll(sourceTask, targetTask);

        var source = FaceAnalyzer.EnsureFaces(await sourceTask);
        if (source.Faces.Count > 1)
        {
            throw ApiErrors.MoreThanOneFace();
        }

        var target = FaceAnalyzer.EnsureFaces(await targetTask);
        return TypedResults.Ok(FaceMapper.Verification(source, target, parameters));
    }

    /// <summary>
    /// <c>POST /embeddings/verify</c>: <c>{"source":[…],"targets":[[…],…]}</c>, targets echoed as sent, by similarity
    /// descending. Any length is accepted, as in CompreFace, when every target has the source's; a target of another
    /// length is 400 code 26 (Java fails with code 0; docs/compatibility.md).
    /// </summary>
    public static async Task<Ok<EmbeddingVerificationResponse>> VerifyEmbeddingsAsync([AsParameters] FaceServiceCall call)
    {
        var (request, grains, options, cancellationToken) = call;
        RequestBody.GetKind(request, acceptMultipart: false);
        var body = await RequestBody.ReadJsonAsync<EmbeddingVerificationRequest>(request, cancellationToken);
        if (body.Source is not { Length: > 0 } source)
        {
            throw ApiErrors.FieldEmpty("source");
        }

        if (body.Targets is not { Length: > 0 } targets)
        {
            throw ApiErrors.FieldEmpty("targets");
        }

        options.Value.Bound(targets, "targets");

        foreach (var target in targets)
        {
            CheckDimension(target, source.Length);
        }

        var calculator = await FaceAnalyzer.CalculatorAsync(grains, cancellationToken);
        return TypedResults.Ok(FaceMapper.EmbeddingVerification(targets, source, calculator));
    }

    private static void CheckDimension(double[]? embedding, int dimension)
    {
        if (embedding is null || embedding.Length != dimension)
        {
            throw ApiErrors.Validation($"Embedding dimension should be {dimension}, but {embedding?.Length ?? 0} was provided");
        }
    }
}
