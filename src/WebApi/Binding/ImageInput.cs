using System.Buffers;
using System.Collections.Frozen;

namespace CompreFace.WebApi.Binding;

/// <summary>
/// Turns uploads into image bytes with CompreFace's checks (docs/compreface-behaviour.md#image-input): the multipart part must exist (code 34) and
/// carry an image extension (code 21) and fit <see cref="ApiOptions.MaxFileSize"/> (code 0); a base64 field must be
/// present (code 5) and be base64 (code 21). No content sniffing: decodability is the worker's call (code 28).
/// </summary>
public static class ImageInput
{
    private static readonly FrozenSet<string> Extensions =
        FrozenSet.Create(StringComparer.Ordinal, "tif", "tiff", "jpg", "jpeg", "png", "bmp", "ico", "gif", "webp");

    private static readonly SearchValues<char> Base64Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");

    /// <summary>The file part <paramref name="name"/>, or code 34 when the request has none.</summary>
    public static IFormFile GetPart(IFormCollection form, string name)
    {
        ArgumentNullException.ThrowIfNull(form);
        return form.Files.GetFile(name) ?? throw ApiErrors.MissingPart(name);
    }

    /// <summary>Checks the file name and size of <paramref name="file"/> and reads its bytes.</summary>
    public static async Task<byte[]> ReadFileAsync(IFormFile file, long maxFileSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!HasImageExtension(file.FileName))
        {
            throw ApiErrors.UnavailableExtension(file.FileName);
        }

        if (file.Length > maxFileSize)
        {
            throw ApiErrors.FileTooLarge(maxFileSize);
        }

        var bytes = new byte[file.Length];
        await using var stream = file.OpenReadStream();
        await stream.ReadExactlyAsync(bytes, cancellationToken);
        return bytes;
    }

    /// <summary>Whether the text after the last '.' of the lower-cased name is an accepted image extension.</summary>
    public static bool HasImageExtension(string? fileName)
    {
        if (string.IsNullOrEmpty(fileName))
        {
            return false;
        }

        var dot = fileName.LastIndexOf('.');
        return dot >= 0 && Extensions.Contains(fileName[(dot + 1)..].ToLowerInvariant());
    }

    /// <summary>
    /// Decodes a base64 field: null → code 5 naming <paramref name="javaField"/>; characters outside the alphabet
    /// (URL-safe <c>-_</c> allowed, whitespace ignored, missing padding tolerated) → code 21.
    /// </summary>
    public static byte[] DecodeBase64(string? value, string javaField)
    {
        if (value is null)
        {
            throw ApiErrors.FieldEmpty(javaField);
        }

        return TryDecodeBase64(value, out var bytes) ? bytes : throw ApiErrors.NotBase64();
    }

    /// <summary>Lenient base64 decoding (standard or URL-safe alphabet, whitespace ignored, optional padding).</summary>
    public static bool TryDecodeBase64(string value, out byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(value);
        bytes = [];
        var buffer = new char[value.Length + 3];
        var length = 0;
        var padding = 0;
        foreach (var c in value)
        {
            if (char.IsWhiteSpace(c))
            {
                continue;
            }

            if (c == '=')
            {
                padding++;
                continue;
            }

            // Padding only at the end.
            if (padding > 0)
            {
                return false;
            }

            var mapped = c switch
            {
                '-' => '+',
                '_' => '/',
                _ => c,
            };
            if (!Base64Alphabet.Contains(mapped))
            {
                return false;
            }

            buffer[length++] = mapped;
        }

        if (padding > 2 || length % 4 == 1)
        {
            return false;
        }

        while (length % 4 != 0)
        {
            buffer[length++] = '=';
        }

        bytes = Convert.FromBase64CharArray(buffer, 0, length);
        return true;
    }
}
