using System.Text.Json;
using CompreFace.Inference.Plugins;
using Xunit;
using Xunit.Abstractions;

namespace CompreFace.Inference.Tests;

/// <summary>The face plugins on real photos from ../shared/data: shapes, ranges, labelled gender, pose flip symmetry, liveness sanity.</summary>
[Collection(InferenceGroup.Name)]
public sealed class PluginTests(InferenceFixture fixture, ITestOutputHelper output)
{
    /// <summary>The detector file a default configuration loads.</summary>
    private static ModelDescriptor DefaultDetector => ModelCatalog.ForDetector(new InferenceOptions().Detector);

    private static readonly string[] All = [.. FacePluginSet.KnownSlugs];
    private static readonly string[] Genders = ["male", "female"];

    /// <summary>deepface identities that are women (one photo of each looked at; the others are men).</summary>
    private static readonly HashSet<string> DeepfaceFemale = ["deepface_p01", "deepface_p02", "deepface_p03", "deepface_p04", "deepface_p12"];

    private FacePluginSet Plugins => fixture.Pipeline.Plugins ?? throw new InvalidOperationException("No plugins composed.");

    [Fact]
    public void PluginSet_SharedModels_AllSlugsAvailableWithVersions()
    {
        var available = Plugins.Available;
        Assert.Equal(FacePluginSet.KnownSlugs, available.Keys);
        Assert.All(available.Values, v => Assert.Matches(@"^\w+\.\w+@\w+$", v));
    }

    /// <summary>
    /// The catalog row of every plugin: a new plugin is its class, its entry in <see cref="FacePluginSet"/>'s catalog and
    /// its tests (a row here, and what it computes on real photos); nothing outside <c>src/Inference/Plugins</c> names it
    /// (tests/Conventions.Tests checks both).
    /// </summary>
    [Theory]
    [InlineData("age", typeof(AgeGenderPlugin))]
    [InlineData("gender", typeof(AgeGenderPlugin))]
    [InlineData("pose", typeof(HeadPosePlugin))]
    [InlineData("mask", typeof(MaskPlugin))]
    [InlineData("landmarks68", typeof(Landmarks68Plugin))]
    [InlineData("liveness", typeof(LivenessPlugin))]
    [InlineData("expression", typeof(ExpressionPlugin))]
    [InlineData("quality", typeof(QualityPlugin))]
    public void Catalog_EverySlug_AnsweredByItsPluginClass(string slug, Type plugin)
    {
        Assert.Contains(slug, FacePluginSet.KnownSlugs);
        Assert.IsType(plugin, Plugins.PluginOf(slug));
    }

    [Fact]
    public void Run_SlugsInAnyOrder_ValuesInCatalogOrder()
    {
        using var image = fixture.Decoder.Decode(SharedData.Read("compreface-samples/sample_images/009_C.jpg"));
        var faces = fixture.Detector.Detect(image, fixture.Detector.DefaultThreshold);

        var run = Plugins.Run(image, faces, ["quality", "mask", "gender", "age"], detected: true, CancellationToken.None)!;

        Assert.Equal(["age", "gender", "mask", "quality"], run.Faces[0].Values.Select(v => v.Key));
        Assert.Equal(["quality", "mask", "age", "gender"], run.Versions.Keys);
    }

    [Fact]
    public void PluginSet_ModelFileMissing_ReportedUnavailableNotThrown()
    {
        var directory = Directory.CreateTempSubdirectory("cf-plugins").FullName;
        try
        {
            foreach (var model in new[] { DefaultDetector, ModelCatalog.MobileFaceNet512, ModelCatalog.AgeGender })
            {
                File.Copy(Path.Combine(SharedData.ModelsDirectory, model.FileName), Path.Combine(directory, model.FileName));
            }

            using var provider = InferenceFixture.Build(new Dictionary<string, string?> { ["Models:Path"] = directory });
            var set = Assert.IsType<FacePluginSet>(provider.GetService(typeof(FacePluginSet)));
            Assert.Equal(["age", "gender", "quality"], set.Available.Keys);
            var pipeline = Assert.IsType<FacePipeline>(provider.GetService(typeof(FacePipeline)));
            var analysis = pipeline.Analyze(SharedData.Read("compreface-samples/sample_images/009_C.jpg"), new FaceAnalysisOptions { Plugins = ["pose", "gender"] });
            var p = Assert.Single(analysis.Faces).Plugins;
            Assert.NotNull(p?.Gender());
            Assert.Null(p.Pose());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void PluginSet_EnabledList_LoadsOnlyThoseAndIgnoresUnknown()
    {
        using var provider = InferenceFixture.Build(new Dictionary<string, string?>
        {
            ["Models:Path"] = SharedData.ModelsDirectory,
            ["Plugins:Enabled:0"] = "pose",
            ["Plugins:Enabled:1"] = "nonexistent",
        });
        var set = Assert.IsType<FacePluginSet>(provider.GetService(typeof(FacePluginSet)));
        Assert.Equal(["pose"], set.Available.Keys);
    }

    [Fact]
    public void Analyze_GroupPhoto_EveryPluginFillsItsFieldsInRange()
    {
        var analysis = fixture.Pipeline.Analyze(SharedData.Read("compreface-samples/sample_images/000_5.jpg"), new FaceAnalysisOptions { Plugins = All });
        Assert.Equal(5, analysis.Faces.Count);
        Assert.NotNull(analysis.PluginTimesMs);
        Assert.Equal(All.Order(), analysis.PluginTimesMs.Keys.Order());
        foreach (var face in analysis.Faces)
        {
            var p = Assert.IsType<FacePluginOutput>(face.Plugins);
            Assert.NotNull(p.Age());
            Assert.InRange(p.Age()!.Low, 0, p.Age()!.High);
            Assert.InRange(p.Age()!.Years, 1, 90);
            Assert.NotNull(p.Gender());
            Assert.InRange(p.Gender()!.Probability, 0.5, 1.0);
            Assert.Contains(p.Gender()!.Value, Genders);
            Assert.NotNull(p.Pose());
            Assert.InRange(p.Pose()!.Yaw, -99, 99);
            Assert.InRange(p.Pose()!.Pitch, -99, 99);
            Assert.InRange(p.Pose()!.Roll, -99, 99);
            Assert.NotNull(p.Mask());
            Assert.Equal("without_mask", p.Mask()!.Value);
            Assert.InRange(p.Mask()!.Probability, 0.5, 1.0);
            Assert.NotNull(p.Landmarks68());
            Assert.Equal(68, p.Landmarks68()!.Count);
            var box = face.Face;
            var inside = p.Landmarks68()!.Count(q => q.X >= box.XMin - 5 && q.X <= box.XMax + 5 && q.Y >= box.YMin - 5 && q.Y <= box.YMax + 5);
            Assert.True(inside >= 60, $"{inside}/68 landmarks inside the box");
            Assert.NotNull(p.Liveness());
            Assert.InRange(p.Liveness()!.Score, 0, 1);
            Assert.NotNull(p.Expression());
            Assert.Contains(p.Expression()!.Value, ExpressionPlugin.Labels);
            Assert.NotNull(p.Quality());
            Assert.InRange(p.Quality()!.Score, 0.5, 1);
            output.WriteLine($"{box.XMin:F0},{box.YMin:F0}: age {p.Age()!.Years:F1} {p.Gender()!.Value} {p.Gender()!.Probability:F3} pose p{p.Pose()!.Pitch:F1} r{p.Pose()!.Roll:F1} y{p.Pose()!.Yaw:F1} " +
                $"mask {p.Mask()!.Value} {p.Mask()!.Probability:F3} live {p.Liveness()!.Score:F3} expr {p.Expression()!.Value} {p.Expression()!.Probability:F2}");
        }

        foreach (var (slug, ms) in analysis.PluginTimesMs)
        {
            output.WriteLine($"{slug}: {ms:F1} ms for 5 faces");
        }
    }

    [Fact]
    public void Analyze_OnlyRequestedAndKnownSlugs_Run()
    {
        var analysis = fixture.Pipeline.Analyze(SharedData.Read("compreface-samples/sample_images/009_C.jpg"), new FaceAnalysisOptions { Plugins = ["pose", "bogus"] });
        var p = Assert.Single(analysis.Faces).Plugins;
        Assert.NotNull(p?.Pose());
        Assert.Null(p.Age());
        Assert.Null(p.Mask());
        Assert.Equal(["pose"], analysis.PluginTimesMs!.Keys);
    }

    [Fact]
    public void Analyze_DetectFacesFalse_SkipsPoseAndMask()
    {
        var analysis = fixture.Pipeline.Analyze(
            SharedData.Read("compreface-samples/sample_images/009_C.jpg"), new FaceAnalysisOptions(DetectFaces: false) { Plugins = ["pose", "mask", "gender"] });
        var p = Assert.Single(analysis.Faces).Plugins;
        Assert.NotNull(p?.Gender());
        Assert.Null(p.Pose());
        Assert.Null(p.Mask());
    }

    [Fact]
    public void Gender_LabelledFaces_AtLeast95PercentCorrect()
    {
        // Labels: CompreFace persons A, B (female) and C (male) from ground_truth.json (annotations.PERSONS); the 13 deepface identities
        // carry no gender upstream, so they were labelled here by looking at one photo of each (identities.csv groups them).
        using var truth = JsonDocument.Parse(SharedData.Read("compreface-samples/ground_truth.json"));
        var labelled = new List<(string Path, string Gender)>();
        foreach (var image in truth.RootElement.GetProperty("images").EnumerateObject())
        {
            if (image.Value.TryGetProperty("is_male", out var isMale))
            {
                labelled.Add(("compreface-samples/sample_images/" + image.Name, isMale.GetBoolean() ? "male" : "female"));
            }
        }

        foreach (var row in File.ReadAllLines(Path.Combine(SharedData.DataDirectory, "identities.csv")).Skip(1).Select(l => l.Split(',')).Where(c => c[2] == "deepface"))
        {
            labelled.Add((row[0], DeepfaceFemale.Contains(row[1]) ? "female" : "male"));
        }

        int correct = 0, ageCount = 0;
        double ageError = 0;
        foreach (var (path, expected) in labelled)
        {
            var analysis = fixture.Pipeline.Analyze(SharedData.Read(path), new FaceAnalysisOptions(Limit: 1) { Plugins = ["age", "gender"] });
            var p = Assert.Single(analysis.Faces).Plugins!;
            correct += p.Gender()!.Value == expected ? 1 : 0;
            if (path.StartsWith("compreface", StringComparison.Ordinal))
            {
                var name = Path.GetFileName(path);
                var age = truth.RootElement.GetProperty("images").GetProperty(name).GetProperty("age").GetInt32();
                ageError += Math.Abs(p.Age()!.Years - age);
                ageCount++;
                output.WriteLine($"{name}: {p.Gender()!.Value} ({p.Gender()!.Probability:F3}), expected {expected}; age {p.Age()!.Years:F1} [{p.Age()!.Low}, {p.Age()!.High}] (true {age})");
            }
            else if (p.Gender()!.Value != expected)
            {
                output.WriteLine($"{path}: {p.Gender()!.Value} ({p.Gender()!.Probability:F3}), expected {expected}");
            }
        }

        output.WriteLine($"gender {correct}/{labelled.Count}; age MAE on the CompreFace persons {ageError / ageCount:F1} years ({ageCount} faces)");
        Assert.Equal(70, labelled.Count);
        Assert.True(correct >= 0.95 * labelled.Count, $"gender correct on {correct}/{labelled.Count}");
    }

    [Fact]
    public void Pose_HorizontalFlip_NegatesYaw()
    {
        var errors = new List<double>();
        foreach (var name in new[] { "000_5.jpg", "009_C.jpg", "007_B.jpg", "011_3.jpg", "012_4.jpg", "014_5.jpg" })
        {
            using var image = fixture.Decoder.Decode(SharedData.Read("compreface-samples/sample_images/" + name));
            using var flipped = Flip(image);
            var faces = fixture.Detector.Detect(image, fixture.Detector.DefaultThreshold);
            var flippedFaces = fixture.Detector.Detect(flipped, fixture.Detector.DefaultThreshold);
            var a = Plugins.Run(image, faces, ["pose"], detected: true, CancellationToken.None)!;
            var b = Plugins.Run(flipped, flippedFaces, ["pose"], detected: true, CancellationToken.None)!;
            for (var i = 0; i < faces.Count; i++)
            {
                var cx = image.Width - ((faces[i].XMin + faces[i].XMax) / 2);
                var j = Enumerable.Range(0, flippedFaces.Count).MinBy(k => Math.Abs(((flippedFaces[k].XMin + flippedFaces[k].XMax) / 2) - cx));
                var yaw = a.Faces[i].Pose()!.Yaw;
                var yawFlipped = b.Faces[j].Pose()!.Yaw;
                output.WriteLine($"{name}#{i}: yaw {yaw:F1} flipped {yawFlipped:F1}, roll {a.Faces[i].Pose()!.Roll:F1}/{b.Faces[j].Pose()!.Roll:F1}");
                if (Math.Abs(yaw) >= 8)
                {
                    Assert.Equal(Math.Sign(yaw), -Math.Sign(yawFlipped));
                }

                errors.Add(Math.Abs(yaw + yawFlipped));
            }
        }

        var median = errors.Order().ElementAt(errors.Count / 2);
        output.WriteLine($"{errors.Count} faces; |yaw + flipped yaw| median {median:F1}°, max {errors.Max():F1}°");
        Assert.True(errors.Count >= 15);
        Assert.InRange(median, 0, 5);
    }

    [Fact]
    public void Pose_FrontalPortraits_CorrectedPitchNearZero()
    {
        // The deepface and CompreFace portraits are near-frontal; the model reads them low (README.md#models: pitch bias), which PitchBias removes.
        var pitches = new List<double>();
        foreach (var path in File.ReadAllLines(Path.Combine(SharedData.DataDirectory, "identities.csv")).Skip(1).Select(l => l.Split(',')[0]))
        {
            var analysis = fixture.Pipeline.Analyze(SharedData.Read(path), new FaceAnalysisOptions(Limit: 1) { Plugins = ["pose"] });
            pitches.Add(Assert.Single(analysis.Faces).Plugins!.Pose()!.Pitch);
        }

        var mean = pitches.Average();
        output.WriteLine($"{pitches.Count} portraits: corrected pitch mean {mean:F1}° (raw {mean - HeadPosePlugin.PitchBias:F1}°), median {pitches.Order().ElementAt(pitches.Count / 2):F1}°");
        Assert.InRange(mean, -4, 4);
    }

    [Fact]
    public void Liveness_SyntheticRecapture_ScoresLowerThanOriginal()
    {
        // Sanity check only: blur, moiré and a colour cast applied to a real photo are a caricature of a screen recapture, not a real
        // presentation attack. Checked on the photos the model itself calls live (it calls most web press photos spoof).
        int live = 0, lower = 0;
        foreach (var path in File.ReadAllLines(Path.Combine(SharedData.DataDirectory, "identities.csv")).Skip(1).Select(l => l.Split(',')[0]))
        {
            using var image = fixture.Decoder.Decode(SharedData.Read(path));
            var faces = fixture.Detector.Detect(image, fixture.Detector.DefaultThreshold).OrderByDescending(f => f.Area).Take(1).ToArray();
            var original = Plugins.Run(image, faces, ["liveness"], detected: true, CancellationToken.None)!.Faces[0].Liveness()!;
            if (original.Value != "real")
            {
                continue;
            }

            using var recaptured = Recapture(image, faces[0]);
            var fake = Plugins.Run(recaptured, faces, ["liveness"], detected: true, CancellationToken.None)!.Faces[0].Liveness()!;
            output.WriteLine($"{path}: original P(real) {original.Score:F3}, recaptured {fake.Score:F3} ({fake.Value})");
            live++;
            lower += fake.Score < original.Score ? 1 : 0;
        }

        output.WriteLine($"recapture scored lower on {lower}/{live} live-scored photos");
        Assert.True(live >= 5);
        Assert.True(lower >= 0.9 * live, $"{lower}/{live}");
    }

    [Fact]
    public void Quality_BlurredFace_ScoresLowerThanSharp()
    {
        foreach (var path in new[] { "compreface-samples/sample_images/009_C.jpg", "compreface-samples/sample_images/001_A.jpg", "deepface/img1.jpg", "deepface/img20.jpg" })
        {
            using var image = fixture.Decoder.Decode(SharedData.Read(path));
            var face = fixture.Detector.Detect(image, fixture.Detector.DefaultThreshold).MaxBy(f => f.Area)!;
            using var blurred = Blur(image, Math.Max(2, (int)((face.XMax - face.XMin) / 25)));
            var sharp = QualityPlugin.Estimate(image, face);
            var soft = QualityPlugin.Estimate(blurred, face);
            output.WriteLine($"{path}: sharp {sharp}; blurred {soft}");
            Assert.True(soft.Sharpness < sharp.Sharpness * 0.7, $"{soft.Sharpness} vs {sharp.Sharpness}");
            Assert.True(soft.Score < sharp.Score);
            Assert.InRange(sharp.Score, 0.6, 1);
        }
    }

    [Fact]
    public void Analyze_MinFaceSizeAndMinQuality_DropFacesBeforeTheLimit()
    {
        var bytes = SharedData.Read("compreface-samples/sample_images/000_5.jpg");
        var all = fixture.Pipeline.Analyze(bytes, new FaceAnalysisOptions { Plugins = ["quality"] });
        var sides = all.Faces.Select(f => Math.Min(f.Face.XMax - f.Face.XMin, f.Face.YMax - f.Face.YMin)).Order().ToArray();
        var cut = (sides[1] + sides[2]) / 2;
        var big = fixture.Pipeline.Analyze(bytes, new FaceAnalysisOptions(ComputeEmbeddings: true) { MinFaceSize = (int)MathF.Ceiling(cut) });
        Assert.Equal(3, big.Faces.Count);
        Assert.All(big.Faces, f => Assert.NotNull(f.Embedding));

        var scores = all.Faces.Select(f => f.Plugins!.Quality()!.Score).Order().ToArray();
        output.WriteLine($"sides {string.Join(", ", sides.Select(s => s.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}; quality {string.Join(", ", scores)}");
        var good = fixture.Pipeline.Analyze(bytes, new FaceAnalysisOptions { MinQuality = (scores[0] + scores[1]) / 2 });
        Assert.Equal(4, good.Faces.Count);
        Assert.Empty(fixture.Pipeline.Analyze(bytes, new FaceAnalysisOptions { MinQuality = 1.0 }).Faces);
    }

    private static DecodedImage Blur(DecodedImage image, int radius)
    {
        int w = image.Width, h = image.Height;
        var bgr = new byte[w * h * 3];
        var step = Math.Max(1, radius / 2);
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    int sum = 0, n = 0;
                    for (var dy = -radius; dy <= radius; dy += step)
                    {
                        for (var dx = -radius; dx <= radius; dx += step)
                        {
                            sum += image.Bgr[(((Math.Clamp(y + dy, 0, h - 1) * w) + Math.Clamp(x + dx, 0, w - 1)) * 3) + c];
                            n++;
                        }
                    }

                    bgr[(((y * w) + x) * 3) + c] = (byte)(sum / n);
                }
            }
        }

        return new DecodedImage(w, h, bgr, image.OriginalWidth, image.OriginalHeight);
    }

    internal static DecodedImage Flip(DecodedImage image)
    {
        var bgr = new byte[image.Width * image.Height * 3];
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                var s = ((y * image.Width) + x) * 3;
                var d = ((y * image.Width) + (image.Width - 1 - x)) * 3;
                bgr[d] = image.Bgr[s];
                bgr[d + 1] = image.Bgr[s + 1];
                bgr[d + 2] = image.Bgr[s + 2];
            }
        }

        return new DecodedImage(image.Width, image.Height, bgr, image.OriginalWidth, image.OriginalHeight);
    }

    /// <summary>
    /// A screen recapture caricature, scaled to the face so it survives the model's downscaling: a box blur of 1/50 of the face width,
    /// a moiré of two beating sinusoids with periods near 1/10 of the face width, and a warm colour cast.
    /// </summary>
    private static DecodedImage Recapture(DecodedImage image, DetectedFace face)
    {
        int w = image.Width, h = image.Height;
        var faceWidth = Math.Max(20f, face.XMax - face.XMin);
        var r = Math.Max(1, (int)(faceWidth / 50));
        var f1 = 2 * Math.PI / (faceWidth / 10);
        var f2 = 2 * Math.PI / (faceWidth / 8.5);
        double[] cast = [0.8, 1.05, 1.15];
        var bgr = new byte[w * h * 3];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var moire = 30 * Math.Sin(f1 * ((x * 0.94) + (y * 0.34))) * Math.Sin(f2 * ((x * 0.3) - (y * 0.95)));
                for (var c = 0; c < 3; c++)
                {
                    int sum = 0, n = 0;
                    for (var dy = -r; dy <= r; dy += Math.Max(1, r / 2))
                    {
                        for (var dx = -r; dx <= r; dx += Math.Max(1, r / 2))
                        {
                            var yy = Math.Clamp(y + dy, 0, h - 1);
                            var xx = Math.Clamp(x + dx, 0, w - 1);
                            sum += image.Bgr[(((yy * w) + xx) * 3) + c];
                            n++;
                        }
                    }

                    bgr[(((y * w) + x) * 3) + c] = (byte)Math.Clamp(((sum / (double)n) * cast[c]) + moire, 0, 255);
                }
            }
        }

        return new DecodedImage(w, h, bgr, image.OriginalWidth, image.OriginalHeight);
    }
}
