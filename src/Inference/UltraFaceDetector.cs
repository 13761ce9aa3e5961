using System.Buffers;
using Microsoft.ML.OnnxRuntime;

namespace CompreFace.Inference;

/// <summary>
/// UltraFace RFB-320 (faceplugin npm package, README.md#models) for boxes, and face-api's 68-point net for the five
/// alignment points, which UltraFace does not give. Both come from npm packages, so this pair is the detector that needs no GitHub
/// download. The whole picture is stretched to 320×240 (how the model was trained and verified), so <see cref="InferenceOptions.MaxDetectSize"/>
/// does not apply; faces below about 20 px in that input are lost (see docs/decisions/0005-alternative-models.md).
/// </summary>
internal sealed class UltraFaceDetector : IFaceDetector, IDisposable
{
    /// <summary>
    /// Middle of the band that is clean on both detection sets (measured: 0 CompreFace errors at 0.4–0.85, all 43 dlib boxes and no
    /// extra detection at 0.4–0.9) and above the highest non-face score seen (0.44 on dogs.jpg). docs/decisions/0005-alternative-models.md.
    /// </summary>
    public const float DefaultProbabilityThreshold = 0.7f;

    private const int InputWidth = 320;
    private const int InputHeight = 240;
    private const float NmsIou = 0.3f;

    private readonly ModelSession _session;

    private readonly FaceApiLandmarks68 _landmarks;

    public UltraFaceDetector(OnnxRuntimeHost runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var model = ModelCatalog.ForDetector("ultraface");
        _session = runtime.CreateSession(model, session =>
        {
            session.RequireShape("input", isInput: true, rank: 4);
            session.RequireShape("scores", isInput: false, rank: 3);
            session.RequireShape("boxes", isInput: false, rank: 3);
            var dims = session.InputMetadata["input"].Dimensions;
            if (dims[2] != InputHeight || dims[3] != InputWidth)
            {
                throw new InvalidOperationException($"Model {model.FileName} expects [{string.Join(',', dims)}], not [1,3,{InputHeight},{InputWidth}].");
            }
        });
        try
        {
            _landmarks = new FaceApiLandmarks68(runtime);
        }
        catch
        {
            // The detector is useless without its landmark model: its session must not outlive the failed start.
            _session.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public string Version => "ultraface.FaceDetector@ultraface_rfb320_faceplugin+landmark68_faceapi";

    /// <inheritdoc />
    public float DefaultThreshold => DefaultProbabilityThreshold;

    /// <inheritdoc />
    public IReadOnlyList<DetectedFace> Detect(DecodedImage image, float threshold, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        const int Length = 3 * InputWidth * InputHeight;
        var buffer = ArrayPool<float>.Shared.Rent(Length);
        List<DetectedFace> kept;
        try
        {
            ImageOps.ResampleToChw(image.Bgr, image.Width, image.Height, 0, 0, image.Width, image.Height, InputWidth, InputHeight, buffer, PixelNormalization.FacePlugin);
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, Length), [1, 3, InputHeight, InputWidth]);
            using var outputs = _session.Run(["input"], [input], ["scores", "boxes"], cancellationToken);
            var scores = outputs[0].GetTensorDataAsSpan<float>();
            var boxes = outputs[1].GetTensorDataAsSpan<float>();
            var candidates = new List<DetectedFace>();
            float w = image.Width, h = image.Height;
            for (var i = 0; i < scores.Length / 2; i++)
            {
                var score = scores[(2 * i) + 1];
                var b = boxes.Slice(4 * i, 4);

                // Empty boxes cannot be cropped for landmarks; the model emits them only at tiny scores, but thresholds may be 0.
                if (score > threshold && b[2] > b[0] && b[3] > b[1])
                {
                    candidates.Add(new DetectedFace(b[0] * w, b[1] * h, b[2] * w, b[3] * h, score, []));
                }
            }

            kept = YuNetDetector.Nms(candidates, NmsIou);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }

        var points = _landmarks.Predict(image, kept, cancellationToken);
        for (var i = 0; i < kept.Count; i++)
        {
            kept[i] = kept[i] with { Landmarks = FaceApiLandmarks68.ToFivePoints(points[i]) };
        }

        return kept;
    }

    public void Dispose()
    {
        _landmarks.Dispose();
        _session.Dispose();
    }
}
