using System.ComponentModel.DataAnnotations;

namespace CompreFace.WebApi;

/// <summary>
/// Upload limits of the face API. Not bound to a configuration section of its own: the host fills it from the one
/// options type of the <c>Images</c> section (the node: the inference library's <c>ImageLimitsOptions</c>, whose
/// defaults are CompreFace's 5 MiB file and 10 MiB request), so that one setting governs both tiers. A host that
/// forgets to is stopped at start by the validation.
/// </summary>
public sealed class ApiOptions
{
    /// <summary>Largest accepted image file in bytes (CompreFace <c>MAX_FILE_SIZE</c>).</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileSize { get; set; }

    /// <summary>Largest accepted request body in bytes (CompreFace <c>MAX_REQUEST_SIZE</c> and nginx <c>client_max_body_size</c>).</summary>
    [Range(1, long.MaxValue)]
    public long MaxRequestSize { get; set; }
}
