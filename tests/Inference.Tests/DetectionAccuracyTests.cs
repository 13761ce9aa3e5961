using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace CompreFace.Inference.Tests;

[Collection(InferenceGroup.Name)]
public sealed class DetectionAccuracyTests(InferenceFixture fixture, ITestOutputHelper output)
{
    private static readonly JsonElement CompreFaceTruth = LoadTruth("compreface-samples/ground_truth.json");
    private static readonly JsonElement DlibTruth = LoadTruth("dlib-faces/ground_truth.json");

    /// <summary>
    /// dlib's 43 hand-labelled boxes (many 37 px): YuNet finds all 43 at 0.7–0.85, UltraFace all 43 at 0.4–0.9 (measured); a floor of
    /// 41 leaves room for decoder changes.
    /// </summary>
    private const int DlibRecallFloor = 41;

    /// <summary>CompreFace's nose-in-box scoring on its 18 samples: both detectors have a clean band around their default (0005).</summary>
    [Theory]
    [InlineData("yunet")]
    [InlineData("yunet-dynamic")]
    [InlineData("ultraface")]
    public void Detect_CompreFaceSamples_ZeroErrorsAtDefaultThreshold(string detector)
    {
        var pipeline = fixture.PipelineFor(detector);
        var thresholds = new[] { 0.5f, 0.6f, 0.7f, 0.75f, 0.8f, 0.85f, 0.86f, 0.87f, 0.88f, 0.89f, 0.9f };
        var errorsAt = new int[thresholds.Length];
        var defaultErrors = new List<string>();
        double decode = 0, detect = 0;
        foreach (var image in CompreFaceTruth.GetProperty("images").EnumerateObject())
        {
            var analysis = pipeline.Analyze(SharedData.Read($"compreface-samples/sample_images/{image.Name}"), new FaceAnalysisOptions(DetProbThreshold: 0.3f));
            decode += analysis.Timings.DecodeMs;
            detect += analysis.Timings.DetectMs;
            var noses = image.Value.GetProperty("noses").EnumerateArray().Select(n => (n[0].GetSingle(), n[1].GetSingle())).ToList();
            for (var t = 0; t < thresholds.Length; t++)
            {
                var boxes = analysis.Faces.Where(f => f.Face.Probability > thresholds[t]).Select(f => f.Face).ToList();
                errorsAt[t] += NoseErrors(boxes, noses);
            }

            var atDefault = analysis.Faces.Where(f => f.Face.Probability > pipeline.Detector.DefaultThreshold).Select(f => f.Face).ToList();
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

    /// <summary>The reference boxes come from CompreFace's own detector; UltraFace frames faces differently (scored by noses instead).</summary>
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

    [Theory]
    [InlineData("yunet")]
    [InlineData("yunet-dynamic")]
    [InlineData("ultraface")]
    public void Detect_DlibHandLabelledBoxes_RecallAboveMeasuredFloor(string detector)
    {
        var pipeline = fixture.PipelineFor(detector);
        int found = 0, total = 0, extra = 0;
        foreach (var image in DlibTruth.GetProperty("images").EnumerateObject())
        {
            var faces = pipeline.Analyze(SharedData.Read($"dlib-faces/{image.Name}"), new FaceAnalysisOptions()).Faces.Select(f => f.Face).ToList();
            var boxes = image.Value.GetProperty("boxes_xywh").EnumerateArray().Select(b => (b[0].GetSingle(), b[1].GetSingle(), b[2].GetSingle(), b[3].GetSingle())).ToList();
            var (hits, unmatched) = MatchDlibBoxes(faces, boxes);
            found += hits;
            total += boxes.Count;
            extra += unmatched;
            output.WriteLine($"{image.Name}: {hits}/{boxes.Count} found, {unmatched} unmatched detections");
        }

        output.WriteLine($"dlib recall {found}/{total} = {(double)found / total:P1}; unmatched detections {extra}");
        Assert.Equal(43, total);
        Assert.True(found >= DlibRecallFloor, $"recall {found}/{total}");
    }

    [Theory]
    [InlineData("yunet")]
    [InlineData("yunet-dynamic")]
    [InlineData("ultraface")]
    public void Detect_NoFaceSample_FindsNothing(string detector)
    {
        Assert.Empty(fixture.PipelineFor(detector).Analyze(SharedData.Read("compreface-samples/sample_images/017_0.jpg"), new FaceAnalysisOptions()).Faces);
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

    /// <summary>UltraFace scores the dogs' faces at most 0.44 (measured), well under its default.</summary>
    [Fact]
    public void Detect_DogsPhotoWithUltraFace_NothingAtDefault()
    {
        var faces = fixture.PipelineFor("ultraface").Analyze(SharedData.Read("dlib-faces/dogs.jpg"), new FaceAnalysisOptions(DetProbThreshold: 0.3f)).Faces;
        output.WriteLine(string.Join(", ", faces.Select(f => $"p={f.Face.Probability:F4}")));
        Assert.All(faces, f => Assert.True(f.Face.Probability < 0.5f));
    }

    /// <summary>
    /// UltraFace has no landmarks; its five points come from face-api's 68-point net. Against YuNet's own five points on the same faces
    /// (CompreFace samples, 46 faces matched by IoU) the median error is 0.112 of the inter-ocular distance (measured; 0.073 on the
    /// larger single faces of pairs.csv, and the model manifest has 0.066). A wrong crop or channel order shows up as 0.3 and more.
    /// </summary>
    [Fact]
    public void Landmarks_UltraFaceWithLandmark68_CloseToYuNetPoints()
    {
        var errors = new List<double>();
        foreach (var image in CompreFaceTruth.GetProperty("images").EnumerateObject())
        {
            var bytes = SharedData.Read($"compreface-samples/sample_images/{image.Name}");
            var reference = fixture.Pipeline.Analyze(bytes, new FaceAnalysisOptions()).Faces;
            foreach (var face in fixture.PipelineFor("ultraface").Analyze(bytes, new FaceAnalysisOptions()).Faces)
            {
                var match = reference.MaxBy(r => Iou(r.Face, face.Face));
                if (match is null || Iou(match.Face, face.Face) < 0.5f)
                {
                    continue;
                }

                var (p, q) = (match.Face.Landmarks, face.Face.Landmarks);
                var iod = Distance(p[0], p[1]);
                errors.Add(Enumerable.Range(0, 5).Average(i => Distance(p[i], q[i])) / iod);
            }
        }

        errors.Sort();
        var median = errors[errors.Count / 2];
        output.WriteLine($"{errors.Count} faces: median {median:F4}, mean {errors.Average():F4}, max {errors[^1]:F4} × inter-ocular distance");
        Assert.True(errors.Count >= 44, $"only {errors.Count} faces matched");
        Assert.True(median < 0.13, $"median error {median}");
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

    /// <summary>
    /// dlib's boxes are tight (brows to chin), so a detection matches a box with IoU ≥ 0.3 or when the box centre lies inside it
    /// (shared/data/MANIFEST.md); each detection matches at most one box. Returns matched boxes and unmatched detections.
    /// </summary>
    internal static (int Hits, int Unmatched) MatchDlibBoxes(IReadOnlyList<DetectedFace> faces, IReadOnlyList<(float X, float Y, float W, float H)> boxes)
    {
        var used = new bool[faces.Count];
        var hits = 0;
        foreach (var (x, y, w, h) in boxes)
        {
            var gt = new DetectedFace(x, y, x + w, y + h, 1, []);
            var (cx, cy) = (x + (w / 2), y + (h / 2));
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

        return (hits, used.Count(u => !u));
    }

    private static double Distance(PointF a, PointF b) => Math.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));

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
