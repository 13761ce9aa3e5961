using CompreFace.WebApi.Contracts;

namespace CompreFace.WebApi.Binding;

/// <summary>
/// Reads the image endpoints' two request shapes into bytes plus <see cref="FaceRequestParameters"/>, in CompreFace's
/// order of checks: content type (415), body shape (34 / 26), parameters (26 / 28), then the image itself (5 / 21 / 0).
/// </summary>
public static class ImageRequests
{
    /// <summary>The multipart part and the Java field named in code-5 messages for single-image endpoints.</summary>
    public const string FilePart = "file";

    /// <summary>Java's field name for <c>{"file"}</c>.</summary>
    public const string FileJavaField = "content";

    /// <summary>One image: multipart <c>file</c> or <c>{"file":"…"}</c> (detect, verify-by-id).</summary>
    public static async Task<(byte[] Image, FaceRequestParameters Parameters)> ReadSingleAsync(
        HttpRequest request, ApiOptions options, CancellationToken cancellationToken)
    {
        var (image, parameters, _) = await ReadSingleAsync(request, options, static _ => true, cancellationToken);
        return (image, parameters);
    }

    /// <summary>
    /// One image with endpoint-specific parameters (recognize's <c>prediction_count</c>, …): <paramref name="readExtra"/>
    /// runs after the common parameters and before the image checks, where Spring validates method parameters.
    /// </summary>
    public static async Task<(byte[] Image, FaceRequestParameters Parameters, T Extra)> ReadSingleAsync<T>(
        HttpRequest request, ApiOptions options, Func<RequestParameters, T> readExtra, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(readExtra);
        if (RequestBody.GetKind(request) == BodyKind.Multipart)
        {
            var form = await RequestBody.ReadMultipartAsync(request, options, cancellationToken);
            var file = ImageInput.GetPart(form, FilePart);
            var raw = RequestParameters.From(request, form);
            var parameters = FaceRequestParameters.Parse(raw);
            var extra = readExtra(raw);
            return (await ImageInput.ReadFileAsync(file, options.MaxFileSize, cancellationToken), parameters, extra);
        }

        var body = await RequestBody.ReadJsonAsync<Base64ImageRequest>(request, cancellationToken);
        var jsonRaw = RequestParameters.From(request);
        var jsonParameters = FaceRequestParameters.Parse(jsonRaw);
        var jsonExtra = readExtra(jsonRaw);
        return (ImageInput.DecodeBase64(body.File, FileJavaField), jsonParameters, jsonExtra);
    }

    /// <summary>Two images: multipart <c>source_image</c> + <c>target_image</c>, or their base64 JSON fields.</summary>
    public static async Task<(byte[] Source, byte[] Target, FaceRequestParameters Parameters)> ReadPairAsync(
        HttpRequest request, ApiOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (RequestBody.GetKind(request) == BodyKind.Multipart)
        {
            var form = await RequestBody.ReadMultipartAsync(request, options, cancellationToken);
            var sourceFile = ImageInput.GetPart(form, "source_image");
            var targetFile = ImageInput.GetPart(form, "target_image");
            var parameters = FaceRequestParameters.Parse(RequestParameters.From(request, form));
            var source = await ImageInput.ReadFileAsync(sourceFile, options.MaxFileSize, cancellationToken);
            var target = await ImageInput.ReadFileAsync(targetFile, options.MaxFileSize, cancellationToken);
            return (source, target, parameters);
        }

        var body = await RequestBody.ReadJsonAsync<Base64VerificationRequest>(request, cancellationToken);
        var jsonParameters = FaceRequestParameters.Parse(RequestParameters.From(request));
        return (
            ImageInput.DecodeBase64(body.SourceImage, "sourceImageBase64"),
            ImageInput.DecodeBase64(body.TargetImage, "targetImageBase64"),
            jsonParameters);
    }
}
