using SkiaSharp;

namespace CompreFace.WebUi.Tests;

/// <summary>
/// Labelled photos of two people from <c>shared/data/deepface</c> (identities.csv: p01 and p02), and the pictures made from
/// them at run time: a side-by-side composite (p01 left, p02 right) and a Y4M video of a p01 photo for Chromium's fake
/// camera. Nothing made here is committed.
/// </summary>
public sealed class TestPictures
{
    /// <summary>Display names given to the anonymous identities p01 and p02.</summary>
    public const string PersonA = "Alex Example";
    public const string PersonB = "Sam Example";

    private TestPictures(string composite, int compositeSplitX, int compositeWidth, string webcamVideo)
    {
        Composite = composite;
        CompositeSplitX = compositeSplitX;
        CompositeWidth = compositeWidth;
        WebcamVideo = webcamVideo;
    }

    /// <summary>Enrolment photos of p01.</summary>
    public static IReadOnlyList<string> PersonAPhotos { get; } = [Photo("img1.jpg"), Photo("img2.jpg")];

    /// <summary>Enrolment photos of p02.</summary>
    public static IReadOnlyList<string> PersonBPhotos { get; } = [Photo("img26.jpg"), Photo("img27.jpg")];

    /// <summary>Further photos, never enrolled: p01 and p02.</summary>
    public static string PersonAOther { get; } = Photo("img4.jpg");

    public static string PersonBOther { get; } = Photo("img42.jpg");

    /// <summary>A JPEG: p01 (img4) on the left of <see cref="CompositeSplitX"/>, p02 (img42) on the right.</summary>
    public string Composite { get; }

    public int CompositeSplitX { get; }

    public int CompositeWidth { get; }

    /// <summary>A Y4M (I420) video of p01 (img4), for <c>--use-file-for-fake-video-capture</c>.</summary>
    public string WebcamVideo { get; }

    public static string Photo(string name) => Path.Combine(SharedData.DataDirectory, "deepface", name);

    public static TestPictures Create(string directory)
    {
        const int height = 600;
        using var left = Decode(PersonAOther);
        using var right = Decode(PersonBOther);
        var leftWidth = left.Width * height / left.Height;
        var rightWidth = right.Width * height / right.Height;
        var composite = Path.Combine(directory, "two-people.jpg");
        using (var surface = SKSurface.Create(new SKImageInfo(leftWidth + rightWidth, height)))
        {
            surface.Canvas.Clear(SKColors.White);
            surface.Canvas.DrawBitmap(left, new SKRect(0, 0, leftWidth, height));
            surface.Canvas.DrawBitmap(right, new SKRect(leftWidth, 0, leftWidth + rightWidth, height));
            using var image = surface.Snapshot();
            using var data = image.Encode(SKEncodedImageFormat.Jpeg, 92);
            File.WriteAllBytes(composite, data.ToArray());
        }

        var video = Path.Combine(directory, "webcam.y4m");
        WriteY4m(video, left, 640, 480, frames: 10);
        return new TestPictures(composite, leftWidth, leftWidth + rightWidth, video);
    }

    private static SKBitmap Decode(string path) =>
        SKBitmap.Decode(path) ?? throw new InvalidDataException($"Could not decode {path}.");

    /// <summary>
    /// Writes <paramref name="frames"/> identical frames of the picture, letterboxed into width×height, as YUV4MPEG2 4:2:0
    /// (BT.601 full range, which Chromium's reader takes for C420jpeg).
    /// </summary>
    private static void WriteY4m(string path, SKBitmap picture, int width, int height, int frames)
    {
        using var frame = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(frame))
        {
            canvas.Clear(SKColors.Black);
            var scale = Math.Min((float)width / picture.Width, (float)height / picture.Height);
            var w = picture.Width * scale;
            var h = picture.Height * scale;
            canvas.DrawBitmap(picture, SKRect.Create((width - w) / 2, (height - h) / 2, w, h));
        }

        var pixels = frame.Pixels;
        var y = new byte[width * height];
        var u = new byte[width * height / 4];
        var v = new byte[width * height / 4];
        for (var row = 0; row < height; row++)
        {
            for (var col = 0; col < width; col++)
            {
                var p = pixels[(row * width) + col];
                y[(row * width) + col] = Clamp((0.299 * p.Red) + (0.587 * p.Green) + (0.114 * p.Blue));
            }
        }

        for (var row = 0; row < height / 2; row++)
        {
            for (var col = 0; col < width / 2; col++)
            {
                // Chroma of the 2×2 block's top-left pixel: plenty for a face detector.
                var p = pixels[(row * 2 * width) + (col * 2)];
                u[(row * (width / 2)) + col] = Clamp(128 - (0.168736 * p.Red) - (0.331264 * p.Green) + (0.5 * p.Blue));
                v[(row * (width / 2)) + col] = Clamp(128 + (0.5 * p.Red) - (0.418688 * p.Green) - (0.081312 * p.Blue));
            }
        }

        using var output = File.Create(path);
        output.Write(System.Text.Encoding.ASCII.GetBytes($"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n"));
        for (var i = 0; i < frames; i++)
        {
            output.Write("FRAME\n"u8);
            output.Write(y);
            output.Write(u);
            output.Write(v);
        }
    }

    private static byte Clamp(double value) => (byte)Math.Clamp(Math.Round(value), 0, 255);
}
