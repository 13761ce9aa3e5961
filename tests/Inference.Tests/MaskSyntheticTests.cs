using CompreFace.Inference.Plugins;
using Xunit;
using Xunit.Abstractions;

namespace CompreFace.Inference.Tests;

/// <summary>
/// shared/data has no masked face, so <c>with_mask</c> is checked on real portraits with a mask drawn on at test time: an opaque
/// polygon along the jaw (68-point landmarks 1–15) up to the nose bridge (point 28), in three typical mask colours. A synthetic sanity
/// check, not an accuracy figure: a flat polygon is easier than a real mask with folds, straps and shadows.
/// </summary>
[Collection(InferenceGroup.Name)]
public sealed class MaskSyntheticTests(InferenceFixture fixture, ITestOutputHelper output)
{
    /// <summary>BGR: surgical light blue, white, black.</summary>
    private static readonly (string Name, byte B, byte G, byte R)[] Colours = [("blue", 225, 195, 150), ("white", 238, 238, 238), ("black", 35, 35, 35)];

    private FacePluginSet Plugins => fixture.Pipeline.Plugins ?? throw new InvalidOperationException("No plugins composed.");

    [Fact]
    public void Mask_SyntheticMaskOnRealPortraits_FlipsToWithMaskAndUnalteredStayWithout()
    {
        var paths = File.ReadAllLines(Path.Combine(SharedData.DataDirectory, "identities.csv")).Skip(1).Select(l => l.Split(',')[0]).ToArray();
        int without = 0;
        var masked = Colours.ToDictionary(c => c.Name, _ => 0);
        foreach (var path in paths)
        {
            using var image = fixture.Decoder.Decode(SharedData.Read(path));
            DetectedFace[] face = [fixture.Detector.Detect(image, fixture.Detector.DefaultThreshold).MaxBy(f => f.Area)!];
            var plain = Plugins.Run(image, face, ["mask", "landmarks68"], detected: true, CancellationToken.None)!.Faces[0];
            without += plain.Mask()!.Value == "without_mask" ? 1 : 0;
            foreach (var colour in Colours)
            {
                using var drawn = DrawMask(image, plain.Landmarks68()!, colour);
                var mask = Plugins.Run(drawn, face, ["mask"], detected: true, CancellationToken.None)!.Faces[0].Mask()!;
                masked[colour.Name] += mask.Value == "with_mask" ? 1 : 0;
                if (mask.Value != "with_mask")
                {
                    output.WriteLine($"{path} {colour.Name}: {mask.Value} {mask.Probability:F3}");
                }
            }
        }

        output.WriteLine($"{paths.Length} portraits: unaltered without_mask {without}/{paths.Length}; drawn mask read with_mask: " +
            string.Join(", ", masked.Select(m => $"{m.Key} {m.Value}/{paths.Length}")));
        Assert.Equal(paths.Length, without);
        Assert.All(masked.Values, m => Assert.True(m >= 0.9 * paths.Length, $"{m}/{paths.Length}"));
    }

    /// <summary>A copy of <paramref name="image"/> with the polygon jaw 1–15 → nose bridge 28 filled in <paramref name="colour"/>.</summary>
    private static DecodedImage DrawMask(DecodedImage image, IReadOnlyList<PointF> p68, (string Name, byte B, byte G, byte R) colour)
    {
        // The plugin's points are in original pixels; the picture may be a downscaled decode.
        var (sx, sy) = ((float)image.OriginalWidth / image.Width, (float)image.OriginalHeight / image.Height);
        var polygon = Enumerable.Range(1, 15).Append(28).Select(i => new PointF(p68[i].X / sx, p68[i].Y / sy)).ToArray();
        var bgr = (byte[])image.Bgr.Clone();
        var x0 = Math.Max(0, (int)polygon.Min(p => p.X));
        var x1 = Math.Min(image.Width - 1, (int)polygon.Max(p => p.X) + 1);
        var y0 = Math.Max(0, (int)polygon.Min(p => p.Y));
        var y1 = Math.Min(image.Height - 1, (int)polygon.Max(p => p.Y) + 1);
        for (var y = y0; y <= y1; y++)
        {
            for (var x = x0; x <= x1; x++)
            {
                if (Inside(polygon, x + 0.5f, y + 0.5f))
                {
                    var k = ((y * image.Width) + x) * 3;
                    (bgr[k], bgr[k + 1], bgr[k + 2]) = (colour.B, colour.G, colour.R);
                }
            }
        }

        return new DecodedImage(image.Width, image.Height, bgr, image.OriginalWidth, image.OriginalHeight);
    }

    /// <summary>Even-odd rule.</summary>
    private static bool Inside(PointF[] polygon, float x, float y)
    {
        var inside = false;
        for (int i = 0, j = polygon.Length - 1; i < polygon.Length; j = i++)
        {
            var (a, b) = (polygon[i], polygon[j]);
            if ((a.Y > y) != (b.Y > y) && x < ((b.X - a.X) * (y - a.Y) / (b.Y - a.Y)) + a.X)
            {
                inside = !inside;
            }
        }

        return inside;
    }
}
