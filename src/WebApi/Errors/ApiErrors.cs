using System.Globalization;

namespace CompreFace.WebApi.Errors;

/// <summary>
/// CompreFace's error catalogue (docs/compreface-behaviour.md#errors): every code and message the face API produces, as factories of
/// <see cref="ApiException"/>.
/// </summary>
public static class ApiErrors
{
    /// <summary>The catch-all code.</summary>
    public const int GenericCode = 0;

    /// <summary>The catch-all message of CompreFace's <c>ResponseExceptionHandler</c>.</summary>
    public const string GenericMessage = "Something went wrong, please try again";

    /// <summary>Code 0, 400: an unexpected failure, an unparseable multipart body or an oversized file.</summary>
    /// <summary>400 code 27: <c>POST /api/v1/migrate</c> while a migration (re-embedding) is unfinished.</summary>
    public static ApiException MigrationRunning() => new(StatusCodes.Status400BadRequest, 27, "Migration already executing");

    public static ApiException Generic() => new(StatusCodes.Status400BadRequest, GenericCode, GenericMessage);

    /// <summary>
    /// Code 0, 413: the request is larger than <see cref="ApiOptions.MaxRequestSize"/> (CompreFace's nginx answers 413
    /// with an HTML page; the message names the limit and its value).
    /// </summary>
    public static ApiException RequestTooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, GenericCode, string.Create(CultureInfo.InvariantCulture, $"Maximum request size of {limit} bytes exceeded"));

    /// <summary>
    /// Code 0, 400: a multipart file larger than <see cref="ApiOptions.MaxFileSize"/> (Spring's upload limit reaches
    /// CompreFace's catch-all handler; its status and code are kept, the message names the limit and its value).
    /// </summary>
    public static ApiException FileTooLarge(long limit) =>
        new(StatusCodes.Status400BadRequest, GenericCode, string.Create(CultureInfo.InvariantCulture, $"Maximum file size of {limit} bytes exceeded"));

    /// <summary>Code 0, 404: the path exists but not for this method.</summary>
    public static ApiException MethodNotSupported(string method) =>
        new(StatusCodes.Status404NotFound, GenericCode, $"Request method '{method}' not supported");

    /// <summary>Code 0, 404: no such path (Java answers 500 here; 404 is the sane superset).</summary>
    public static ApiException NoHandler(string method, string path) =>
        new(StatusCodes.Status404NotFound, GenericCode, $"No handler found for {method} {path}");

    /// <summary>
    /// Code 0, 415: a content type the endpoint does not consume, or none. Spring answers with an empty body; every
    /// refusal here carries the error JSON, with Spring's exception message and the catch-all code that CompreFace
    /// gives the closest case it does report, a non-multipart body sent to a multipart handler
    /// (docs/decisions/0019-request-binding.md).
    /// </summary>
    public static ApiException UnsupportedMediaType(string? contentType) =>
        new(StatusCodes.Status415UnsupportedMediaType, GenericCode, $"Content type '{contentType}' not supported");

    /// <summary>
    /// 429 code 0: a rate limit refused the request (decision 0024; CompreFace has no rate limiting, so no code of its
    /// own: the catch-all code with the status that says what happened).
    /// </summary>
    public static ApiException TooManyRequests(int? retryAfterSeconds) =>
        new(StatusCodes.Status429TooManyRequests, GenericCode, retryAfterSeconds is { } s
            ? string.Create(CultureInfo.InvariantCulture, $"Too many requests, retry after {s} seconds")
            : "Too many requests, retry later");

    /// <summary>Code 5: a required JSON field is null or missing (Java field names, e.g. <c>content</c>, <c>sourceImageBase64</c>).</summary>
    public static ApiException FieldEmpty(string javaField) =>
        new(StatusCodes.Status400BadRequest, 5, $"Field {javaField} cannot be empty");

    /// <summary>Code 10: no service of the URL's type has this key.</summary>
    public static ApiException ServiceNotFound(FaceServiceType type, string apiKey) =>
        new(StatusCodes.Status404NotFound, 10, $"{ServiceTypeName(type)} service with API Key {apiKey} not found");

    /// <summary>Code 20: no <c>x-api-key</c> header.</summary>
    public static ApiException MissingApiKey() =>
        new(StatusCodes.Status400BadRequest, 20, "Missing header: x-api-key");

    /// <summary>Code 21: the file name's extension is not an image type CompreFace accepts.</summary>
    public static ApiException UnavailableExtension(string? fileName) =>
        new(StatusCodes.Status400BadRequest, 21, $"File [{fileName}] has an unavailable extension");

    /// <summary>Code 21: a base64 field holds characters outside the alphabet.</summary>
    public static ApiException NotBase64() =>
        new(StatusCodes.Status400BadRequest, 21, "Provided value is not Base64");

    /// <summary>Code 26: the API key is not a UUID.</summary>
    public static ApiException ApiKeyNotUuid() =>
        new(StatusCodes.Status400BadRequest, 26, "Service API key should be UUID");

    /// <summary>Code 26: a validation message (method-parameter violations end in <c>"; "</c>, as in Java).</summary>
    public static ApiException Validation(string message) =>
        new(StatusCodes.Status400BadRequest, 26, message);

    /// <summary>Code 26: a parameter value that does not parse (Java: 400 with an empty body; docs/compreface-behaviour.md#conventions recommends code 26).</summary>
    public static ApiException InvalidParameter(string name, string value) =>
        Validation($"Failed to convert value '{value}' of parameter '{name}'");

    /// <summary>Code 26: a JSON body that is malformed, null or of the wrong shape.</summary>
    public static ApiException InvalidJsonBody() =>
        Validation("Request body is not valid JSON of the expected shape");

    /// <summary>Code 28: no face, an undecodable image, or a threshold outside [0, 1] (every core 400).</summary>
    public static ApiException NoFaceFound() =>
        new(StatusCodes.Status400BadRequest, 28, "No face is found in the given image");

    /// <summary>Code 31: the source image (verification, add example) holds more than one face.</summary>
    public static ApiException MoreThanOneFace() =>
        new(StatusCodes.Status400BadRequest, 31, "More than one face in the source image");

    /// <summary>Code 33: a required request parameter is missing.</summary>
    public static ApiException MissingParameter(string name) =>
        new(StatusCodes.Status400BadRequest, 33, $"Required parameter {name} is missing");

    /// <summary>Code 34: a required multipart part is missing.</summary>
    public static ApiException MissingPart(string name) =>
        new(StatusCodes.Status400BadRequest, 34, $"Required part {name} is missing");

    /// <summary>Code 37: the number of embeddings is not the one expected.</summary>
    public static ApiException EmbeddingCount(int expected, int provided) =>
        new(StatusCodes.Status400BadRequest, 37, string.Create(CultureInfo.InvariantCulture, $"{expected} embeddings were expected, but {provided} were provided"));

    /// <summary>Code 36: a subject name with a forbidden character (<c>;</c> <c>/</c> <c>\</c>).</summary>
    public static ApiException ForbiddenNameCharacters() =>
        new(StatusCodes.Status400BadRequest, 36, "The name cannot contain the following special characters: ';', '/', '\\'");

    /// <summary>Code 42: no subject of that name in the collection.</summary>
    public static ApiException SubjectNotFound(string subject) =>
        new(StatusCodes.Status404NotFound, 42, $"Subject {subject} not found");

    /// <summary>Code 43: a subject of that name (case-insensitive) already exists.</summary>
    public static ApiException SubjectAlreadyExists() =>
        new(StatusCodes.Status400BadRequest, 43, "Subject already exists");

    /// <summary>Code 44 (delete by id): the example is not in this collection.</summary>
    public static ApiException ImageNotFound(Guid imageId) =>
        new(StatusCodes.Status404NotFound, 44, string.Create(CultureInfo.InvariantCulture, $"Image {imageId:D} not found"));

    /// <summary>Code 44 (verify by id): the example is not in this collection.</summary>
    public static ApiException ImageIdIncorrect() =>
        new(StatusCodes.Status404NotFound, 44, "Image Id is incorrect");

    /// <summary>Code 26: a path variable that should be a UUID is not one (Java: 400 with an empty body).</summary>
    public static ApiException InvalidUuid(string name, string value) =>
        Validation($"Failed to convert value '{value}' of path variable '{name}' to UUID");

    /// <summary>
    /// Code 41, 503: a silo or the database did not answer in time (CompreFace's code for an unreachable backend, with
    /// 503 instead of its 500 because the condition is transient and the request may be repeated).
    /// </summary>
    public static ApiException BackendUnavailable(string detail) =>
        new(StatusCodes.Status503ServiceUnavailable, 41, $"Error during synchronization between servers: {detail}");

    /// <summary>The service-type word CompreFace uses in messages.</summary>
    public static string ServiceTypeName(FaceServiceType type) => type switch
    {
        FaceServiceType.Recognition => "Recognition",
        FaceServiceType.Detection => "Detection",
        FaceServiceType.Verify => "Verification",
        _ => type.ToString(),
    };
}
