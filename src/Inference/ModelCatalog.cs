using System.Security.Cryptography;

namespace CompreFace.Inference;

/// <summary>One model file the project knows: the checksum is the contract, the rest says where it comes from.</summary>
/// <param name="FileName">File name inside <see cref="ModelOptions.Path"/>.</param>
/// <param name="Sha256">Lower-case hex sha256 of the file.</param>
/// <param name="Size">File size in bytes.</param>
/// <param name="Source">Where an ordinary tool obtains it.</param>
/// <param name="Licence">Licence of the weights as published.</param>
/// <param name="EquivalentSha256">
/// For a converted model, the sha256 of an earlier conversion that computes exactly the same outputs (other names and
/// metadata, same weights and operations; tests/Tools.Tests compares them), which is accepted as well.
/// </param>
public sealed record ModelDescriptor(string FileName, string Sha256, long Size, string Source, string Licence, string? EquivalentSha256 = null)
{
    /// <summary>Whether a file with sha256 <paramref name="sha256"/> is this model.</summary>
    public bool Accepts(string sha256) =>
        string.Equals(sha256, Sha256, StringComparison.Ordinal) || (EquivalentSha256 is not null && string.Equals(sha256, EquivalentSha256, StringComparison.Ordinal));
}

/// <summary>The project's model manifest (the table in README.md#models); <c>deploy/fetch-models.sh</c> fetches these files.</summary>
public static class ModelCatalog
{
    private const string FacePluginNpm = "npm faceplugin-face-recognition-js@0.0.1 (https://registry.npmjs.org/faceplugin-face-recognition-js/-/faceplugin-face-recognition-js-0.0.1.tgz)";
    private const string FaceApiNpm = "converted by tools/ModelConverter (deploy/fetch-models.sh) from npm @vladmandic/face-api@1.7.15 (https://registry.npmjs.org/@vladmandic/face-api/-/face-api-1.7.15.tgz) model/";
    private const string YuNetSource = "https://github.com/opencv/opencv_zoo/raw/main/models/face_detection_yunet/face_detection_yunet_2023mar.onnx (= ShiqiYu/libfacedetection.train@0047ac24 onnx/";

    /// <summary>YuNet 2023mar, fixed 640×640 input.</summary>
    public static readonly ModelDescriptor YuNet640 = new("yunet_2023mar_640x640.onnx", "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4", 232_589, YuNetSource + "yunet_s_640_640.onnx)", "Apache-2.0 / MIT (Shiqi Yu)");

    /// <summary>YuNet 2023mar, dynamic input.</summary>
    public static readonly ModelDescriptor YuNetDynamic = new("yunet_2023mar_dynamic.onnx", "daede24002cc8590f457998cc5e6c9e8b82f45f6bd969506a8913cd4ed10a2d3", 237_823, "https://github.com/ShiqiYu/libfacedetection.train/raw/0047ac24afb1a50a0c6105001c89d1b5b805dbf1/onnx/yunet_s_dynamic.onnx", "Apache-2.0 (Shiqi Yu)");

    /// <summary>MobileFaceNet, 512-d embeddings.</summary>
    public static readonly ModelDescriptor MobileFaceNet512 = new("mobilefacenet512_faceplugin.onnx", "87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581", 4_884_269, FacePluginNpm + " package/model/fr_feature.onnx", "MIT per package; training data undisclosed");

    /// <summary>dlib ResNet, 128-d embeddings.</summary>
    public static readonly ModelDescriptor DlibResNet128 = new("dlib_resnet128_faceapi.onnx", "4c78360f39200f5501b0a5d05d3295f9f05739f16c426320126be71022acfafa", 22_437_595, FaceApiNpm + "face_recognition_model", "MIT (face-api); weights public domain (dlib)", "4d7b23dfcd154f114313da0e7ff64d697075297af80bc18485bd3e75667c37d4");

    /// <summary>UltraFace RFB-320 detector (no landmarks).</summary>
    public static readonly ModelDescriptor UltraFace = new("ultraface_rfb320_faceplugin.onnx", "6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854", 1_217_758, FacePluginNpm + " package/model/fr_detect.onnx", "MIT per package");

    /// <summary>68-point landmarks.</summary>
    public static readonly ModelDescriptor Landmark68 = new("landmark68_faceapi.onnx", "ab7a453024a4722b474fbb26e49bb4bd12f9b914b2005d4862d46f5f9c4d239d", 1_434_277, FaceApiNpm + "face_landmark_68_model", "MIT", "876459ea93e46c667465511ed5a28018017485fbc73284e3b6280d867e4e62a8");

    /// <summary>Age and gender.</summary>
    public static readonly ModelDescriptor AgeGender = new("age_gender_faceapi.onnx", "66124000c9e814b0660010b6b872b0a2c5094ce115cd5a1f9578d046db98ed4e", 1_693_413, FaceApiNpm + "age_gender_model", "MIT", "e4200cb1d5925826a849d8a936517b08cd32e54f56c393d1c8a84713bca61758");

    /// <summary>Head pose (yaw, pitch, roll).</summary>
    public static readonly ModelDescriptor HeadPose = new("headpose_hopenet_faceplugin.onnx", "72d032ec941b7153bf8d3f2c03a4c165453cc7e63d479041ec7c6ef087e5839d", 5_811_723, FacePluginNpm + " package/model/fr_pose.onnx", "MIT per package");

    /// <summary>Mask / no mask.</summary>
    public static readonly ModelDescriptor Mask = new("mask_aizoo_260.onnx", "6681d81f36987b12ac0e1a2a7b692a672821b4a5a99a2ba576e205512247c034", 4_054_860, "converted by tools/ModelConverter (deploy/fetch-models.sh) from https://github.com/AIZOOTech/FaceMaskDetection/raw/256dc65f726cb78d82936b2c61c55a5adc2cf05d/models/face_mask_detection.caffemodel + .prototxt", "MIT (AIZOOTech)", "da24a7945aeb29b4be470f3de1bfd0904d0e82d81ccd984c1f88828a75e43f9a");

    /// <summary>Passive liveness.</summary>
    public static readonly ModelDescriptor Liveness = new("liveness_minifasnet_faceplugin.onnx", "afa783b7e902fdfcf323a7240cac2a1c580c25314ea4161129dc1b0d100dc32d", 1_886_811, FacePluginNpm + " package/model/fr_liveness.onnx", "MIT per package");

    /// <summary>Seven facial expressions.</summary>
    public static readonly ModelDescriptor Expression = new("expression_densenet_faceplugin.onnx", "88959314d9dc14d6c968cca31dc068e4350bf1944154e3bdd2eece5d0f318d05", 28_156_839, FacePluginNpm + " package/model/fr_expression.onnx", "MIT per package");

    /// <summary>Every model the project knows.</summary>
    public static IReadOnlyList<ModelDescriptor> All { get; } =
        [YuNet640, YuNetDynamic, MobileFaceNet512, DlibResNet128, UltraFace, Landmark68, AgeGender, HeadPose, Mask, Liveness, Expression];

    /// <summary>The detector file for <see cref="InferenceOptions.Detector"/> (<c>ultraface</c> also loads <see cref="Landmark68"/>).</summary>
    public static ModelDescriptor ForDetector(string name) => name switch
    {
        "yunet" => YuNet640,
        "yunet-dynamic" => YuNetDynamic,
        "ultraface" => UltraFace,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown detector."),
    };

    /// <summary>The embedder file for <see cref="InferenceOptions.Embedder"/>.</summary>
    public static ModelDescriptor ForEmbedder(string name) => name switch
    {
        "mobilefacenet" => MobileFaceNet512,
        "dlib" => DlibResNet128,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown embedder."),
    };

    /// <summary>
    /// Full path of <paramref name="model"/> under <paramref name="directory"/>, after checking that it exists and, when
    /// <paramref name="verifyChecksum"/>, that its sha256 matches.
    /// </summary>
    /// <exception cref="ModelFileException">The file is missing or its bytes differ from the manifest.</exception>
    public static string Locate(ModelDescriptor model, string directory, bool verifyChecksum)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(directory);
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, model.FileName));
        if (!File.Exists(path))
        {
            throw new ModelFileException(path, $"Model file '{path}' is missing. Expected sha256 {model.Sha256} ({model.Size} bytes). " +
                $"Run deploy/fetch-models.sh or download it from {model.Source}, then set Models:Path to its directory.");
        }

        if (verifyChecksum)
        {
            string actual;
            using (var stream = File.OpenRead(path))
            {
                actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            }

            if (!model.Accepts(actual))
            {
                throw new ModelFileException(path, $"Model file '{path}' is corrupt or a different version: sha256 {actual}, expected {model.Sha256} ({model.Size} bytes). " +
                    $"Run deploy/fetch-models.sh or download it again from {model.Source}.");
            }
        }

        return path;
    }
}

/// <summary>A configured model file is missing or does not match the manifest; raised once, at startup.</summary>
public sealed class ModelFileException : Exception
{
    public ModelFileException()
    {
    }

    public ModelFileException(string message)
        : base(message)
    {
    }

    public ModelFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ModelFileException(string filePath, string message)
        : base(message)
    {
        FilePath = filePath;
    }

    /// <summary>Full path of the offending file.</summary>
    public string? FilePath { get; }
}
