namespace CompreFace.Grains.Interfaces;

/// <summary>One page of a collection's examples for an export (docs/export-format.md), in insertion order.</summary>
/// <param name="Faces">The examples of the page.</param>
/// <param name="NextSeq">Where the next page starts (pass it back as <c>afterSeq</c>); the page is the last when <paramref name="Faces"/> is empty.</param>
[GenerateSerializer, Immutable, Alias("CompreFace.ExportPage")]
public sealed record ExportPage(IReadOnlyList<TransferFace> Faces, long NextSeq);

/// <summary>An example as it travels in an export or an import: its id, subject name, model, vector and optional image.</summary>
/// <param name="ImageId">The example's id (in an export, the source's; in an import, the id the target stores it under).</param>
/// <param name="Subject">Its subject's name.</param>
/// <param name="Calculator">The model version that computed the vector.</param>
/// <param name="Embedding">The L2-normalised vector.</param>
/// <param name="Image">The original photo, when exported with images and stored.</param>
/// <param name="AlsoCalculator">While the collection is re-embedded: the target model of <paramref name="AlsoEmbedding"/>.</param>
/// <param name="AlsoEmbedding">While the collection is re-embedded: the example's vector of the target model, so the re-embedding need not compute it.</param>
[GenerateSerializer, Immutable, Alias("CompreFace.TransferFace")]
public sealed record TransferFace(
    Guid ImageId,
    string Subject,
    string Calculator,
    float[] Embedding,
    byte[]? Image,
    string? AlsoCalculator = null,
    float[]? AlsoEmbedding = null);

/// <summary>What one import batch did.</summary>
/// <param name="SubjectsCreated">Subjects that did not exist (compared case-insensitively) and were created.</param>
/// <param name="FacesAdded">Examples stored.</param>
/// <param name="FacesExisting">Examples whose id was already stored (a repeated import): skipped.</param>
/// <param name="Added">The ids of the examples stored (what a cancelled import removes again).</param>
/// <param name="Created">The names of the subjects created.</param>
[GenerateSerializer, Immutable, Alias("CompreFace.ImportOutcome")]
public sealed record ImportOutcome(
    int SubjectsCreated, int FacesAdded, int FacesExisting, IReadOnlyList<Guid>? Added = null, IReadOnlyList<string>? Created = null);

/// <summary>Deterministic ids, so that repeating an import or an enrolment stores nothing twice.</summary>
public static class TransferIds
{
    /// <summary>
    /// A name-based (version 5 style, SHA-1) id of <paramref name="parts"/> inside <paramref name="scope"/>: the same
    /// inputs always give the same id, different scopes (target collections) never collide in practice.
    /// </summary>
    public static Guid Derive(Guid scope, params ReadOnlySpan<string> parts)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA1);
        Span<byte> buffer = stackalloc byte[16];
        scope.TryWriteBytes(buffer, bigEndian: true, out _);
        hash.AppendData(buffer);
        foreach (var part in parts)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(part));
            hash.AppendData([0]);
        }

        Span<byte> digest = stackalloc byte[20];
        hash.GetHashAndReset(digest);
        digest[6] = (byte)((digest[6] & 0x0F) | 0x50);
        digest[8] = (byte)((digest[8] & 0x3F) | 0x80);
        return new Guid(digest[..16], bigEndian: true);
    }
}
