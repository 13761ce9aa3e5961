using System.IO.Compression;

namespace CompreFace.Testing;

/// <summary>Bulk-enrolment uploads built in memory: a zip of the given entries, stored as they are.</summary>
internal static class TestArchives
{
    /// <summary>A zip whose entries are <paramref name="files"/> (name → bytes), in their order, uncompressed.</summary>
    public static byte[] Zip(IEnumerable<KeyValuePair<string, byte[]>> files)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in files)
            {
                using var entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                entry.Write(bytes);
            }
        }

        return output.ToArray();
    }
}
