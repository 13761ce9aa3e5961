using System.Formats.Tar;

namespace CompreFace.WebApi.Transfer;

/// <summary>Reading the tar archives of export/import and bulk enrolment: one place that turns a damaged archive into an answer.</summary>
internal static class TarEntries
{
    /// <summary>
    /// Every entry of <paramref name="reader"/> in order (its data readable until the next one is asked for); an archive
    /// that cannot be read becomes <paramref name="unreadable"/>'s exception (a 400 for the client, not a 500).
    /// </summary>
    public static async IAsyncEnumerable<TarEntry> ReadAsync(
        TarReader reader, Func<Exception, Exception> unreadable, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            TarEntry? entry;
            try
            {
                entry = await reader.GetNextEntryAsync(copyData: false, cancellationToken);
            }
            catch (Exception exception) when (exception is InvalidDataException or FormatException or EndOfStreamException)
            {
                throw unreadable(exception);
            }

            if (entry is null)
            {
                yield break;
            }

            yield return entry;
        }
    }

    /// <summary>Whether <paramref name="entry"/> holds a file (directories and pax/GNU metadata entries carry nothing of ours).</summary>
    public static bool IsFile(TarEntry entry) => entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile;
}
