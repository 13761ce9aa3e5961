using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace CompreFace.Inference.Tests;

[Collection(InferenceGroup.Name)]
public sealed class DetectionAccuracyTests(InferenceFixture fixture, ITestOutputHelper output)
{
    private static readonly JsonElement CompreFaceTruth = LoadTruth("compreface-samples/ground_truth.json");
    private static readonly JsonElement DlibTruth = LoadTruth("dlib-faces/ground_truth.json");

    /// <summary>dlib's 43 hand-labelled boxes (many 37 px): all 43 are found at 0.75–0.86 (measured); a floor of 41 leaves room for decoder changes.</summary>
    private const int DlibRecallFloor = 41;

    [Fact]
    public void Detect_CompreFaceSamples_ZeroErrorsAtDefaultThreshold()
    {
        var thresholds = new[] { 0.5f, 0.6f, 0.7f, 0.75f, 0.8f, 0.85f, 0.86f, 0.87f, 0.88f, 0.89f, 0.9f };
        var errorsAt = new int[thresholds.Length];
        var defaultErrors = new List<string>();
        double decode = 0, detect = 0;
        foreach (var image in CompreFaceTruth.GetProperty("images").EnumerateObject())
        {
            var analysis = fixture.Pipeline.Analyze(SharedData.Read($"compreface-samples/sample_images/{image.Name}"), new FaceAnalysisOptions(DetProbThreshold: 0.3f));
            decode += analysis.Timings.DecodeMs;
            detect += analysis.Timings.DetectMs;
            var noses = image.Value.GetProperty("noses").EnumerateArray().Select(n => (n[0].GetSingle(), n[1].GetSingle())).ToList();
            for (var t = 0; t < thresholds.Length; t++)
            {
                var boxes = analysis.Faces.Where(f => f.Face.Probability > thresholds[t]).Select(f => f.Face).ToList();
                errorsAt[t] += NoseErrors(boxes, noses);
            }

            var atDefault = analysis.Faces.Where(f => f.Face.Probability > fixture.Detector.DefaultThreshold).Select(f => f.Face).ToList();
            var errors = NoseErrors(atDefault, noses);
            output.WriteLine($"{image.Name}: {atDefault.Count} faces / {noses.Count} noses, errors {errors}, decode {analysis.Timings.DecodeMs:F1} ms, detect {analysis.Timings.DetectMs:F1} ms");
            if (errors > 0)
            {
                defaultErrors.Add($"{image.Name}: {errors}");
            }
        }

        output.WriteLine($"total decode {decode:F0} ms, detect {detect:F0} ms over 18 images");
        output.WriteLine(string.Join(", ", thresholds.Select((t, i) => $"errors@{t}={errorsAt[i]}")));
        Assert.Empty(defaultErrors);
    }

    [Fact]
    public void Detect_FiveFaceSample_BoxesWithin20PxAndSortedByArea()
    {
        var analysis = fixture.Pipeline.Analyze(SharedData.Read("compreface-samples/sample_images/000_5.jpg"), new FaceAnalysisOptions());
        var expected = CompreFaceTruth.GetProperty("images").GetProperty("000_5.jpg").GetProperty("boxes").EnumerateArray()
            .Select(b => b.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToList();
        Assert.Equal(expected.Count, analysis.Faces.Count);
        foreach (var box in expected)
        {
            Assert.Contains(analysis.Faces, f =>
                Math.Abs(f.Face.XMin - box[0]) <= 20 && Math.Abs(f.Face.YMin - box[1]) <= 20 && Math.Abs(f.Face.XMax - box[2]) <= 20 && Math.Abs(f.Face.YMax - box[3]) <= 20);
        }

        for (var i = 1; i < analysis.Faces.Count; i++)
        {
            Assert.True(analysis.Faces[i - 1].Face.Area >= analysis.Faces[i].Face.Area);
        }
    }

    [Fact]
    public void Detect_ThresholdOne_FindsNothing()
    {
        var analysis = fixture.Pipeline.Analyze(SharedData.Read("compreface-samples/sample_images/000_5.jpg"), new FaceAnalysisOptions(DetProbThreshold: 1f));
        Assert.Empty(analysis.Faces);
    }

    [Fact]
    public void Detect_Limit_KeepsLargestFaces()
    {
        var bytes = SharedData.Read("compreface-samples/sample_images/000_5.jpg");
        var all = fixture.Pipeline.Analyze(bytes, new FaceAnalysisOptions());
        var two = fixture.Pipeline.Analyze(bytes, new FaceAnalysisOptions(Limit: 2));
        Assert.Equal(all.Faces.Take(2).Select(f => f.Face.Area), two.Faces.Select(f => f.Face.Area));
    }

    [Fact]
    public void Detect_DlibHandLabelledBoxes_RecallAboveMeasuredFloor()
    {
        int found = 0, total = 0, extra = 0;
        foreach (var image in DlibTruth.GetProperty("images").EnumerateObject())
        {
            var faces = fixture.Pipeline.Analyze(SharedData.Read($"dlib-faces/{image.Name}"), new FaceAnalysisOptions()).Faces.Select(f => f.Face).ToList();
            var used = new bool[faces.Count];
            var hits = 0;
            var boxes = image.Value.GetProperty("boxes_xywh").EnumerateArray().ToList();
            foreach (var b in boxes)
            {
                var gt = new DetectedFace(b[0].GetSingle(), b[1].GetSingle(), b[0].GetSingle() + b[2].GetSingle(), b[1].GetSingle() + b[3].GetSingle(), 1, []);
                var (cx, cy) = ((gt.XMin + gt.XMax) / 2, (gt.YMin + gt.YMax) / 2);
                for (var i = 0; i < faces.Count; i++)
                {
                    var f = faces[i];
                    if (!used[i] && (Iou(gt, f) >= 0.3f || (cx >= f.XMin && cx <= f.XMax && cy >= f.YMin && cy <= f.YMax)))
                    {
                        used[i] = true;
                        hits++;
                        break;
                    }
                }
            }

            found += hits;
            total += boxes.Count;
            extra += used.Count(u => !u);
            output.WriteLine($"{image.Name}: {hits}/{boxes.Count} found, {used.Count(u => !u)} unmatched detections");
        }

        output.WriteLine($"dlib recall {found}/{total} = {(double)found / total:P1}; unmatched detections {extra}");
        Assert.Equal(43, total);
        Assert.True(found >= DlibRecallFloor, $"recall {found}/{total}");
    }

    [Fact]
    public void Detect_NoFaceSample_FindsNothing()
    {
        Assert.Empty(fixture.Pipeline.Analyze(SharedData.Read("compreface-samples/sample_images/017_0.jpg"), new FaceAnalysisOptions()).Faces);
    }

    /// <summary>
    /// YuNet scores one dog's face 0.855: above every threshold that keeps the CompreFace set error-free (0.75–0.85), so at the
    /// default the dogs photo yields exactly that one false positive; from 0.86 it yields none. Recorded, not hidden.
    /// </summary>
    [Fact]
    public void Detect_DogsPhoto_OnlyTheKnownDogFaceAndNoneFrom086()
    {
        var bytes = SharedData.Read("dlib-faces/dogs.jpg");
        var atDefault = fixture.Pipeline.Analyze(bytes, new FaceAnalysisOptions()).Faces;
        output.WriteLine(string.Join(", ", atDefault.Select(f => $"p={f.Face.Probability:F4}")));
        Assert.True(atDefault.Count <= 1);
        Assert.All(atDefault, f => Assert.True(f.Face.Probability < 0.86f));
        Assert.Empty(fixture.Pipeline.Analyze(bytes, new FaceAnalysisOptions(DetProbThreshold: 0.86f)).Faces);
    }

    /// <summary>CompreFace's calculate_errors: each box takes the nearest unmatched nose if it lies inside; errors = unmatched noses + unmatched boxes.</summary>
    internal static int NoseErrors(IReadOnlyList<DetectedFace> boxes, IReadOnlyList<(float X, float Y)> noses)
    {
        var unmatched = noses.ToList();
        var errors = 0;
        foreach (var box in boxes)
        {
            if (unmatched.Count == 0)
            {
                errors++;
                continue;
            }

            var (cx, cy) = ((box.XMin + box.XMax) / 2, (box.YMin + box.YMax) / 2);
            var nearest = unmatched.MinBy(n => ((n.X - cx) * (n.X - cx)) + ((n.Y - cy) * (n.Y - cy)));
            if (nearest.X >= box.XMin && nearest.X <= box.XMax && nearest.Y >= box.YMin && nearest.Y <= box.YMax)
            {
                unmatched.Remove(nearest);
            }
            else
            {
                errors++;
            }
        }

        return errors + unmatched.Count;
    }

    private static float Iou(DetectedFace a, DetectedFace b)
    {
        var iw = Math.Min(a.XMax, b.XMax) - Math.Max(a.XMin, b.XMin);
        var ih = Math.Min(a.YMax, b.YMax) - Math.Max(a.YMin, b.YMin);
        return iw <= 0 || ih <= 0 ? 0 : iw * ih / (a.Area + b.Area - (iw * ih));
    }

    private static JsonElement LoadTruth(string path)
    {
        using var doc = JsonDocument.Parse(SharedData.Read(path));
        return doc.RootElement.Clone();
    }
}
