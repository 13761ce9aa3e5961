using SkiaSharp;

namespace CompreFace.Inference.Tests;

/// <summary>Small pictures made in the test, so no photo has to be committed.</summary>
internal static class TestImages
{
    public static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality = 95)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>A <paramref name="width"/>×<paramref name="height"/> picture, left half pure red, right half pure blue.</summary>
    public static SKBitmap RedBlue(int width, int height)
    {
        var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, x < width / 2 ? SKColors.Red : SKColors.Blue);
            }
        }

        return bitmap;
    }

    /// <summary>Inserts an EXIF APP1 segment carrying only Orientation = <paramref name="orientation"/> right after the JPEG SOI.</summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, // big-endian TIFF header, IFD0 at offset 8
            0, 1, // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, (byte)(orientation >> 8), (byte)orientation, 0, 0, // Orientation, SHORT, 1 value
            0, 0, 0, 0, // no next IFD
        ];
        byte[] exifHeader = [(byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0];
        var segmentLength = 2 + exifHeader.Length + tiff.Length;
        var result = new List<byte>(jpeg.Length + segmentLength + 2) { 0xFF, 0xD8, 0xFF, 0xE1, (byte)(segmentLength >> 8), (byte)segmentLength };
        result.AddRange(exifHeader);
        result.AddRange(tiff);
        result.AddRange(jpeg.AsSpan(2).ToArray());
        return [.. result];
    }

    /// <summary>A PNG whose IHDR (with a valid CRC) claims <paramref name="width"/>×<paramref name="height"/>, followed by a token IDAT.</summary>
    public static byte[] PngHeader(uint width, uint height)
    {
        var bytes = new List<byte> { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };
        var ihdr = new List<byte>();
        ihdr.AddRange(BigEndian(width));
        ihdr.AddRange(BigEndian(height));
        ihdr.AddRange([8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter, no interlace
        Chunk(bytes, "IHDR", [.. ihdr]);
        Chunk(bytes, "IDAT", [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]);
        Chunk(bytes, "IEND", []);
        return [.. bytes];
    }

    /// <summary>One page of <see cref="Tiff"/>: 8-bit grey, its pixels all zero, in one Deflate strip.</summary>
    /// <param name="Width">ImageWidth.</param>
    /// <param name="Height">ImageLength.</param>
    /// <param name="Compression">TIFF compression code: 8 (Deflate) by default; another value makes the page undecodable.</param>
    /// <param name="RowsPerStrip">RowsPerStrip, when not the page's height.</param>
    /// <param name="StripByteCount">StripByteCounts, when not the strip's real length.</param>
    public readonly record struct TiffPage(int Width, int Height, ushort Compression = 8, uint? RowsPerStrip = null, uint? StripByteCount = null);

    /// <summary>
    /// A little-endian TIFF of <paramref name="pages"/> in one IFD chain; pages of one size share one compressed strip,
    /// so many large pages take a few bytes each. <paramref name="loopBack"/> points the last IFD back at the first.
    /// </summary>
    public static byte[] Tiff(IReadOnlyList<TiffPage> pages, bool loopBack = false)
    {
        using var output = new MemoryStream();
        using var writer = new BinaryWriter(output);
        writer.Write((byte)'I');
        writer.Write((byte)'I');
        writer.Write((ushort)42);
        writer.Write(0u); // first IFD offset, patched below
        var strips = new Dictionary<(int, int), (uint Offset, uint Length)>();
        foreach (var page in pages)
        {
            if (!strips.ContainsKey((page.Width, page.Height)))
            {
                using var compressed = new MemoryStream();
                using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
                {
                    var row = new byte[page.Width];
                    for (var y = 0; y < page.Height; y++)
                    {
                        zlib.Write(row);
                    }
                }

                strips[(page.Width, page.Height)] = ((uint)output.Position, (uint)compressed.Length);
                writer.Write(compressed.ToArray());
            }
        }

        if (output.Position % 2 == 1)
        {
            writer.Write((byte)0);
        }

        var first = (uint)output.Position;
        output.Position = 4;
        writer.Write(first);
        output.Position = first;
        for (var i = 0; i < pages.Count; i++)
        {
            var page = pages[i];
            var strip = strips[(page.Width, page.Height)];
            (ushort Tag, ushort Type, uint Value)[] entries =
            [
                (256, 4, (uint)page.Width), (257, 4, (uint)page.Height), (258, 3, 8), (259, 3, page.Compression), (262, 3, 1),
                (273, 4, strip.Offset), (277, 3, 1), (278, 4, page.RowsPerStrip ?? (uint)page.Height), (279, 4, page.StripByteCount ?? strip.Length),
            ];
            writer.Write((ushort)entries.Length);
            foreach (var (tag, type, value) in entries)
            {
                writer.Write(tag);
                writer.Write(type);
                writer.Write(1u);
                if (type == 3)
                {
                    writer.Write((ushort)value);
                    writer.Write((ushort)0);
                }
                else
                {
                    writer.Write(value);
                }
            }

            var next = (uint)output.Position + 4;
            writer.Write(i < pages.Count - 1 ? next : loopBack ? first : 0u);
        }

        writer.Flush();
        return output.ToArray();
    }

    /// <summary>Rewrites the frame size in the SOF marker of a real JPEG, so the header claims <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static byte[] JpegClaiming(byte[] jpeg, ushort width, ushort height)
    {
        var copy = (byte[])jpeg.Clone();
        for (var i = 2; i < copy.Length - 9; i++)
        {
            if (copy[i] == 0xFF && copy[i + 1] is 0xC0 or 0xC2)
            {
                copy[i + 5] = (byte)(height >> 8);
                copy[i + 6] = (byte)height;
                copy[i + 7] = (byte)(width >> 8);
                copy[i + 8] = (byte)width;
                return copy;
            }
        }

        throw new InvalidOperationException("No SOF marker.");
    }

    private static void Chunk(List<byte> into, string type, byte[] data)
    {
        into.AddRange(BigEndian((uint)data.Length));
        var typed = new byte[4 + data.Length];
        for (var i = 0; i < 4; i++)
        {
            typed[i] = (byte)type[i];
        }

        data.CopyTo(typed, 4);
        into.AddRange(typed);
        into.AddRange(BigEndian(Crc32(typed)));
    }

    private static byte[] BigEndian(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
