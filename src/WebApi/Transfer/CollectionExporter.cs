using System.Formats.Tar;
using System.Text.Json;

namespace CompreFace.WebApi.Transfer;

/// <summary>
/// Writes a recognition service's collection as a <see cref="CollectionArchive"/> to a stream, page by page from the
/// collection grain (keyset pages of the store), so memory stays flat whatever the collection's size: one page of
/// examples (and of their images) at a time. Subject names come from the collection's in-memory list.
/// </summary>
public static class CollectionExporter
{
    /// <summary>Examples per page without images (each ~2.7 KB in the archive).</summary>
    internal const int PageWithoutImages = CollectionArchive.MaxChunkItems;

    /// <summary>Examples per page with images (photos up to the upload limit, 5 MiB by default).</summary>
    internal const int PageWithImages = 20;

    /// <summary>Writes the archive; returns what it holds. <paramref name="written"/> hears the examples written so far after each page.</summary>
    public static async Task<ArchiveEnd> WriteAsync(
        Stream output, IGrainFactory grains, Guid serviceId, string serviceName, bool images, string calculator, TimeProvider time,
        Action<long>? written, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var now = time.GetUtcNow();
        await using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        var manifest = new ArchiveManifest(CollectionArchive.Format, CollectionArchive.Version, now, serviceName, images, calculator);
        await CollectionArchive.WriteEntryAsync(tar, CollectionArchive.ManifestEntry, JsonSerializer.SerializeToUtf8Bytes(manifest, CollectionArchive.Json), now, cancellationToken);

        var subjects = await grains.GetGrain<ISubjectCatalogGrain>(serviceId).ListSubjectsAsync(cancellationToken);
        var chunk = 0;
        using var buffer = new MemoryStream();
        for (var start = 0; start < subjects.Count; start += CollectionArchive.MaxChunkItems)
        {
            buffer.SetLength(0);
            foreach (var name in subjects.Skip(start).Take(CollectionArchive.MaxChunkItems))
            {
                await JsonSerializer.SerializeAsync(buffer, new ArchiveSubject(name), CollectionArchive.Json, cancellationToken);
                buffer.WriteByte((byte)'\n');
            }

            await CollectionArchive.WriteEntryAsync(tar, CollectionArchive.ChunkName(CollectionArchive.SubjectsPrefix, ++chunk), buffer.GetBuffer().AsMemory(0, (int)buffer.Length), now, cancellationToken);
        }

        var collection = grains.GetGrain<IFaceCollectionGrain>(serviceId);
        long faces = 0, imageCount = 0, after = 0;
        chunk = 0;
        while (true)
        {
            var page = await collection.ExportFacesAsync(after, images ? PageWithImages : PageWithoutImages, images, cancellationToken);
            if (page.Faces.Count == 0)
            {
                break;
            }

            after = page.NextSeq;
            buffer.SetLength(0);
            foreach (var face in page.Faces)
            {
                var line = new ArchiveFace(
                    face.ImageId, face.Subject, face.Calculator, CollectionArchive.EncodeVector(face.Embedding),
                    face.Image is { Length: > 0 } ? CollectionArchive.ImagesPrefix + face.ImageId.ToString("D") : null);
                await JsonSerializer.SerializeAsync(buffer, line, CollectionArchive.Json, cancellationToken);
                buffer.WriteByte((byte)'\n');
            }

            await CollectionArchive.WriteEntryAsync(tar, CollectionArchive.ChunkName(CollectionArchive.FacesPrefix, ++chunk), buffer.GetBuffer().AsMemory(0, (int)buffer.Length), now, cancellationToken);
            foreach (var face in page.Faces)
            {
                if (face.Image is { Length: > 0 } image)
                {
                    await CollectionArchive.WriteEntryAsync(tar, CollectionArchive.ImagesPrefix + face.ImageId.ToString("D"), image, now, cancellationToken);
                    imageCount++;
                }
            }

            faces += page.Faces.Count;
            await output.FlushAsync(cancellationToken);
            written?.Invoke(faces);
        }

        var end = new ArchiveEnd(subjects.Count, faces, imageCount);
        await CollectionArchive.WriteEntryAsync(tar, CollectionArchive.EndEntry, JsonSerializer.SerializeToUtf8Bytes(end, CollectionArchive.Json), now, cancellationToken);
        return end;
    }
}
