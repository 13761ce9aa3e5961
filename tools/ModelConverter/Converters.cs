namespace CompreFace.ModelConverter;

/// <summary>One model this tool writes: the output file name and how it is made from an upstream folder.</summary>
/// <param name="FileName">Output file name, as in src/Inference/ModelCatalog.cs.</param>
/// <param name="Inputs">The upstream files read, relative to the upstream folder.</param>
/// <param name="Convert">Builds the ONNX bytes from the upstream folder.</param>
internal sealed record ConvertedModel(string FileName, IReadOnlyList<string> Inputs, Func<string, byte[]> Convert);

/// <summary>
/// The converted models. The upstream folder is laid out as the project's offline copy is (and as deploy/fetch-models.sh
/// assembles its downloads): <c>face-api-1.7.15/</c> = npm <c>@vladmandic/face-api@1.7.15</c> <c>model/</c>,
/// <c>aizoo-256dc65f/</c> = GitHub <c>AIZOOTech/FaceMaskDetection@256dc65f</c> <c>models/</c>.
/// </summary>
internal static class Converters
{
    public const string FaceApiFolder = "face-api-1.7.15";
    public const string AizooFolder = "aizoo-256dc65f";

    public static IReadOnlyList<ConvertedModel> All { get; } =
    [
        new("age_gender_faceapi.onnx", FaceApi("age_gender_model"), u => FaceApiConverter.AgeGender(Path.Combine(u, FaceApiFolder))),
        new("landmark68_faceapi.onnx", FaceApi("face_landmark_68_model"), u => FaceApiConverter.Landmark68(Path.Combine(u, FaceApiFolder))),
        new("dlib_resnet128_faceapi.onnx", FaceApi("face_recognition_model"), u => FaceApiConverter.Recognition(Path.Combine(u, FaceApiFolder))),
        new(
            "mask_aizoo_260.onnx",
            [$"{AizooFolder}/face_mask_detection.caffemodel", $"{AizooFolder}/face_mask_detection.prototxt"],
            u => AizooMaskConverter.Convert(Path.Combine(u, AizooFolder, "face_mask_detection.caffemodel"), Path.Combine(u, AizooFolder, "face_mask_detection.prototxt"))),
    ];

    private static string[] FaceApi(string name) => [$"{FaceApiFolder}/{name}-weights_manifest.json", $"{FaceApiFolder}/{name}.bin"];
}
