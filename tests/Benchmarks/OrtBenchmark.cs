using System.Diagnostics;
using System.Globalization;
using CompreFace.Inference;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;

namespace CompreFace.Benchmarks;

/// <summary>
/// ONNX Runtime session settings for the detector and the embedder (issue P12 item 3), measured on real inputs (the load-test face,
/// decoded and prepared as the pipeline does): each variant is one session, all variants run in turn round after round (the
/// order rotating), so a busy machine slows them alike; printed as the median per variant and its ratio to the node's settings.
/// </summary>
/// <remarks><c>dotnet tests/Benchmarks/bin/Release/net10.0/linux-x64/CompreFace.Benchmarks.dll ort --iterations 20 --rounds 15</c></remarks>
internal static class OrtBenchmark
{
    private static readonly int[] Strides = [8, 16, 32];

    public static void Run(BenchSettings settings, string sharedRoot, string[] args)
    {
        var i = Array.IndexOf(args, "--rounds");
        var rounds = i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : 15;
        var models = Path.Combine(sharedRoot, "models");
        var bytes = File.ReadAllBytes(Path.Combine(sharedRoot, "data/compreface-samples/load-tests/detect_FACE_1.jpg"));
        using var image = new ImageDecoder(Options.Create(new ImageLimitsOptions())).Decode(bytes);

        // The detector's input as YuNetDetector builds it: the long side scaled to 640, each side rounded up to a multiple of 32.
        var ratio = 640.0 / Math.Max(image.Width, image.Height);
        var (dw, dh) = ((int)Math.Round(image.Width * ratio), (int)Math.Round(image.Height * ratio));
        var (inW, inH) = ((dw + 31) / 32 * 32, (dh + 31) / 32 * 32);
        var detectInput = new float[3 * inW * inH];
        ImageOps.AreaResizeToChw(image.Bgr, image.Width, image.Height, dw, dh, detectInput, inW, inW * inH);

        // The embedder's input: the whole picture warped to 112×112 (the values do not change the work).
        var embedInput = new float[3 * 112 * 112];
        var face = FacePipeline.WholeImage(image.Width, image.Height);
        FaceAligner.AlignToChw(image, face.Landmarks, embedInput);

        var published = File.ReadAllBytes(Path.Combine(models, ModelCatalog.MobileFaceNet512.FileName));
        var mobileFaceNet = MobileFaceNetEmbedder.Prepare(published);
        var withPRelu = MobileFaceNetEmbedder.LiftBatch(published);
        var yunetBytes = File.ReadAllBytes(Path.Combine(models, ModelCatalog.YuNetDynamic.FileName));

        if (args.Contains("--profile"))
        {
            // Where each model's time goes, per operator type (ONNX Runtime's own profiler), with the node's settings.
            Profile("YuNet", yunetBytes, detectInput, [1, 3, inH, inW], settings.Iterations);
            Profile("MobileFaceNet (PRelu as published)", withPRelu, embedInput, [1, 3, 112, 112], settings.Iterations);
            Profile("MobileFaceNet (as the node runs it)", mobileFaceNet, embedInput, [1, 3, 112, 112], settings.Iterations);
            return;
        }

        var variants = new (string Name, Func<SessionOptions> Options)[]
        {
            ("node: ORT_ENABLE_ALL, 1 intra-op thread, no spinning, arena + memory pattern; MobileFaceNet's PRelu decomposed", NodeOptions),
            ("MobileFaceNet with its PRelu nodes as published (before P12)", NodeOptions),
            ("ORT_ENABLE_EXTENDED", () => With(NodeOptions(), o => o.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED)),
            ("ORT_ENABLE_BASIC", () => With(NodeOptions(), o => o.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC)),
            ("memory pattern off", () => With(NodeOptions(), o => o.EnableMemoryPattern = false)),
            ("CPU arena off", () => With(NodeOptions(), o => o.EnableCpuMemArena = false)),
            ("pre-packing off", () => With(NodeOptions(), o => o.AddSessionConfigEntry("session.disable_prepacking", "1"))),
            ("denormals as zero", () => With(NodeOptions(), o => o.AddSessionConfigEntry("session.set_denormal_as_zero", "1"))),
            ("2 intra-op threads, no spinning", () => With(NodeOptions(), o => o.IntraOpNumThreads = 2)),
            ("2 intra-op threads, spinning", () => With(NodeOptions(), o => { o.IntraOpNumThreads = 2; o.AddSessionConfigEntry("session.intra_op.allow_spinning", "1"); })),
            ("2 intra-op threads pinned to cores 1,2 (affinity)", () => With(NodeOptions(), o => { o.IntraOpNumThreads = 2; o.AddSessionConfigEntry("session.intra_op_thread_affinities", "2"); })),
        };

        Console.WriteLine($"# ONNX Runtime settings {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}; " +
            $"{rounds} rounds × {settings.Iterations} runs per variant; detector input {inW}×{inH}, embedder 1×112×112");
        Console.WriteLine();
        Console.WriteLine("| settings | YuNet median ms | ratio | MobileFaceNet median ms | ratio |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");

        var sessions = new List<(string Name, SessionOptions Options, InferenceSession Detect, InferenceSession Embed)>();
        foreach (var (name, create) in variants)
        {
            var options = create();
            try
            {
                var embedModel = name.Contains("PRelu", StringComparison.Ordinal) ? withPRelu : mobileFaceNet;
                sessions.Add((name, options, new InferenceSession(yunetBytes, options), new InferenceSession(embedModel, options)));
            }
            catch (OnnxRuntimeException ex)
            {
                Console.WriteLine($"| {name} | not accepted: {ex.Message} | | | |");
                options.Dispose();
            }
        }

        try
        {
            var detectMedians = sessions.Select(_ => new List<double>()).ToArray();
            var embedMedians = sessions.Select(_ => new List<double>()).ToArray();
            using var detectValue = OrtValue.CreateTensorValueFromMemory(detectInput, [1, 3, inH, inW]);
            using var embedValue = OrtValue.CreateTensorValueFromMemory(embedInput, [1, 3, 112, 112]);
            using var run = new RunOptions();
            string[] detectOutputs = [.. Strides.SelectMany(s => new[] { $"cls_{s}", $"obj_{s}", $"bbox_{s}", $"kps_{s}" })];
            for (var round = -1; round < rounds; round++)
            {
                for (var k = 0; k < sessions.Count; k++)
                {
                    var v = (k + Math.Max(0, round)) % sessions.Count;
                    var detect = Time(settings.Iterations, () => { using var o = sessions[v].Detect.Run(run, ["input"], [detectValue], detectOutputs); });
                    var embed = Time(settings.Iterations, () => { using var o = sessions[v].Embed.Run(run, ["input"], [embedValue], ["output"]); });
                    if (round >= 0)
                    {
                        detectMedians[v].Add(detect);
                        embedMedians[v].Add(embed);
                    }
                }
            }

            var baseDetect = Median(detectMedians[0]);
            var baseEmbed = Median(embedMedians[0]);
            for (var v = 0; v < sessions.Count; v++)
            {
                var d = Median(detectMedians[v]);
                var e = Median(embedMedians[v]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {sessions[v].Name} | {d:F2} [{detectMedians[v].Min():F2}–{detectMedians[v].Max():F2}] | {baseDetect / d:F2}× | {e:F2} [{embedMedians[v].Min():F2}–{embedMedians[v].Max():F2}] | {baseEmbed / e:F2}× |"));
            }
        }
        finally
        {
            foreach (var s in sessions)
            {
                s.Detect.Dispose();
                s.Embed.Dispose();
                s.Options.Dispose();
            }
        }
    }

    private static void Profile(string name, byte[] model, float[] input, long[] shape, int iterations)
    {
        using var options = NodeOptions();
        options.EnableProfiling = true;
        options.ProfileOutputPathPrefix = Path.Combine(Path.GetTempPath(), "cf-ort-profile-" + Environment.ProcessId);
        string file;
        using (var session = new InferenceSession(model, options))
        {
            using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
            using var run = new RunOptions();
            var outputs = session.OutputNames.ToArray();
            for (var i = 0; i < iterations; i++)
            {
                using var o = session.Run(run, [session.InputNames[0]], [value], outputs);
            }

            file = session.EndProfiling();
        }

        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
        var byOp = new Dictionary<string, (double Us, int Count)>();
        foreach (var e in json.RootElement.EnumerateArray())
        {
            if (e.GetProperty("cat").GetString() == "Node" && e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal))
            {
                var op = e.GetProperty("args").GetProperty("op_name").GetString()!;
                var current = byOp.GetValueOrDefault(op);
                byOp[op] = (current.Us + e.GetProperty("dur").GetDouble(), current.Count + 1);
            }
        }

        var total = byOp.Values.Sum(v => v.Us);
        Console.WriteLine($"{name}: {total / iterations / 1000:F2} ms of kernels per run");
        foreach (var (op, (us, count)) in byOp.OrderByDescending(kv => kv.Value.Us))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {op,-24} {us / iterations / 1000,8:F3} ms  {us / total,6:P1}  {count / iterations} nodes"));
        }

        File.Delete(file);
    }

    /// <summary>The settings <c>OnnxRuntimeHost</c> gives every session.</summary>
    private static SessionOptions NodeOptions()
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    private static SessionOptions With(SessionOptions options, Action<SessionOptions> change)
    {
        change(options);
        return options;
    }

    /// <summary>Median milliseconds of <paramref name="count"/> calls.</summary>
    private static double Time(int count, Action action)
    {
        var samples = new double[count];
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return Median(samples);
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }
}
