using System.ComponentModel.DataAnnotations;

namespace CompreFace.WebApi;

/// <summary>
/// Upload limits of the face API. Bound first from <c>Images</c> (the section the inference library reads, so that
/// one setting governs both tiers) and then from <c>Api</c>, which may override for the HTTP tier alone.
/// </summary>
public sealed class ApiOptions : IValidatableObject
{
    /// <summary>The API's own section.</summary>
    public const string SectionName = "Api";

    /// <summary>The section shared with the inference library's image limits.</summary>
    public const string ImagesSectionName = "Images";

    /// <summary>Largest accepted image file in bytes (CompreFace <c>MAX_FILE_SIZE</c>, 5 MiB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileSize { get; set; } = 5 * 1024 * 1024;

    /// <summary>Largest accepted request body in bytes (CompreFace <c>MAX_REQUEST_SIZE</c> and nginx <c>client_max_body_size</c>, 10 MiB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxRequestSize { get; set; } = 10 * 1024 * 1024;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxFileSize > MaxRequestSize)
        {
            yield return new ValidationResult(
                $"{nameof(MaxFileSize)} ({MaxFileSize}) must not exceed {nameof(MaxRequestSize)} ({MaxRequestSize}).",
                [nameof(MaxFileSize), nameof(MaxRequestSize)]);
        }
    }
}
