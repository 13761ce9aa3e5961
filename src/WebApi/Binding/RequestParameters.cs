using System.Globalization;
using System.Numerics;
using Microsoft.Extensions.Primitives;

namespace CompreFace.WebApi.Binding;

/// <summary>
/// Spring <c>@RequestParam</c> semantics over ASP.NET: a parameter's values are those of the query followed by those of
/// the multipart form fields (docs/compreface-behaviour.md#conventions); an empty value counts as absent; values that
/// don't parse are 400 code 26.
/// Repeated query parameters were already joined with commas by the normalisation middleware; repeated form fields
/// are joined here.
/// </summary>
public sealed class RequestParameters
{
    private readonly IQueryCollection _query;
    private readonly IFormCollection? _form;

    private RequestParameters(IQueryCollection query, IFormCollection? form)
    {
        _query = query;
        _form = form;
    }

    /// <summary>Parameters of <paramref name="request"/>; pass the form when the body was multipart.</summary>
    public static RequestParameters From(HttpRequest request, IFormCollection? form = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new RequestParameters(request.Query, form);
    }

    /// <summary>The raw value, or null when absent or empty.</summary>
    public string? GetString(string name) => GetRawString(name) is { Length: > 0 } value ? value : null;

    /// <summary>
    /// The raw value with Spring's view of presence: null only when the parameter is absent, <c>""</c> when it is
    /// present but empty (<c>?subject=</c>), which required parameters accept and then validate. A parameter sent in
    /// the query and in the form is both, query first, joined with a comma, as Spring joins repeated values.
    /// </summary>
    public string? GetRawString(string name)
    {
        var fromQuery = _query.TryGetValue(name, out var queryValues) && queryValues.Count > 0 ? queryValues : StringValues.Empty;
        var fromForm = _form is not null && _form.TryGetValue(name, out var formValues) && formValues.Count > 0 ? formValues : StringValues.Empty;
        return (fromQuery.Count, fromForm.Count) switch
        {
            (0, 0) => null,
            _ => string.Join(',', StringValues.Concat(fromQuery, fromForm).ToArray()),
        };
    }

    /// <summary>An integer parameter, or <paramref name="defaultValue"/> when absent; code 26 when not an integer.</summary>
    public int GetInt32(string name, int defaultValue) => GetNumber<int>(name, NumberStyles.AllowLeadingSign) ?? defaultValue;

    /// <summary>A floating-point parameter, or null when absent; code 26 when not a number (<c>0,8</c> included).</summary>
    public double? GetDouble(string name) => GetNumber<double>(name, NumberStyles.Float);

    // A number in the invariant culture (surrounding white space ignored), or null when absent; code 26 otherwise.
    private T? GetNumber<T>(string name, NumberStyles styles)
        where T : struct, INumberBase<T>
    {
        var raw = GetString(name);
        if (raw is null)
        {
            return null;
        }

        return T.TryParse(raw.Trim(), styles, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw ApiErrors.InvalidParameter(name, raw);
    }

    /// <summary>A boolean parameter (<c>true/false/on/off/yes/no/1/0</c>, any case), or <paramref name="defaultValue"/>.</summary>
    public bool GetBoolean(string name, bool defaultValue)
    {
        var raw = GetString(name);
        if (raw is null)
        {
            return defaultValue;
        }

        return TryParseBoolean(raw, out var value) ? value : throw ApiErrors.InvalidParameter(name, raw);
    }

    /// <summary>Spring's <c>StringToBooleanConverter</c> vocabulary, case-insensitive.</summary>
    public static bool TryParseBoolean(string raw, out bool value)
    {
        ArgumentNullException.ThrowIfNull(raw);
        switch (raw.Trim().ToLowerInvariant())
        {
            case "true" or "on" or "yes" or "1":
                value = true;
                return true;
            case "false" or "off" or "no" or "0":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }
}
