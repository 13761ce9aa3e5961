using Microsoft.Net.Http.Headers;

namespace CompreFace.WebApi.Binding;

/// <summary>
/// The one binder of the image endpoints (detect, recognize, add, verify, verify-by-id): reads their two request shapes
/// into bytes plus parameters, in Spring's order: content type (415, or code 0 where a handler takes any type), the
/// arguments in their declared order (parts 34, body 26, parameters 33 / 26), the required JSON field (5), method
/// validation (26), then the image itself (21 / 0). Parameters come from the query and then the multipart form
/// fields, for every endpoint alike (docs/compreface-behaviour.md#conventions). The common <c>limit</c> leaves here bounded
/// by <see cref="ApiOptions.MaxFacesPerImage"/>.
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
        ArgumentNullException.ThrowIfNull(options);
        var (image, parameters) = await ReadSingleAsync(request, options, ImageBinding.Of(FaceRequestParameters.Parse), cancellationToken);
        return (image, options.Bound(parameters));
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
        var binding = ImageBinding.Of(raw => (Common: FaceRequestParameters.Parse(raw), Extra: readExtra(raw)));
        var (image, parameters) = await ReadSingleAsync(request, options, binding, cancellationToken);
        return (image, options.Bound(parameters.Common), parameters.Extra);
    }

    /// <summary>One image with the parameters <paramref name="binding"/> reads, in the order it declares.</summary>
    public static async Task<(byte[] Image, T Parameters)> ReadSingleAsync<T>(
        HttpRequest request, ApiOptions options, ImageBinding<T> binding, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(binding);
        if (GetKind(request, binding) == BodyKind.Multipart)
        {
            var form = await RequestBody.ReadMultipartAsync(request, options, cancellationToken);
            var file = ImageInput.GetPart(form, FilePart);
            var parameters = binding.Read(RequestParameters.From(request, form));
            binding.Validate?.Invoke(parameters);
            return (await ImageInput.ReadFileAsync(file, options.MaxFileSize, cancellationToken), parameters);
        }

        Base64ImageRequest body;
        T jsonParameters;
        if (binding.ParametersBeforeBody)
        {
            jsonParameters = binding.Read(RequestParameters.From(request));
            body = await RequestBody.ReadJsonAsync<Base64ImageRequest>(request, cancellationToken);
        }
        else
        {
            body = await RequestBody.ReadJsonAsync<Base64ImageRequest>(request, cancellationToken);
            jsonParameters = binding.Read(RequestParameters.From(request));
        }

        var encoded = body.File ?? throw ApiErrors.FieldEmpty(FileJavaField);
        binding.Validate?.Invoke(jsonParameters);
        return (ImageInput.DecodeBase64(encoded, FileJavaField), jsonParameters);
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
            return (source, target, options.Bound(parameters));
        }

        var body = await RequestBody.ReadJsonAsync<Base64VerificationRequest>(request, cancellationToken);
        var jsonParameters = FaceRequestParameters.Parse(RequestParameters.From(request));
        return (
            ImageInput.DecodeBase64(body.SourceImage, "sourceImageBase64"),
            ImageInput.DecodeBase64(body.TargetImage, "targetImageBase64"),
            options.Bound(jsonParameters));
    }

    private static BodyKind GetKind<T>(HttpRequest request, ImageBinding<T> binding)
    {
        if (!binding.AnyTypeIsMultipart)
        {
            return RequestBody.GetKind(request);
        }

        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType))
        {
            if (mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            {
                return BodyKind.Json;
            }

            if (mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                return BodyKind.Multipart;
            }
        }

        // Spring's "Current request is not a multipart request": the catch-all 400 code 0.
        throw ApiErrors.Generic();
    }
}

/// <summary>Factory of <see cref="ImageBinding{T}"/>.</summary>
public static class ImageBinding
{
    /// <summary>A binding that reads its parameters with <paramref name="read"/> after the body (detect, recognize, verify).</summary>
    public static ImageBinding<T> Of<T>(Func<RequestParameters, T> read) => new(read);
}

/// <summary>
/// How one image endpoint's Java method declares its arguments, which fixes the order of its errors.
/// </summary>
/// <param name="Read">Reads (converts) the parameters; throws code 33 / 26 as Spring's argument resolvers do.</param>
public sealed record ImageBinding<T>(Func<RequestParameters, T> Read)
{
    /// <summary>Method validation (<c>@NotBlank</c>, …): after every argument, before the image checks.</summary>
    public Action<T>? Validate { get; init; }

    /// <summary>
    /// True when the JSON variant declares its <c>@RequestParam</c>s before its <c>@RequestBody</c> (add), so a missing
    /// parameter wins over a malformed body.
    /// </summary>
    public bool ParametersBeforeBody { get; init; }

    /// <summary>
    /// True when the multipart handler declares no content type (add): every type but JSON reaches it, and a body
    /// that is not multipart is Spring's "not a multipart request" (code 0) instead of 415.
    /// </summary>
    public bool AnyTypeIsMultipart { get; init; }
}
