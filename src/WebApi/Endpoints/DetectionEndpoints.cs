namespace CompreFace.WebApi.Endpoints;

/// <summary>Face detection services (docs/compreface-behaviour.md#detection), behind a DETECTION key.</summary>
public static class DetectionEndpoints
{
    /// <summary>Maps <c>/api/v1/detection</c>.</summary>
    public static RouteGroupBuilder MapDetectionEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/detection").WithTags("Detection");
        group.MapPost("/detect", DetectAsync).WithName("Detect")
            .WithQuery(FaceApiParameters.Image).WithImageBody(ImageRequests.FilePart);
        return group;
    }

    /// <summary><c>POST /detect</c>: multipart <c>file</c> or <c>{"file":"&lt;base64&gt;"}</c>.</summary>
    public static async Task<Ok<DetectionResponse>> DetectAsync([AsParameters] FaceServiceCall call)
    {
        var (request, grains, options, cancellationToken) = call;
        var (image, parameters) = await ImageRequests.ReadSingleAsync(request, options.Value, cancellationToken);
        var result = await FaceAnalyzer.AnalyzeAsync(grains, parameters.ToAnalysisRequest(image), cancellationToken);
        return TypedResults.Ok(FaceMapper.Detection(result, parameters));
    }
}
