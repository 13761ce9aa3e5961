namespace CompreFace.WebApi.Endpoints;

/// <summary>
/// Recognition against a service's face collection (docs/compreface-behaviour.md#recognize, docs/compreface-behaviour.md#embedding-endpoints), behind a RECOGNITION key. Ranking is
/// CompreFace's (the best stored examples, a subject may repeat) unless the request opts in to
/// <c>unique_subjects=true</c>; <c>similarity_threshold</c> optionally drops weak matches on the server.
/// </summary>
public static class RecognitionEndpoints
{
    /// <summary>Maps <c>/api/v1/recognition/recognize</c> and the recognition embedding endpoints.</summary>
    public static RouteGroupBuilder MapRecognitionEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/recognition").WithTags("Recognition");
        group.MapPost("/recognize", RecognizeAsync).WithName("Recognize")
            .WithQuery(FaceApiParameters.Recognize).WithImageBody(ImageRequests.FilePart)
            .WithErrors(ApiErrors.Validation("prediction_count should be equal or greater than 1; "));
        group.MapPost("/embeddings/recognize", RecognizeEmbeddingsAsync).WithName("RecognizeEmbeddings")
            .WithQuery(FaceApiParameters.RecognizeEmbeddings).WithJsonBody(EmbeddingsExample)
            .WithErrors(ApiErrors.FieldEmpty("embeddings"), ApiErrors.Validation("Embedding dimension should be 512, but 3 was provided"));
        group.MapPost("/embeddings/faces/{image_id}/verify", VerifyEmbeddingsAsync).WithName("VerifyEmbeddingsAgainstFace")
            .WithJsonBody(EmbeddingsExample)
            .WithErrors(ApiErrors.FieldEmpty("embeddings"), ApiErrors.ImageIdIncorrect(), ApiErrors.InvalidUuid("image_id", "not-a-uuid"));
        return group;
    }

    /// <summary>
    /// <c>POST /recognize</c>: multipart <c>file</c> or <c>{"file"}</c>. Every face (area order, up to <c>limit</c>)
    /// with its best <c>prediction_count</c> matches; an empty collection gives <c>"subjects":[]</c>.
    /// </summary>
    public static async Task<Ok<RecognitionResponse>> RecognizeAsync([AsParameters] FaceServiceCall call)
    {
        var (request, grains, options, cancellationToken) = call;
        var (image, parameters, recognition) = await ImageRequests.ReadSingleAsync(
            request, options.Value, p => options.Value.Bound(RecognitionParameters.Parse(p)), cancellationToken);

        // Recognition always computes embeddings; they are returned only if face_plugins asks for the calculator.
        var analysis = parameters.ToAnalysisRequest(image, computeEmbeddings: true) with { DetectFaces = recognition.DetectFaces };
        var models = request.HttpContext.RequestServices.GetRequiredService<CollectionModels>();
        return await models.RunAsync(grains, call.Service.ServiceId, async plan =>
        {
            // Computed by the model the collection serves (its old one while it is re-embedded), and searched under the
            // model that computed the queries (the result says which), never one learnt earlier.
            var result = await FaceAnalyzer.AnalyzeAsync(grains, CollectionModels.Apply(analysis, plan, add: false), cancellationToken);
            var queries = result.Faces.Select(FaceMapper.EmbeddingOf).ToArray();
            var matches = await FaceCollections.RecognizeAsync(grains, call.Service, queries, recognition, FaceAnalyzer.CalculatorOf(result), cancellationToken, call.StandbyAfter);
            return TypedResults.Ok(FaceMapper.Recognition(result, parameters, matches));
        }, cancellationToken);
    }

    /// <summary>
    /// <c>POST /embeddings/recognize?prediction_count=</c> with <c>{"embeddings":[[…],…]}</c>: for each vector (echoed
    /// as sent) its best matches, ranked as in recognize. Empty → code 5; a dimension other than the model's → code 26.
    /// </summary>
    public static async Task<Ok<EmbeddingRecognitionResponse>> RecognizeEmbeddingsAsync([AsParameters] FaceServiceCall call)
    {
        var embeddings = await ReadEmbeddingsAsync(call);
        var recognition = call.Options.Value.Bound(RecognitionParameters.ParseForEmbeddings(RequestParameters.From(call.Request)));
        var calculator = await CalculatorForAsync(embeddings, call);

        var queries = embeddings.Select(static e => Array.ConvertAll(e, static x => (float)x)).ToArray();
        // The client's vectors cannot be computed again: searched under their model whatever the collection serves.
        var matches = await FaceCollections.RecognizeAsync(call.Grains, call.Service, queries, recognition, calculator, call.CancellationToken, call.StandbyAfter, anyModel: true);
        return TypedResults.Ok(FaceMapper.EmbeddingRecognition(embeddings, matches));
    }

    /// <summary>
    /// <c>POST /embeddings/faces/{image_id}/verify</c> with <c>{"embeddings":[[…],…]}</c>: each vector (echoed as sent)
    /// with its similarity to the stored example, highest first. An id not in this collection is 404 code 44.
    /// </summary>
    public static async Task<Ok<EmbeddingVerificationResponse>> VerifyEmbeddingsAsync(
        [FromRoute(Name = "image_id")] string imageId,
        [AsParameters] FaceServiceCall call)
    {
        var id = FaceCollections.ParseImageId(imageId);
        var embeddings = await ReadEmbeddingsAsync(call);
        var calculator = await CalculatorForAsync(embeddings, call);

        var stored = await FaceCollections.GetStoredFaceAsync(call, id);
        var storedVector = Array.ConvertAll(stored.Embedding, static x => (double)x);
        return TypedResults.Ok(FaceMapper.EmbeddingVerification(embeddings, storedVector, calculator));
    }

    private static System.Text.Json.Nodes.JsonObject EmbeddingsExample => new() { ["embeddings"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonArray(0.0123, -0.0456, 0.0789)) };

    // The JSON body {"embeddings":[[…],…]} of both embedding endpoints: missing or empty → code 5, over the limit → code 26.
    private static async Task<double[][]> ReadEmbeddingsAsync(FaceServiceCall call)
    {
        RequestBody.GetKind(call.Request, acceptMultipart: false);
        var body = await RequestBody.ReadJsonAsync<EmbeddingsRequest>(call.Request, call.CancellationToken);
        var embeddings = body.Embeddings is { Length: > 0 } e ? e : throw ApiErrors.FieldEmpty("embeddings");
        return call.Options.Value.Bound(embeddings, "embeddings");
    }

    // The current model's calculator, once every vector is checked to have its dimension: the collection holds vectors
    // of that dimension and anything else cannot be compared (Java: 400 code 0).
    private static async Task<CalculatorIdentity> CalculatorForAsync(double[][] embeddings, FaceServiceCall call)
    {
        var calculator = await FaceAnalyzer.CalculatorAsync(call.Grains, call.CancellationToken);
        var dimension = calculator.Dimension;
        foreach (var embedding in embeddings)
        {
            if (embedding is null || embedding.Length == 0 || (dimension > 0 && embedding.Length != dimension))
            {
                throw ApiErrors.Validation($"Embedding dimension should be {dimension}, but {embedding?.Length ?? 0} was provided");
            }
        }

        return calculator;
    }
}
