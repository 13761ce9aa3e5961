using System.Diagnostics;
using System.Text.RegularExpressions;
using OpenTelemetry;

namespace CompreFace.Silo.Observability;

/// <summary>
/// Orleans names the grain of every call in its spans (<c>orleans.rpc.target_id</c>, <c>orleans.grain.id</c>, …), and
/// three grains are keyed by what must not leave the node: an API key (<c>apikey/…</c>), an email (<c>login/…</c>) and a
/// client address (<c>unknownemaillogin/…</c>). Before a span is exported their keys are replaced by <c>redacted</c>;
/// the grain type and the method stay.
/// </summary>
public sealed partial class GrainKeyRedaction : BaseProcessor<Activity>
{
    private const string Replacement = "$1/redacted";

    /// <inheritdoc />
    public override void OnEnd(Activity data)
    {
        ArgumentNullException.ThrowIfNull(data);
        List<KeyValuePair<string, string>>? changes = null;
        foreach (var (key, value) in data.TagObjects)
        {
            if (value is string text && SecretKeyedGrain().IsMatch(text))
            {
                (changes ??= []).Add(new(key, SecretKeyedGrain().Replace(text, Replacement)));
            }
        }

        foreach (var (key, value) in changes ?? [])
        {
            data.SetTag(key, value);
        }
    }

    /// <summary>A grain id of the API key, login or unknown-email login grain: its type, a slash and its key.</summary>
    [GeneratedRegex(@"\b(apikey|login|unknownemaillogin)/[^\s,\]\)]+", RegexOptions.CultureInvariant)]
    private static partial Regex SecretKeyedGrain();
}
