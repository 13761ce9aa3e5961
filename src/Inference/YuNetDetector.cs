using System.Buffers;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;

namespace CompreFace.Inference;

/// <summary>
/// YuNet 2023mar (libfacedetection): boxes plus five ArcFace-ordered landmarks. The image is scaled down (area averaging)
/// so its longer side is at most <see cref="InferenceOptions.MaxDetectSize"/> and letterboxed at the top-left of the
/// network input (640×640 for the fixed model; the next multiple of 32 for the dynamic one).
/// </summary>
internal sealed class YuNetDetector : IFaceDetector, IDisposable
{
    /// <summary>
    /// Measured on the 18 CompreFace sample images (46 faces): 0 errors from 0.7 to 0.8, one false positive at 0.6, three misses
    /// at OpenCV's default 0.9, when the model was chosen. Re-measured with this pipeline (<c>DetectionAccuracyTests</c>): 0 errors from 0.75 to 0.85,
    /// 1 at 0.7 and at 0.86–0.89, 3 at 0.9; 0.8 is the middle of the clean band.
    /// </summary>
    public const float DefaultProbabilityThreshold = 0.8f;

    private const float NmsIou = 0.3f;
    private static readonly int[] Strides = [8, 16, 32];

    private readonly ModelSession _session;
    private readonly string[] _outputNames;
    private readonly int _fixedWidth;
    private readonly int _fixedHeight;
    private readonly int _maxDetectSize;

    public YuNetDetector(OnnxRuntimeHost runtime, IOptions<InferenceOptions> options)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(options);
        var model = ModelCatalog.ForDetector(options.Value.Detector);
        string[] outputNames = [.. Strides.SelectMany(s => new[] { $"cls_{s}", $"obj_{s}", $"bbox_{s}", $"kps_{s}" })];
        _outputNames = outputNames;
        _session = runtime.CreateSession(model, session =>
        {
            session.RequireShape("input", isInput: true, rank: 4);
            foreach (var name in outputNames)
            {
                session.RequireShape(name, isInput: false, rank: 3);
            }
        });
        var dims = _session.InputMetadata["input"].Dimensions;
        _fixedHeight = dims[2];
        _fixedWidth = dims[3];

        // The fixed model cannot take more than its own size.
        _maxDetectSize = _fixedWidth > 0 ? Math.Min(options.Value.MaxDetectSize, Math.Min(_fixedWidth, _fixedHeight)) : options.Value.MaxDetectSize;
        Version = "yunet.FaceDetector@yunet_2023mar";
    }

    /// <inheritdoc />
    public string Version { get; }

    /// <inheritdoc />
    public float DefaultThreshold => DefaultProbabilityThreshold;

    /// <inheritdoc />
    public IReadOnlyList<DetectedFace> Detect(DecodedImage image, float threshold, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var longSide = Math.Max(image.Width, image.Height);
        var ratio = longSide > _maxDetectSize ? (double)_maxDetectSize / longSide : 1.0;
        var dw = Math.Clamp((int)Math.Round(image.Width * ratio), 1, image.Width);
        var dh = Math.Clamp((int)Math.Round(image.Height * ratio), 1, image.Height);
        var inW = _fixedWidth > 0 ? _fixedWidth : RoundUp32(dw);
        var inH = _fixedHeight > 0 ? _fixedHeight : RoundUp32(dh);

        var length = 3 * inW * inH;
        var buffer = ArrayPool<float>.Shared.Rent(length);
        try
        {
            var tensor = buffer.AsSpan(0, length);
            tensor.Clear();
            if (dw == image.Width && dh == image.Height)
            {
                ImageOps.CopyToChw(image.Bgr, image.Width, image.Height, tensor, inW, inW * inH);
            }
            else
            {
                ImageOps.AreaResizeToChw(image.Bgr, image.Width, image.Height, dw, dh, tensor, inW, inW * inH);
            }

            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, length), [1, 3, inH, inW]);
            using var outputs = _session.Run(["input"], [input], _outputNames, cancellationToken);

            // Map network pixels back to the decoded image's pixels (separately per axis: rounding differs slightly).
            var candidates = new List<DetectedFace>();
            var toX = (float)image.Width / dw;
            var toY = (float)image.Height / dh;
            for (var i = 0; i < Strides.Length; i++)
            {
                Decode(Strides[i], inW, inH, outputs[4 * i], outputs[(4 * i) + 1], outputs[(4 * i) + 2], outputs[(4 * i) + 3], threshold, toX, toY, candidates);
            }

            return Nms(candidates, NmsIou);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    public void Dispose() => _session.Dispose();

    private static int RoundUp32(int v) => (v + 31) / 32 * 32;

    private static void Decode(int stride, int inW, int inH, OrtValue clsV, OrtValue objV, OrtValue bboxV, OrtValue kpsV, float threshold, float toX, float toY, List<DetectedFace> into)
    {
        var cols = inW / stride;
        var rows = inH / stride;
        var cls = clsV.GetTensorDataAsSpan<float>();
        var obj = objV.GetTensorDataAsSpan<float>();
        var bbox = bboxV.GetTensorDataAsSpan<float>();
        var kps = kpsV.GetTensorDataAsSpan<float>();
        var n = Math.Min(rows * cols, cls.Length);
        for (var idx = 0; idx < n; idx++)
        {
            var score = MathF.Sqrt(Math.Clamp(cls[idx], 0f, 1f) * Math.Clamp(obj[idx], 0f, 1f));
            if (!(score > threshold))
            {
                continue;
            }

            var row = idx / cols;
            var col = idx % cols;
            var b = bbox.Slice(idx * 4, 4);
            var cx = (col + b[0]) * stride;
            var cy = (row + b[1]) * stride;
            var w = MathF.Exp(b[2]) * stride;
            var h = MathF.Exp(b[3]) * stride;
            var k = kps.Slice(idx * 10, 10);
            var landmarks = new PointF[5];
            for (var p = 0; p < 5; p++)
            {
                landmarks[p] = new PointF((col + k[2 * p]) * stride * toX, (row + k[(2 * p) + 1]) * stride * toY);
            }

            into.Add(new DetectedFace((cx - (w / 2)) * toX, (cy - (h / 2)) * toY, (cx + (w / 2)) * toX, (cy + (h / 2)) * toY, score, landmarks));
        }
    }

    /// <summary>Greedy non-maximum suppression, highest score first.</summary>
    internal static List<DetectedFace> Nms(List<DetectedFace> candidates, float iouThreshold)
    {
        candidates.Sort(static (a, b) => b.Probability.CompareTo(a.Probability));
        var kept = new List<DetectedFace>();
        foreach (var c in candidates)
        {
            var suppressed = false;
            foreach (var k in kept)
            {
                if (Iou(c, k) > iouThreshold)
                {
                    suppressed = true;
                    break;
                }
            }

            if (!suppressed)
            {
                kept.Add(c);
            }
        }

        return kept;
    }

    internal static float Iou(DetectedFace a, DetectedFace b)
    {
        var iw = Math.Min(a.XMax, b.XMax) - Math.Max(a.XMin, b.XMin);
        var ih = Math.Min(a.YMax, b.YMax) - Math.Max(a.YMin, b.YMin);
        if (iw <= 0 || ih <= 0)
        {
            return 0;
        }

        var inter = iw * ih;
        return inter / (a.Area + b.Area - inter);
    }
}
