using System.Text.Json;

namespace CompreFace.WebApi.Faces;

/// <summary>
/// The one place where the worker's model facts (<see cref="FaceAnalysisResult"/>) become CompreFace's response shapes
/// (docs/compreface-behaviour.md#face-object): boxes rounded and clamped to the image, points rounded, plugin fields
/// only when requested, <c>execution_time</c> per face and <c>plugins_versions</c> only with <c>status=true</c>, the
/// box probability rounded everywhere but in detect. Every image endpoint answers through one method here.
/// </summary>
public static class FaceMapper
{
    /// <summary><c>POST /detection/detect</c>: every face, probability unrounded.</summary>
    public static DetectionResponse Detection(FaceAnalysisResult result, FaceRequestParameters parameters)
    {
        var faces = new FaceDto[Count(result)];
        for (var i = 0; i < faces.Length; i++)
        {
            faces[i] = Face(result, i, parameters, roundProbability: false);
        }

        return new DetectionResponse(faces, PluginsVersions(result, parameters));
    }

    /// <summary><c>POST /recognition/recognize</c>: every face with its matches (<paramref name="matches"/>[i] for face i).</summary>
    public static RecognitionResponse Recognition(
        FaceAnalysisResult result, FaceRequestParameters parameters, IReadOnlyList<IReadOnlyList<SubjectSimilarityDto>> matches)
    {
        ArgumentNullException.ThrowIfNull(matches);
        var faces = new RecognizedFaceDto[Count(result)];
        for (var i = 0; i < faces.Length; i++)
        {
            faces[i] = new RecognizedFaceDto(Face(result, i, parameters, roundProbability: true), matches[i]);
        }

        return new RecognitionResponse(faces, PluginsVersions(result, parameters));
    }

    /// <summary>
    /// <c>POST /verification/verify</c>: the one source face and every target face with its similarity to it, scored
    /// with the calculator that embedded the source; <c>plugins_versions</c> are the source's.
    /// </summary>
    public static VerificationResponse Verification(FaceAnalysisResult source, FaceAnalysisResult target, FaceRequestParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(source);
        var calculator = FaceAnalyzer.CalculatorOf(source);
        var sourceEmbedding = EmbeddingOf(source.Faces[0]);
        var matches = new FaceMatchDto[Count(target)];
        for (var i = 0; i < matches.Length; i++)
        {
            matches[i] = new FaceMatchDto(
                Face(target, i, parameters, roundProbability: true),
                Similarity.Compute(sourceEmbedding, EmbeddingOf(target.Faces[i]), calculator));
        }

        var element = new VerificationResultDto(Face(source, 0, parameters, roundProbability: true), matches, PluginsVersions(source, parameters));
        return new VerificationResponse([element]);
    }

    /// <summary><c>POST /recognition/faces/{image_id}/verify</c>: every face with its similarity to the stored example.</summary>
    public static FaceVerificationResponse FaceVerification(FaceAnalysisResult result, FaceRequestParameters parameters, StoredFace stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var calculator = FaceAnalyzer.CalculatorOf(result);
        var faces = new VerifiedFaceDto[Count(result)];
        for (var i = 0; i < faces.Length; i++)
        {
            faces[i] = new VerifiedFaceDto(
                Face(result, i, parameters, roundProbability: true),
                stored.Subject,
                Similarity.Compute(EmbeddingOf(result.Faces[i]), stored.Embedding, calculator));
        }

        return new FaceVerificationResponse(faces, PluginsVersions(result, parameters));
    }

    /// <summary><c>POST /recognition/faces</c>: the new example's id and its subject as sent.</summary>
    public static FaceRefDto AddedFace(Guid imageId, string subject) => new(imageId, subject);

    /// <summary><c>POST /recognition/embeddings/recognize</c>: each query vector, echoed as sent, with its matches.</summary>
    public static EmbeddingRecognitionResponse EmbeddingRecognition(
        IReadOnlyList<double[]> embeddings, IReadOnlyList<IReadOnlyList<SubjectSimilarityDto>> matches)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(matches);
        var result = new EmbeddingRecognitionDto[embeddings.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = new EmbeddingRecognitionDto(embeddings[i], matches[i]);
        }

        return new EmbeddingRecognitionResponse(result);
    }

    /// <summary>
    /// Both embedding verifications (<c>/verification/embeddings/verify</c>, <c>/recognition/embeddings/faces/{id}/verify</c>):
    /// each vector, echoed as sent, with its similarity to <paramref name="reference"/>, highest first.
    /// </summary>
    public static EmbeddingVerificationResponse EmbeddingVerification(
        IEnumerable<double[]> embeddings, double[] reference, CalculatorIdentity calculator) => new(
            [.. embeddings
                .Select(embedding => new EmbeddingSimilarityDto(embedding, Similarity.Compute(embedding, reference, calculator)))
                .OrderByDescending(static r => r.Similarity)]);

    /// <summary>The raw embedding of a face analysed for one; the worker always returns it when asked.</summary>
    public static float[] EmbeddingOf(FaceData face)
    {
        ArgumentNullException.ThrowIfNull(face);
        return face.Embedding ?? throw new InvalidOperationException("The worker returned a face without the embedding it was asked for.");
    }

    /// <summary>One face in CompreFace's presentation; <paramref name="roundProbability"/> is false only for detect.</summary>
    private static FaceDto Face(FaceAnalysisResult result, int index, FaceRequestParameters parameters, bool roundProbability)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var face = result.Faces[index];
        return new FaceDto
        {
            Box = Box(face.Box, result, roundProbability),
            Plugins = Plugins(face, parameters.Plugins),
            Embedding = parameters.Plugins.Calculator ? face.Embedding : null,
            ExecutionTime = parameters.Status ? ExecutionTime(result) : null,
        };
    }

    /// <summary>
    /// The face's plugin keys: every requested plugin the worker ran, in the worker's order (a worker may compute more,
    /// e.g. gender with age), then <c>landmarks</c>: a landmark plugin's points replace the five under that key, as
    /// CompreFace's <c>landmarks2d106</c> does, else the detector's five when <c>landmarks</c> was asked for.
    /// </summary>
    private static List<PluginValue> Plugins(FaceData face, FacePlugins requested)
    {
        var keys = new List<PluginValue>(face.Plugins.Count + 1);
        PluginValue? landmarks = null;
        foreach (var plugin in face.Plugins)
        {
            if (!requested.Slugs.Contains(plugin.Slug))
            {
                continue;
            }

            if (IsLandmarkPlugin(plugin.Slug))
            {
                landmarks = plugin with { Slug = "landmarks" };
            }
            else
            {
                keys.Add(plugin);
            }
        }

        if (landmarks is null && requested.Landmarks)
        {
            landmarks = new PluginValue("landmarks", JsonSerializer.SerializeToUtf8Bytes(Points(face.Landmarks)));
        }

        if (landmarks is not null)
        {
            keys.Add(landmarks);
        }

        return keys;
    }

    /// <summary>
    /// <c>execution_time</c> of one face: the image's stage times shared equally among its faces, as CompreFace reports
    /// them; <c>calculator</c> only when embeddings were computed; landmark plugins' times are dropped.
    /// </summary>
    private static Dictionary<string, double> ExecutionTime(FaceAnalysisResult result)
    {
        var count = Math.Max(1, result.Faces.Count);
        var times = new Dictionary<string, double>(2) { ["detector"] = result.Timings.DetectMs / count };
        if (result.Calculator is not null)
        {
            times["calculator"] = result.Timings.EmbedMs / count;
        }

        foreach (var (slug, ms) in result.Timings.PluginsMs)
        {
            if (!IsLandmarkPlugin(slug))
            {
                times[slug] = ms / count;
            }
        }

        return times;
    }

    /// <summary>
    /// <c>plugins_versions</c> when <c>status=true</c>, else null (omitted): the detector, the calculator when embeddings
    /// were computed, and every other plugin that ran except the landmark plugins, as in CompreFace.
    /// </summary>
    private static Dictionary<string, string>? PluginsVersions(FaceAnalysisResult result, FaceRequestParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!parameters.Status)
        {
            return null;
        }

        var versions = new Dictionary<string, string>(2) { ["detector"] = result.DetectorVersion };
        if (result.Calculator is { } calculator)
        {
            versions["calculator"] = calculator.Version;
        }

        foreach (var (slug, version) in result.PluginVersions)
        {
            if (!IsLandmarkPlugin(slug))
            {
                versions[slug] = version;
            }
        }

        return versions;
    }

    private static bool IsLandmarkPlugin(string slug) => slug.StartsWith("landmarks", StringComparison.Ordinal);

    private static int Count(FaceAnalysisResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Faces.Count;
    }

    // Rounded to whole pixels and clamped to the picture; CompreFace's key order is x_max, y_max, x_min, y_min.
    private static BoxDto Box(FaceBox box, FaceAnalysisResult result, bool roundProbability) => new(
        roundProbability ? Similarity.RoundHalfUp(box.Probability) : box.Probability,
        Math.Clamp((int)Math.Round(box.XMax), 0, result.Width),
        Math.Clamp((int)Math.Round(box.YMax), 0, result.Height),
        Math.Clamp((int)Math.Round(box.XMin), 0, result.Width),
        Math.Clamp((int)Math.Round(box.YMin), 0, result.Height));

    private static int[][] Points(IReadOnlyList<FacePoint> points)
    {
        var rounded = new int[points.Count][];
        for (var i = 0; i < rounded.Length; i++)
        {
            rounded[i] = [(int)Math.Round(points[i].X), (int)Math.Round(points[i].Y)];
        }

        return rounded;
    }
}
