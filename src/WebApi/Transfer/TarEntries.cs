using System.Formats.Tar;

namespace CompreFace.WebApi.Transfer;

/// <summary>Reading the tar archives of export/import and bulk enrolment: one place that turns a damaged archive into an answer.</summary>
internal static class TarEntries
{
    /// <summary>
    /// Largest pax or GNU metadata entry (long names, extended attributes): <see cref="TarReader"/> allocates a metadata
    /// entry's whole claimed size (up to 2 GB) before reading it, so a 512-byte header could hold that much memory.
    /// </summary>
    public const int MaxMetadataBytes = 1024 * 1024;

    /// <summary>
    /// Every entry of the tar in <paramref name="archive"/> in order (its data readable until the next one is asked for); an
    /// archive that cannot be read, or with a metadata entry over <see cref="MaxMetadataBytes"/>, becomes
    /// <paramref name="unreadable"/>'s exception (a 400 for the client).
    /// </summary>
    public static async IAsyncEnumerable<TarEntry> ReadAsync(
        Stream archive, Func<Exception, Exception> unreadable, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var guard = new MetadataGuard(archive);
        await using var reader = new TarReader(guard, leaveOpen: true);
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

            guard.EntryRead(entry.Length);
            yield return entry;
        }
    }

    /// <summary>Whether <paramref name="entry"/> holds a file (directories and pax/GNU metadata entries carry nothing of ours).</summary>
    public static bool IsFile(TarEntry entry) => entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile;

    /// <summary>
    /// A read-only, forward-only view of a tar that looks at each header before the reader gets it whole: a metadata
    /// header (pax <c>x</c>/<c>g</c>, GNU <c>L</c>/<c>K</c>) claiming more than <see cref="MaxMetadataBytes"/> fails the read.
    /// It follows the archive's layout from the headers it checks (a metadata entry is followed by the next header) and
    /// from the entries the reader returns (the next header follows the entry's data, whose length a pax header may set).
    /// </summary>
    private sealed class MetadataGuard(Stream inner) : Stream
    {
        private const int Block = 512;
        private readonly byte[] _header = new byte[Block];
        private long _position;

        // Where the next header to check starts; -1 while the reader has not yet returned the entry of the last one.
        private long _nextHeader;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        /// <summary>The reader returned an entry whose data (of <paramref name="length"/> bytes) starts here.</summary>
        public void EntryRead(long length)
        {
            if (_nextHeader < 0)
            {
                _nextHeader = _position + Padded(length);
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => Checked(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            return Checked(buffer.Span[..read]);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private static long Padded(long length) => (length + Block - 1) / Block * Block;

        private int Checked(ReadOnlySpan<byte> read)
        {
            var count = read.Length;
            while (!read.IsEmpty)
            {
                if (_nextHeader < 0 || _position + read.Length <= _nextHeader)
                {
                    _position += read.Length;
                    break;
                }

                if (_position < _nextHeader)
                {
                    read = read[(int)(_nextHeader - _position)..];
                    _position = _nextHeader;
                }

                var filled = (int)(_position - _nextHeader);
                var part = Math.Min(Block - filled, read.Length);
                read[..part].CopyTo(_header.AsSpan(filled));
                read = read[part..];
                _position += part;
                if (filled + part == Block)
                {
                    CheckHeader();
                }
            }

            return count;
        }

        private void CheckHeader()
        {
            if (_header[156] is not ((byte)'x' or (byte)'g' or (byte)'L' or (byte)'K'))
            {
                // An entry's header (or the end of the archive): its data length is known once the reader returns it.
                _nextHeader = -1;
                return;
            }

            var size = Size(_header.AsSpan(124, 12));
            if (size > MaxMetadataBytes)
            {
                throw new InvalidDataException($"a metadata entry claims {size} bytes (at most {MaxMetadataBytes})");
            }

            _nextHeader += Block + Padded(size);
        }

        /// <summary>The size field: octal digits, or base-256 when its first byte has the high bit (then at least too large).</summary>
        private static long Size(ReadOnlySpan<byte> field)
        {
            if ((field[0] & 0x80) != 0)
            {
                return long.MaxValue;
            }

            long size = 0;
            foreach (var b in field.Trim((byte)' ').TrimEnd((byte)0).Trim((byte)' '))
            {
                if (b is < (byte)'0' or > (byte)'7')
                {
                    throw new InvalidDataException("a metadata entry's size is not an octal number");
                }

                size = Math.Min(size * 8 + (b - '0'), long.MaxValue / 16);
            }

            return size;
        }
    }
}
