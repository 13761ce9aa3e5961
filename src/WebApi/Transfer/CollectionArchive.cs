using System.Buffers;
using System.Formats.Tar;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CompreFace.WebApi.Transfer;

/// <summary>
/// The collection archive, version 1 (docs/export-format.md): a POSIX tar of <c>manifest.json</c>, chunks of subjects
/// and examples as NDJSON, each example's image right after its chunk, and <c>end.json</c> with the counts, whose
/// absence marks a cut-off archive. Every entry is small and written as soon as it is complete, so neither end ever
/// holds more than one chunk.
/// </summary>
public static class CollectionArchive
{
    /// <summary>The <c>format</c> of the manifest.</summary>
    public const string Format = "compreface-collection";

    /// <summary>The version this node writes and reads.</summary>
    public const int Version = 1;

    /// <summary>The archive's media type.</summary>
    public const string ContentType = "application/x-tar";

    /// <summary>Most examples in one <c>faces/</c> chunk (and subjects in one <c>subjects/</c> chunk).</summary>
    public const int MaxChunkItems = 1000;

    /// <summary>Largest NDJSON chunk accepted on import (1000 lines of a 4096-d vector fit easily).</summary>
    public const int MaxChunkBytes = 64 * 1024 * 1024;

    /// <summary>Entry names.</summary>
    public const string ManifestEntry = "manifest.json";

    /// <summary>The last entry.</summary>
    public const string EndEntry = "end.json";

    /// <summary>Prefix of subject chunks (<c>subjects/000001.ndjson</c>).</summary>
    public const string SubjectsPrefix = "subjects/";

    /// <summary>Prefix of example chunks (<c>faces/000001.ndjson</c>).</summary>
    public const string FacesPrefix = "faces/";

    /// <summary>Prefix of images (<c>images/{id}</c>, the example's id in the archive).</summary>
    public const string ImagesPrefix = "images/";

    internal static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The chunk's entry name.</summary>
    public static string ChunkName(string prefix, int number) => string.Create(CultureInfo.InvariantCulture, $"{prefix}{number:D6}.ndjson");

    /// <summary>A vector as the archive carries it: base64 of its float32 values, little-endian.</summary>
    public static string EncodeVector(float[] vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Big-endian hosts are not supported.");
        }

        return Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan()));
    }

    /// <summary>The vector of <see cref="EncodeVector"/>, or null when it is not whole float32 values.</summary>
    public static float[]? DecodeVector(string? base64)
    {
        if (string.IsNullOrEmpty(base64))
        {
            return null;
        }

        var bytes = ArrayPool<byte>.Shared.Rent(base64.Length);
        try
        {
            if (!Convert.TryFromBase64String(base64, bytes, out var length) || length == 0 || length % sizeof(float) != 0)
            {
                return null;
            }

            var vector = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, length)).ToArray();
            return vector.All(float.IsFinite) ? vector : null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Writes one entry from bytes.</summary>
    public static async Task WriteEntryAsync(TarWriter tar, string name, ReadOnlyMemory<byte> content, DateTimeOffset time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tar);
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { ModificationTime = time, Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead };
        using var stream = new MemoryStream(content.Length);
        stream.Write(content.Span);
        stream.Position = 0;
        entry.DataStream = stream;
        await tar.WriteEntryAsync(entry, cancellationToken);
    }
}

/// <summary><c>manifest.json</c>.</summary>
public sealed record ArchiveManifest(string Format, int Version, DateTimeOffset CreatedAt, string? Service, bool Images, string? Calculator);

/// <summary>One line of a <c>subjects/</c> chunk.</summary>
public sealed record ArchiveSubject(string? Subject);

/// <summary>One line of a <c>faces/</c> chunk: id, subject, model, vector (base64 float32 LE) and the image's entry name, if any.</summary>
public sealed record ArchiveFace(Guid Id, string? Subject, string? Calculator, string? Embedding, string? Image);

/// <summary><c>end.json</c>: what the archive holds.</summary>
public sealed record ArchiveEnd(long Subjects, long Faces, long Images);
