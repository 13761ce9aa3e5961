namespace CompreFace.WebApi.Binding;

/// <summary>
/// The parameters of <c>POST /api/v1/recognition/faces</c>: <c>subject</c> (required, not blank, at most 50 characters
/// as on <c>POST /subjects</c>; no character check on this path), <c>det_prob_threshold</c>, and the quality gate <c>min_face_size</c> / <c>min_quality</c>.
/// Add ignores <c>limit</c>, <c>face_plugins</c> and <c>status</c>, as CompreFace does.
/// </summary>
/// <param name="Subject">The subject as sent.</param>
/// <param name="DetProbThreshold">Detection threshold, or null for the detector's default.</param>
/// <param name="MinFaceSize">Shorter box side below which faces are dropped (pixels).</param>
/// <param name="MinQuality">Quality score below which faces are dropped.</param>
public sealed record AddFaceParameters(string Subject, double? DetProbThreshold, int MinFaceSize, double MinQuality)
{
    /// <summary>The query or form parameter naming the subject.</summary>
    public const string SubjectName = "subject";

    /// <summary>
    /// Add's binding: Java declares the file part, then <c>subject</c> (33 when absent), then <c>det_prob_threshold</c>
    /// (26 when it does not parse), and validates <c>@NotBlank subject</c> after all of them; the JSON variant
    /// declares its parameters before the body, and the multipart handler declares no content type.
    /// </summary>
    public static ImageBinding<AddFaceParameters> Binding { get; } = new(Read)
    {
        Validate = static p =>
        {
            if (string.IsNullOrWhiteSpace(p.Subject))
            {
                throw ApiErrors.Validation("Subject name is empty; ");
            }

            // CompreFace stores any length here; the bound of POST /subjects applies, so an add cannot store a
            // 5,000-character subject (docs/decisions/0024, docs/compatibility.md).
            if (p.Subject.Length > SubjectNames.MaxLength)
            {
                throw ApiErrors.Validation($"Subject name size must be between 1 and {SubjectNames.MaxLength}; ");
            }

            SubjectNames.RequireStorable(p.Subject);
        },
        ParametersBeforeBody = true,
        AnyTypeIsMultipart = true,
    };

    private static AddFaceParameters Read(RequestParameters parameters)
    {
        var subject = parameters.GetRawString(SubjectName) ?? throw ApiErrors.MissingParameter(SubjectName);
        var threshold = parameters.GetDouble(FaceRequestParameters.DetProbThresholdName);
        var (minFaceSize, minQuality) = FaceRequestParameters.ParseQualityGate(parameters);
        return new AddFaceParameters(subject, threshold, minFaceSize, minQuality);
    }
}
