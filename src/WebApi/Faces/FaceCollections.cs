namespace CompreFace.WebApi.Faces;

/// <summary>
/// The recognition service's face collection as the endpoints use it: grain references keyed by the service id, and
/// the collection's cosine matches turned into CompreFace similarities with the coefficients of the calculator that
/// computed the queries.
/// </summary>
public static class FaceCollections
{
    /// <summary>The examples of <paramref name="service"/>.</summary>
    public static IFaceCollectionGrain Faces(IGrainFactory grains, FaceServiceInfo service)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(service);
        return grains.GetGrain<IFaceCollectionGrain>(service.ServiceId);
    }

    /// <summary>The subjects of <paramref name="service"/> (same activation as <see cref="Faces"/>).</summary>
    public static ISubjectCatalogGrain Subjects(IGrainFactory grains, FaceServiceInfo service)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(service);
        return grains.GetGrain<ISubjectCatalogGrain>(service.ServiceId);
    }

    /// <summary>
    /// The stored example <paramref name="imageId"/> of the call's service, for the verify endpoints: one not in this
    /// collection is 404 code 44.
    /// </summary>
    public static async Task<StoredFace> GetStoredFaceAsync(FaceServiceCall call, Guid imageId) =>
        await Faces(call.Grains, call.Service).GetFaceAsync(imageId, call.CancellationToken) ?? throw ApiErrors.ImageIdIncorrect();

    /// <summary>
    /// An image id from a path: a UUID, or 400 code 26 (Java answers 400 with an empty body; docs/compreface-behaviour.md#conventions recommends
    /// code 26 because the Python SDK reads every body as JSON).
    /// </summary>
    public static Guid ParseImageId(string? value, string name = "image_id") =>
        Guid.TryParse(value, out var id) ? id : throw ApiErrors.InvalidUuid(name, value ?? string.Empty);

    /// <summary>
    /// Searches the collection for every query and maps each match to <c>{"subject","similarity"}</c>, highest first.
    /// <see cref="RecognitionParameters.UniqueSubjects"/> asks the collection for one match per subject;
    /// <see cref="RecognitionParameters.SimilarityThreshold"/> drops the matches below it. Because the matches arrive
    /// sorted, filtering the top <c>prediction_count</c> gives the top <c>prediction_count</c> above the threshold.
    /// In a cluster (<paramref name="standbyAfter"/> set) a search the collection grain has not answered by then is
    /// asked of the collection's standby as well, and the first answer wins (docs/decisions/0026).
    /// </summary>
    public static async Task<IReadOnlyList<IReadOnlyList<SubjectSimilarityDto>>> RecognizeAsync(
        IGrainFactory grains,
        FaceServiceInfo service,
        IReadOnlyList<float[]> queries,
        RecognitionParameters parameters,
        CalculatorIdentity calculator,
        CancellationToken cancellationToken,
        TimeSpan? standbyAfter = null,
        bool anyModel = false)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(calculator);
        var search = new FaceSearch
        {
            Embeddings = queries,
            Calculator = calculator.Version,
            Count = parameters.PredictionCount,
            PerSubject = parameters.UniqueSubjects,
            AnyModel = anyModel,
        };
        var matches = standbyAfter is { } after
            ? await HedgedAsync(
                () => Faces(grains, service).SearchAsync(search, cancellationToken),
                () => grains.GetGrain<IFaceCollectionStandbyGrain>(service.ServiceId).SearchAsync(search, cancellationToken),
                after,
                cancellationToken)
            : await Faces(grains, service).SearchAsync(search, cancellationToken);
        if (matches.Count != queries.Count)
        {
            throw new InvalidOperationException($"The collection answered {matches.Count} result lists for {queries.Count} queries.");
        }

        var results = new IReadOnlyList<SubjectSimilarityDto>[queries.Count];
        for (var i = 0; i < results.Length; i++)
        {
            var list = new List<SubjectSimilarityDto>(matches[i].Count);
            foreach (var match in matches[i])
            {
                var similarity = Similarity.FromCosine(match.Cosine, calculator);
                if (parameters.SimilarityThreshold is { } threshold && similarity < threshold)
                {
                    continue;
                }

                list.Add(new SubjectSimilarityDto(match.Subject, similarity));
                if (list.Count == parameters.PredictionCount)
                {
                    break;
                }
            }

            results[i] = list;
        }

        NotifyWebhooks(grains, service, matches, calculator);
        return results;
    }

    /// <summary>
    /// Reports each face's best match to the service's hooks that opted in to <c>recognition.matched</c>
    /// (docs/decisions/0029-webhooks.md). Not awaited: the answer never waits on webhook bookkeeping.
    /// </summary>
    private static void NotifyWebhooks(IGrainFactory grains, FaceServiceInfo service, IReadOnlyList<IReadOnlyList<FaceMatch>> matches, CalculatorIdentity calculator)
    {
        var best = matches.Where(static m => m.Count > 0)
            .Select(m => new RecognitionMatch(m[0].Subject, Similarity.FromCosine(m[0].Cosine, calculator), m[0].ImageId))
            .ToArray();
        if (best.Length > 0)
        {
            grains.GetGrain<IServiceWebhooksGrain>(service.ServiceId).NotifyRecognitionAsync(best, CancellationToken.None).Ignore();
        }
    }

    /// <summary>
    /// The answer of <paramref name="startPrimary"/>'s call if it comes within <paramref name="after"/> (or its failure:
    /// a failure that came that fast is not a dead silo, which the retries would still be waiting out); otherwise the
    /// first successful answer of that call and <paramref name="startStandby"/>'s, started then.
    /// </summary>
    private static async Task<T> HedgedAsync<T>(Func<Task<T>> startPrimary, Func<Task<T>> startStandby, TimeSpan after, CancellationToken cancellationToken)
    {
        var primary = startPrimary();
        if (await Task.WhenAny(primary, Task.Delay(after, cancellationToken)) == primary)
        {
            return await primary;
        }

        var second = startStandby();
        var first = await Task.WhenAny(primary, second);
        if (first.IsCompletedSuccessfully)
        {
            (first == primary ? second : primary).Ignore();
            return await first;
        }

        var other = first == primary ? second : primary;
        if (await Task.WhenAny(other) is { IsCompletedSuccessfully: true })
        {
            return await other;
        }

        // Both failed: the collection grain's failure is the one to report.
        second.Ignore();
        return await primary;
    }
}
