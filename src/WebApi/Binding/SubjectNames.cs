using System.Text;
using System.Text.Json;

namespace CompreFace.WebApi.Binding;

/// <summary>
/// Subject names in request bodies (docs/compreface-behaviour.md#subjects): not blank (code 26), 1–50 characters (code 26), none of
/// <c>;</c> <c>/</c> <c>\</c> (code 36). The add-example parameter checks blankness and the length; delete-by-subject only blankness.
/// </summary>
public static class SubjectNames
{
    /// <summary>Longest accepted name.</summary>
    public const int MaxLength = 50;

    /// <summary>The checks of CompreFace's <c>SubjectDto</c>, in the order they are reported.</summary>
    public static string Validate(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw ApiErrors.Validation("Subject name cannot be empty");
        }

        if (name.Length > MaxLength)
        {
            throw ApiErrors.Validation("Subject name size must be between 1 and 50");
        }

        if (name.AsSpan().IndexOfAny(";/\\") >= 0)
        {
            throw ApiErrors.ForbiddenNameCharacters();
        }

        return RequireStorable(name);
    }

    /// <summary>
    /// Refuses (code 26) a name no store can keep as it is: PostgreSQL text has no U+0000 (the SQLite store kept such a name,
    /// PostgreSQL failed the request as an internal error), and an unpaired surrogate has no UTF-8 form. Every other
    /// character, controls included, is stored as CompreFace stores it.
    /// </summary>
    public static string RequireStorable(string name) =>
        IsStorable(name) ? name : throw ApiErrors.Validation("Subject name cannot contain the NUL character or unpaired surrogates; ");

    /// <summary>Whether <paramref name="name"/> is text that both stores keep unchanged (see <see cref="RequireStorable"/>).</summary>
    public static bool IsStorable(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var rest = name.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var consumed) != System.Buffers.OperationStatus.Done || rune.Value == 0)
            {
                return false;
            }

            rest = rest[consumed..];
        }

        return true;
    }

    /// <summary>
    /// The name in a subject body: <c>{"subject":"n"}</c> (extra properties ignored) or, as the .NET SDK's rename
    /// sends it, a bare JSON string <c>"n"</c>. Returns null when the body names no subject; malformed or
    /// <c>null</c> JSON is code 26.
    /// </summary>
    public static async Task<string?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using (var document = await RequestBody.ParseJsonAsync(request, cancellationToken))
        {
            var root = document.RootElement;
            switch (root.ValueKind)
            {
                case JsonValueKind.String:
                    return RequestBody.GetString(root);
                case JsonValueKind.Object:
                    foreach (var property in root.EnumerateObject())
                    {
                        if (property.Name.Equals("subject", StringComparison.OrdinalIgnoreCase))
                        {
                            return property.Value.ValueKind switch
                            {
                                JsonValueKind.String => RequestBody.GetString(property.Value),
                                JsonValueKind.Null => null,
                                _ => throw ApiErrors.InvalidJsonBody(),
                            };
                        }
                    }

                    return null;
                default:
                    throw ApiErrors.InvalidJsonBody();
            }
        }
    }
}
