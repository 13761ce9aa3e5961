using System.Globalization;
using System.Text.Json;

namespace CompreFace.WebApi.Endpoints;

/// <summary>
/// Examples (stored faces) of a recognition service (docs/compreface-behaviour.md#examples, docs/compreface-behaviour.md#verify-against-a-stored-example), behind a RECOGNITION key: add, list, delete,
/// download and verify an upload against one example.
/// </summary>
public static class FaceEndpoints
{
    /// <summary>The default page size of the list (Spring's).</summary>
    public const int DefaultPageSize = 20;

    /// <summary>The largest page size of the list (CompreFace's <c>max-page-size</c>).</summary>
    public const int MaxPageSize = 2000;

    /// <summary>What an image download answers: binary, cacheable for a year (the bytes of an id never change).</summary>
    public const string ImageContentType = "application/octet-stream";

    /// <summary><c>Cache-Control</c> of an image download.</summary>
    /// <remarks>
    /// CompreFace sends <c>public, max-age=31536000</c>, which lets every shared cache on the way keep a person's photo
    /// for a year; a face is biometric data, so it is never stored (docs/compatibility.md).
    /// </remarks>
    public const string ImageCacheControl = "private, no-store";

    private const string SubjectName = AddFaceParameters.SubjectName;

    /// <summary>Maps <c>/api/v1/recognition/faces</c>.</summary>
    public static RouteGroupBuilder MapFaceEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/recognition/faces").WithTags("Recognition");
        group.MapPost(string.Empty, AddFaceAsync).WithName("AddFace")
            .WithQuery(FaceApiParameters.AddFace).WithImageBody(ImageRequests.FilePart)
            .WithErrors(ApiErrors.MissingParameter(SubjectName), ApiErrors.Validation("Subject name is empty; "), ApiErrors.MoreThanOneFace(), ApiErrors.Generic());
        group.MapGet(string.Empty, ListFacesAsync).WithName("ListFaces")
            .WithQuery(FaceApiParameters.Page, FaceApiParameters.Size, FaceApiParameters.SubjectFilter);
        group.MapDelete(string.Empty, DeleteFacesBySubjectAsync).WithName("DeleteFacesBySubject")
            .WithQuery(FaceApiParameters.SubjectToDelete).WithErrors(ApiErrors.Validation("Subject name is empty; "));
        group.MapPost("/delete", DeleteFacesAsync).WithName("DeleteFaces")
            .WithJsonBody(new System.Text.Json.Nodes.JsonArray("6b1a1c1e-3d5f-4c8a-9a40-2f6c1e7d8b90", "0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f"))
            .WithErrors(ApiErrors.InvalidUuid("image_id", "not-a-uuid"));
        group.MapDelete("/{image_id}", DeleteFaceAsync).WithName("DeleteFace")
            .WithErrors(ApiErrors.ImageNotFound(Guid.Empty), ApiErrors.InvalidUuid("image_id", "not-a-uuid"));
        group.MapGet("/{image_id}/img", DownloadImageAsync).WithName("DownloadFaceImage")
            .WithErrors(ApiErrors.InvalidUuid("image_id", "not-a-uuid"));
        group.MapPost("/{image_id}/verify", VerifyFaceAsync).WithName("VerifyFace")
            .WithQuery(FaceApiParameters.Image).WithImageBody(ImageRequests.FilePart)
            .WithErrors(ApiErrors.ImageIdIncorrect(), ApiErrors.InvalidUuid("image_id", "not-a-uuid"));
        return group;
    }

    /// <summary>
    /// <c>POST /faces?subject=&amp;det_prob_threshold=</c>: multipart <c>file</c> (any type but JSON reaches this handler,
    /// since CompreFace's declares none) or <c>{"file":"…"}</c>. Exactly one face (0 → 28, 2 → 31, detected with
    /// limit 2); the subject is found case-insensitively or created. 201 <c>{"image_id","subject"}</c> with the subject
    /// as sent.
    /// </summary>
    public static async Task<Created<FaceRefDto>> AddFaceAsync(
        HttpRequest request,
        [FromServices] IGrainFactory grains,
        [FromServices] IOptions<ApiOptions> options,
        [FromServices] IOptions<StorageOptions> storage,
        CancellationToken cancellationToken)
    {
        var service = FaceServiceContext.Get(request.HttpContext).Service;
        var (image, parameters) = await ImageRequests.ReadSingleAsync(request, options.Value, AddFaceParameters.Binding, cancellationToken);
        var subject = parameters.Subject;

        // The core refuses thresholds outside [0, 1]; CompreFace reports every core 400 as code 28.
        if (parameters.DetProbThreshold is { } t && !(t >= 0 && t <= 1))
        {
            throw ApiErrors.NoFaceFound();
        }

        var analysis = new FaceAnalysisRequest
        {
            Image = image,
            Limit = 2,
            DetProbThreshold = parameters.DetProbThreshold is { } value ? (float)value : null,
            ComputeEmbeddings = true,
            MinFaceSize = parameters.MinFaceSize,
            MinQuality = parameters.MinQuality,
        };
        // Chosen here so that a retried add (GrainCallRetryFilter) cannot store the example twice.
        var id = Guid.NewGuid();
        var models = request.HttpContext.RequestServices.GetRequiredService<CollectionModels>();
        var imageId = await models.RunAsync(grains, service.ServiceId, async plan =>
        {
            // While the collection is re-embedded, computed by its old and its new model (docs/decisions/0034).
            var result = await FaceAnalyzer.AnalyzeAsync(grains, CollectionModels.Apply(analysis, plan, add: true), cancellationToken);
            if (result.Faces.Count > 1)
            {
                throw ApiErrors.MoreThanOneFace();
            }

            var command = new AddFaceCommand
            {
                Subject = subject,
                Embedding = FaceMapper.EmbeddingOf(result.Faces[0]),
                Calculator = FaceAnalyzer.CalculatorOf(result).Version,
                Image = storage.Value.SaveImages ? image : null,
                ImageId = id,
                AlsoEmbedding = result.Faces[0].AlsoEmbedding,
                AlsoCalculator = result.AlsoCalculator?.Version,
            };
            return await FaceCollections.Faces(grains, service).AddFaceAsync(command, cancellationToken);
        }, cancellationToken);
        return TypedResults.Created((string?)null, FaceMapper.AddedFace(imageId, subject));
    }

    /// <summary>
    /// <c>GET /faces?page=&amp;size=&amp;subject=</c>: Spring's paging (page from 0, negative or non-numeric → 0; size
    /// below 1 or non-numeric → 20, above 2000 → 2000); <c>subject</c> matches exactly and case-sensitively, and
    /// <c>subject=</c> matches nothing.
    /// </summary>
    public static async Task<Ok<FaceListResponse>> ListFacesAsync([AsParameters] FaceServiceCall call)
    {
        var (request, grains, _, cancellationToken) = call;
        var service = call.Service;
        var parameters = RequestParameters.From(request);
        var page = Math.Max(0, ParseLenient(parameters.GetRawString("page"), 0));
        var size = ParseLenient(parameters.GetRawString("size"), DefaultPageSize);
        size = size < 1 ? DefaultPageSize : Math.Min(size, MaxPageSize);
        var subject = parameters.GetRawString(SubjectName);

        IReadOnlyList<FaceRef> faces = [];
        long total = 0;
        // A name no store can hold (SubjectNames.IsStorable) names no subject: an empty page, without asking the store.
        if (subject is not { Length: 0 } && (subject is null || SubjectNames.IsStorable(subject)))
        {
            var collection = FaceCollections.Faces(grains, service);
            if ((long)page * size > int.MaxValue)
            {
                // Far beyond any collection: only the total is needed.
                total = (await collection.ListFacesAsync(subject, 0, 1, cancellationToken)).Total;
            }
            else
            {
                var result = await collection.ListFacesAsync(subject, page, size, cancellationToken);
                (faces, total) = (result.Items, result.Total);
            }
        }

        var totalPages = (int)Math.Min(int.MaxValue, (total + size - 1) / size);
        var dtos = faces.Select(static f => new FaceRefDto(f.ImageId, f.Subject)).ToArray();
        return TypedResults.Ok(new FaceListResponse(dtos, page, size, totalPages, total));
    }

    /// <summary>
    /// <c>DELETE /faces?subject=</c>: the subject's examples, images and the subject itself; <c>{"deleted":n}</c>, 0 for
    /// an unknown subject. Without a subject CompreFace answers 400 code 26 (not "delete all" as documented), and the
    /// .NET SDK's tests expect that.
    /// </summary>
    public static async Task<Ok<DeletedCountResponse>> DeleteFacesBySubjectAsync([AsParameters] FaceServiceCall call)
    {
        var (request, grains, _, cancellationToken) = call;
        var service = call.Service;
        var subject = RequestParameters.From(request).GetRawString(SubjectName);
        if (string.IsNullOrWhiteSpace(subject))
        {
            throw ApiErrors.Validation("Subject name is empty; ");
        }

        var deletion = await FaceCollections.Subjects(grains, service).DeleteSubjectAsync(subject, cancellationToken);
        return TypedResults.Ok(new DeletedCountResponse(deletion?.FacesDeleted ?? 0));
    }

    /// <summary>
    /// <c>POST /faces/delete</c> with a JSON array of ids: a JSON array of the deleted <c>{"image_id","subject"}</c>;
    /// unknown ids are skipped; a null or missing body is 400 code 26.
    /// </summary>
    public static async Task<Ok<FaceRefDto[]>> DeleteFacesAsync([AsParameters] FaceServiceCall call)
    {
        var (request, grains, _, cancellationToken) = call;
        var service = call.Service;
        if (string.IsNullOrEmpty(request.ContentType))
        {
            // Spring: no content type and no body is "Required request body is missing" (400), not 415.
            throw ApiErrors.InvalidJsonBody();
        }

        RequestBody.GetKind(request, acceptMultipart: false);
        var ids = await ReadIdArrayAsync(request, cancellationToken);
        if (ids.Count == 0)
        {
            return TypedResults.Ok(Array.Empty<FaceRefDto>());
        }

        var deleted = await FaceCollections.Faces(grains, service).DeleteFacesAsync(ids, cancellationToken);
        return TypedResults.Ok(deleted.Select(static f => new FaceRefDto(f.ImageId, f.Subject)).ToArray());
    }

    /// <summary><c>DELETE /faces/{image_id}</c>: <c>{"image_id","subject"}</c>; not in this collection → 404 code 44.</summary>
    public static async Task<Ok<FaceRefDto>> DeleteFaceAsync(
        [FromRoute(Name = "image_id")] string imageId,
        [AsParameters] FaceServiceCall call)
    {
        var (service, grains, cancellationToken) = call;
        var id = FaceCollections.ParseImageId(imageId);
        var deleted = await FaceCollections.Faces(grains, service).DeleteFacesAsync([id], cancellationToken);
        var face = deleted.Count > 0 ? deleted[0] : throw ApiErrors.ImageNotFound(id);
        return TypedResults.Ok(new FaceRefDto(face.ImageId, face.Subject));
    }

    /// <summary>
    /// <c>GET /faces/{image_id}/img</c>: the original upload as <c>application/octet-stream</c>; an id that is unknown,
    /// of another collection or stored without its image gives 200 with an empty body, as in CompreFace.
    /// </summary>
    public static async Task<FileContentHttpResult> DownloadImageAsync(
        [FromRoute(Name = "image_id")] string imageId,
        [AsParameters] FaceServiceCall call)
    {
        var (service, grains, cancellationToken) = call;
        var id = FaceCollections.ParseImageId(imageId);
        var bytes = await FaceCollections.Faces(grains, service).GetImageAsync(id, cancellationToken);
        return ImageResult(call.Request.HttpContext, bytes);
    }

    /// <summary>
    /// <c>POST /faces/{image_id}/verify</c>: every face of the upload (area order, up to <c>limit</c>) compared with the
    /// one stored example. An id not in this collection is 404 code 44, checked after detection as in CompreFace.
    /// </summary>
    public static async Task<Ok<FaceVerificationResponse>> VerifyFaceAsync(
        [FromRoute(Name = "image_id")] string imageId,
        [AsParameters] FaceServiceCall call)
    {
        var (request, grains, options, cancellationToken) = call;
        var id = FaceCollections.ParseImageId(imageId);
        var (image, parameters) = await ImageRequests.ReadSingleAsync(request, options.Value, cancellationToken);

        // Computed by the model the collection serves (its old one while it is re-embedded), the stored example's model.
        var models = request.HttpContext.RequestServices.GetRequiredService<CollectionModels>();
        return await models.RunAsync(grains, call.Service.ServiceId, async plan =>
        {
            var result = await FaceAnalyzer.AnalyzeAsync(grains, CollectionModels.Apply(parameters.ToAnalysisRequest(image, computeEmbeddings: true), plan, add: false), cancellationToken);
            var stored = await FaceCollections.GetStoredFaceAsync(call, id);
            return TypedResults.Ok(FaceMapper.FaceVerification(result, parameters, stored));
        }, cancellationToken);
    }

    /// <summary>An image download response: the bytes (or none) with CompreFace's type and caching.</summary>
    internal static FileContentHttpResult ImageResult(HttpContext context, byte[]? bytes)
    {
        context.Response.Headers.CacheControl = ImageCacheControl;
        return TypedResults.Bytes(bytes ?? [], ImageContentType);
    }

    // Spring's pageable resolver falls back to the default for values that don't parse.
    private static int ParseLenient(string? raw, int defaultValue) =>
        int.TryParse(raw?.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : defaultValue;

    private static async Task<IReadOnlyList<Guid>> ReadIdArrayAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using (var document = await RequestBody.ParseJsonAsync(request, cancellationToken))
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw ApiErrors.InvalidJsonBody();
            }

            var ids = new List<Guid>(document.RootElement.GetArrayLength());
            foreach (var element in document.RootElement.EnumerateArray())
            {
                var text = element.ValueKind == JsonValueKind.String ? RequestBody.GetString(element) : element.GetRawText();
                ids.Add(FaceCollections.ParseImageId(text));
            }

            return ids.Distinct().ToArray();
        }
    }
}
