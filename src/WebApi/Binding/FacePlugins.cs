namespace CompreFace.WebApi.Binding;

/// <summary>
/// <c>face_plugins</c>: split on commas and/or whitespace, lower-cased, unknown slugs kept for the worker to ignore.
/// </summary>
/// <param name="Slugs">Distinct slugs in request order.</param>
/// <param name="Landmarks">Whether the <c>landmarks</c> plugin was asked for.</param>
/// <param name="Calculator">Whether the raw string contains <c>calculator</c> (CompreFace tests the substring).</param>
public sealed record FacePlugins(IReadOnlyList<string> Slugs, bool Landmarks, bool Calculator)
{
    private static readonly char[] Separators = [',', ' ', '\t', '\r', '\n'];

    /// <summary>No plugins.</summary>
    public static FacePlugins None { get; } = new([], false, false);

    /// <summary>Parses the raw parameter (null or empty = none).</summary>
    public static FacePlugins Parse(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return None;
        }

        var slugs = raw.Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(static s => s.ToLowerInvariant())
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        return new FacePlugins(
            slugs,
            slugs.Contains("landmarks", StringComparer.Ordinal),
            raw.Contains("calculator", StringComparison.OrdinalIgnoreCase));
    }
}
