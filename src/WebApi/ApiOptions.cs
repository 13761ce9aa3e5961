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

/// <summary>
/// The part of the node's <c>Storage</c> section the HTTP tier reads: whether original uploads are kept (CompreFace's
/// <c>SAVE_IMAGES_TO_DB</c>, default true). The store itself reads the same key; the API reports it in
/// <c>GET /api/v1/consistence/status</c> and does not ship images to the collection when they would be dropped.
/// </summary>
public sealed class StorageView
{
    /// <summary>The store's section.</summary>
    public const string SectionName = "Storage";

    /// <summary><c>Storage:SaveImages</c>.</summary>
    public bool SaveImages { get; set; } = true;
}
