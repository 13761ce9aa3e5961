namespace CompreFace.WebApi.Errors;

/// <summary>
/// A request the API refuses, carrying CompreFace's HTTP status, error code and message. Thrown anywhere in the
/// HTTP tier and turned into <c>{"message":…,"code":…}</c> by <see cref="ApiExceptionHandler"/>. Create instances
/// through <see cref="ApiErrors"/> so that codes and messages stay in one place.
/// </summary>
public sealed class ApiException : Exception
{
    public ApiException()
        : this(StatusCodes.Status400BadRequest, ApiErrors.GenericCode, ApiErrors.GenericMessage)
    {
    }

    public ApiException(string message)
        : this(StatusCodes.Status400BadRequest, ApiErrors.GenericCode, message)
    {
    }

    public ApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        StatusCode = StatusCodes.Status400BadRequest;
        Code = ApiErrors.GenericCode;
    }

    public ApiException(int statusCode, int code, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Code = code;
    }

    /// <summary>HTTP status of the response.</summary>
    public int StatusCode { get; }

    /// <summary>CompreFace's error code (the <c>code</c> field).</summary>
    public int Code { get; }
}
