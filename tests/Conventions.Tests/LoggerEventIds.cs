using System.Text.RegularExpressions;

namespace CompreFace.Conventions.Tests;

/// <summary>
/// Every <c>[LoggerMessage]</c> in the product names its event id, and no two share one: operators filter and alert on
/// ids, so a duplicate makes two different events indistinguishable. Read from the source (one scan covers every
/// assembly, also those no test references).
/// </summary>
public static partial class LoggerEventIds
{
    /// <summary>One violation per line: a missing id, or an id used more than once (listing every place).</summary>
    public static IReadOnlyList<string> FindViolations(IEnumerable<SourceFile> files)
    {
        var violations = new List<string>();
        var places = new Dictionary<int, List<string>>();
        foreach (var file in files)
        {
            foreach (Match attribute in LoggerMessage().Matches(file.Text))
            {
                var where = $"{file.Path}:{LineOf(file.Text, attribute.Index)}";
                var id = EventId().Match(attribute.Groups["args"].Value);
                if (!id.Success)
                {
                    violations.Add($"{where}: [LoggerMessage] without an EventId");
                    continue;
                }

                var value = int.Parse(id.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture);
                if (!places.TryGetValue(value, out var list))
                {
                    places[value] = list = [];
                }

                list.Add(where);
            }
        }

        violations.AddRange(places.Where(p => p.Value.Count > 1).OrderBy(p => p.Key)
            .Select(p => $"EventId {p.Key} is used {p.Value.Count} times: {string.Join(", ", p.Value)}"));
        return violations;
    }

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    [GeneratedRegex(@"\[LoggerMessage\((?<args>[^\]]*)\)\]")]
    private static partial Regex LoggerMessage();

    // Named (EventId = 12) or positional (the first argument of the (int eventId, LogLevel, string) constructor).
    [GeneratedRegex(@"(?:\bEventId\s*=\s*|^\s*)(?<id>\d+)\b")]
    private static partial Regex EventId();
}
