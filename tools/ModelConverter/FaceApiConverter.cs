namespace CompreFace.ModelConverter;

/// <summary>
/// face-api's three networks as ONNX graphs (NCHW, float32). The layers follow face-api's TensorFlow.js code: convolutions
/// with TensorFlow's "same" padding (the extra row/column at the end), separable convolutions as depthwise + pointwise,
/// filters rearranged from TensorFlow's HWIO to ONNX's OIHW.
/// </summary>
internal static class FaceApiConverter
{
    private static string InputNormalisation(int divisor) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Input NCHW RGB, (pixel - [122.782, 117.001, 104.298]) / {divisor} of the face crop.");

    /// <summary>FaceLandmark68Net: 112×112 face → 136 values, 68 (x, y) pairs normalised to [0, 1] of the input (iBUG-68 order).</summary>
    public static byte[] Landmark68(string directory)
    {
        var g = new FaceApiGraph(TfjsWeights.Load(directory, "face_landmark_68_model"));
        string x = "input";
        var size = 112;
        for (var i = 0; i < 4; i++)
        {
            var p = $"dense{i}";
            string o1;
            (o1, size) = i == 0
                ? g.Conv(x, g.W[p + "/conv0/filters"], g.W[p + "/conv0/bias"], size, 2)
                : g.SeparableConv(x, p + "/conv0", size, 2);
            o1 = g.Relu(o1);
            var (o2, _) = g.SeparableConv(o1, p + "/conv1", size, 1);
            var (o3, _) = g.SeparableConv(g.Relu(g.Add(o1, o2)), p + "/conv2", size, 1);
            var (o4, _) = g.SeparableConv(g.Relu(g.Add(o1, g.Add(o2, o3))), p + "/conv3", size, 1);
            x = g.Relu(g.Add(o1, g.Add(o2, g.Add(o3, o4))));
        }

        x = g.Graph.Node("AveragePool", [x], OnnxAttribute.Of("kernel_shape", 7, 7), OnnxAttribute.Of("strides", 2, 2));
        x = g.Graph.Node("Flatten", [x], OnnxAttribute.Of("axis", 1));
        g.Graph.NodeTo("Identity", [g.FullyConnected(x, "fc/weights", "fc/bias")], "landmarks");
        return g.Graph.ToModel(
            "faceapi_face_landmark_68",
            "face-api FaceLandmark68Net (MIT), converted by CompreFace.ModelConverter from npm @vladmandic/face-api@1.7.15 model/face_landmark_68_model. " +
            InputNormalisation(255) + " Input 112x112, padded to a square (centred). " +
            "Output landmarks [N,136] = 68 (x,y) pairs normalised to [0,1] of the input (iBUG-68 order).",
            ("input", ["N", 3, 112, 112]),
            ("landmarks", ["N", 136]));
    }

    /// <summary>AgeGenderNet (TinyXception): 112×112 face → age in years and softmax(P(male), P(female)).</summary>
    public static byte[] AgeGender(string directory)
    {
        var g = new FaceApiGraph(TfjsWeights.Load(directory, "age_gender_model"));
        var w = g.W;

        (string, int) Reduction(string x, string p, int s, bool activateInput)
        {
            var o = activateInput ? g.Relu(x) : x;
            (o, _) = g.SeparableConv(o, p + "/separable_conv0", s, 1);
            (o, _) = g.SeparableConv(g.Relu(o), p + "/separable_conv1", s, 1);
            (o, var pooled) = g.MaxPoolSame(o, s);
            var (e, _) = g.Conv(x, w[p + "/expansion_conv/filters"], w[p + "/expansion_conv/bias"], s, 2);
            return (g.Add(o, e), pooled);
        }

        string Main(string x, string p, int s)
        {
            var (o, _) = g.SeparableConv(g.Relu(x), p + "/separable_conv0", s, 1);
            (o, _) = g.SeparableConv(g.Relu(o), p + "/separable_conv1", s, 1);
            (o, _) = g.SeparableConv(g.Relu(o), p + "/separable_conv2", s, 1);
            return g.Add(o, x);
        }

        var (x, size) = g.Conv("input", w["entry_flow/conv_in/filters"], w["entry_flow/conv_in/bias"], 112, 2);
        x = g.Relu(x);
        (x, size) = Reduction(x, "entry_flow/reduction_block_0", size, false);
        (x, size) = Reduction(x, "entry_flow/reduction_block_1", size, true);
        for (var i = 0; i < 2; i++)
        {
            x = Main(x, $"middle_flow/main_block_{i}", size);
        }

        (x, size) = Reduction(x, "exit_flow/reduction_block", size, true);
        (x, _) = g.SeparableConv(x, "exit_flow/separable_conv", size, 1);
        x = g.Relu(x);
        x = g.Graph.Node("AveragePool", [x], OnnxAttribute.Of("kernel_shape", 7, 7), OnnxAttribute.Of("strides", 2, 2));
        x = g.Graph.Node("Flatten", [x], OnnxAttribute.Of("axis", 1));
        var age = g.FullyConnected(x, "fc/age/weights", "fc/age/bias");
        var genderLogits = g.FullyConnected(x, "fc/gender/weights", "fc/gender/bias");
        var gender = g.Graph.Node("Softmax", [genderLogits], OnnxAttribute.Of("axis", 1));
        g.Graph.NodeTo("Identity", [age], "age");
        g.Graph.NodeTo("Identity", [gender], "gender");
        return g.Graph.ToModel(
            "faceapi_age_gender",
            "face-api AgeGenderNet (TinyXception, MIT), converted by CompreFace.ModelConverter from npm @vladmandic/face-api@1.7.15 model/age_gender_model. " +
            InputNormalisation(256) + " Input 112x112, padded to a square (centred). " +
            "Outputs age [N,1] in years; gender [N,2] softmax, index 0 = P(male), index 1 = P(female).",
            ("input", ["N", 3, 112, 112]),
            ("age", ["N", 1]),
            ("gender", ["N", 2]));
    }

    /// <summary>
    /// FaceRecognitionNet (face-api's port of dlib's ResNet-34 face descriptor): 150×150 chip → 128-d embedding. Each conv
    /// layer's affine "scale" is folded into the convolution; a down-sampling block adds an average-pooled shortcut padded
    /// with zero channels (and the convolution path padded at the end where its output is one smaller).
    /// </summary>
    public static byte[] Recognition(string directory)
    {
        var g = new FaceApiGraph(TfjsWeights.Load(directory, "face_recognition_model"));
        var w = g.W;

        string ConvLayer(string x, string prefix, int stride, bool relu, bool valid)
        {
            var filters = w[prefix + "/conv/filters"];
            var bias = w[prefix + "/conv/bias"];
            var scale = w[prefix + "/scale/weights"];
            var shift = w[prefix + "/scale/biases"];

            // (conv(x) + b) · s + c == conv(x, f · s) + (b · s + c)
            var kernel = filters.Transpose(3, 2, 0, 1);
            var perOutput = kernel.Data.Length / scale.Data.Length;
            var folded = new float[kernel.Data.Length];
            for (var i = 0; i < folded.Length; i++)
            {
                folded[i] = kernel.Data[i] * scale.Data[i / perOutput];
            }

            var foldedBias = new float[bias.Data.Length];
            for (var i = 0; i < foldedBias.Length; i++)
            {
                foldedBias[i] = (bias.Data[i] * scale.Data[i]) + shift.Data[i];
            }

            var k = filters.Shape[0];
            var pad = valid ? 0 : k / 2;
            var y = g.Graph.Node(
                "Conv",
                [x, g.Graph.Constant(new Tensor(folded, kernel.Shape), "w"), g.Graph.Constant(new Tensor(foldedBias, foldedBias.Length), "b")],
                OnnxAttribute.Of("kernel_shape", k, k),
                OnnxAttribute.Of("strides", stride, stride),
                OnnxAttribute.Of("pads", pad, pad, pad, pad));
            return relu ? g.Relu(y) : y;
        }

        string Residual(string x, string prefix)
        {
            var o = ConvLayer(x, prefix + "/conv1", 1, true, false);
            o = ConvLayer(o, prefix + "/conv2", 1, false, false);
            return g.Relu(g.Graph.Node("Add", [o, x]));
        }

        (string, int, int) ResidualDown(string x, string prefix, int inSize, int inChannels)
        {
            var o = ConvLayer(x, prefix + "/conv1", 2, true, true);
            o = ConvLayer(o, prefix + "/conv2", 1, false, false);
            var outChannels = w[prefix + "/conv2/conv/filters"].Shape[3];
            var outSize = ((inSize - 3) / 2) + 1;
            var poolSize = inSize / 2;
            var p = g.Graph.Node("AveragePool", [x], OnnxAttribute.Of("kernel_shape", 2, 2), OnnxAttribute.Of("strides", 2, 2));
            if (poolSize != outSize)
            {
                var d = poolSize - outSize;
                o = g.Graph.Node("Pad", [o, g.Graph.Int64Constant([0, 0, 0, 0, 0, 0, d, d], "pads")]);
            }

            if (outChannels != inChannels)
            {
                p = g.Graph.Node("Pad", [p, g.Graph.Int64Constant([0, 0, 0, 0, 0, outChannels - inChannels, 0, 0], "pads")]);
            }

            return (g.Relu(g.Graph.Node("Add", [p, o])), poolSize, outChannels);
        }

        var x = ConvLayer("input", "conv32_down", 2, true, true);                                                // 150 → 72
        x = g.Graph.Node("MaxPool", [x], OnnxAttribute.Of("kernel_shape", 3, 3), OnnxAttribute.Of("strides", 2, 2)); // 72 → 35
        int size = 35, channels = 32;
        foreach (var p in new[] { "conv32_1", "conv32_2", "conv32_3" })
        {
            x = Residual(x, p);
        }

        (x, size, channels) = ResidualDown(x, "conv64_down", size, channels);
        foreach (var p in new[] { "conv64_1", "conv64_2", "conv64_3" })
        {
            x = Residual(x, p);
        }

        (x, size, channels) = ResidualDown(x, "conv128_down", size, channels);
        foreach (var p in new[] { "conv128_1", "conv128_2" })
        {
            x = Residual(x, p);
        }

        (x, size, channels) = ResidualDown(x, "conv256_down", size, channels);
        foreach (var p in new[] { "conv256_1", "conv256_2" })
        {
            x = Residual(x, p);
        }

        (x, _, _) = ResidualDown(x, "conv256_down_out", size, channels);
        var pooled = g.Graph.Node("ReduceMean", [x], OnnxAttribute.Of("axes", 2, 3), OnnxAttribute.Of("keepdims", 0));
        g.Graph.NodeTo("MatMul", [pooled, g.Graph.Constant(w["fc"], "fc")], "embedding");
        return g.Graph.ToModel(
            "faceapi_face_recognition_resnet34",
            "face-api FaceRecognitionNet (port of dlib's dlib_face_recognition_resnet_model_v1, 128-d; MIT, weights public domain), converted by " +
            "CompreFace.ModelConverter from npm @vladmandic/face-api@1.7.15 model/face_recognition_model. " +
            InputNormalisation(256) + " Input 150x150. Output embedding [N,128].",
            ("input", ["N", 3, 150, 150]),
            ("embedding", ["N", 128]));
    }

    /// <summary>The layer helpers face-api's networks share.</summary>
    private sealed class FaceApiGraph(Dictionary<string, Tensor> weights)
    {
        public Dictionary<string, Tensor> W { get; } = weights;

        public OnnxGraph Graph { get; } = new();

        /// <summary>A convolution with TensorFlow's "same" padding; filters in HWIO (regular) or HWC1 (depthwise, <paramref name="depthwise"/>).</summary>
        public (string Output, int Size) Conv(string x, Tensor filters, Tensor? bias, int size, int stride, bool depthwise = false)
        {
            var k = filters.Shape[0];
            var (pads, outSize) = SamePads(size, k, stride);
            var kernel = depthwise ? filters.Transpose(2, 3, 0, 1) : filters.Transpose(3, 2, 0, 1);
            string[] inputs = bias is null
                ? [x, Graph.Constant(kernel, "w")]
                : [x, Graph.Constant(kernel, "w"), Graph.Constant(bias, "b")];
            var output = Graph.Node(
                "Conv",
                inputs,
                OnnxAttribute.Of("group", depthwise ? filters.Shape[2] : 1),
                OnnxAttribute.Of("kernel_shape", k, k),
                OnnxAttribute.Of("pads", pads),
                OnnxAttribute.Of("strides", stride, stride));
            return (output, outSize);
        }

        public (string Output, int Size) SeparableConv(string x, string prefix, int size, int stride)
        {
            var (y, outSize) = Conv(x, W[prefix + "/depthwise_filter"], null, size, stride, depthwise: true);
            (y, _) = Conv(y, W[prefix + "/pointwise_filter"], W[prefix + "/bias"], outSize, 1);
            return (y, outSize);
        }

        public (string Output, int Size) MaxPoolSame(string x, int size)
        {
            var (pads, outSize) = SamePads(size, 3, 2);
            return (Graph.Node("MaxPool", [x], OnnxAttribute.Of("kernel_shape", 3, 3), OnnxAttribute.Of("pads", pads), OnnxAttribute.Of("strides", 2, 2)), outSize);
        }

        public string Relu(string x) => Graph.Node("Relu", [x]);

        public string Add(string a, string b) => Graph.Node("Add", [a, b]);

        public string FullyConnected(string x, string weightsName, string biasName) =>
            Graph.Node("Add", [Graph.Node("MatMul", [x, Graph.Constant(W[weightsName], "fcw")]), Graph.Constant(W[biasName], "fcb")]);

        /// <summary>TensorFlow's "same": output ⌈size / stride⌉, the odd padding pixel at the end.</summary>
        private static (long[] Pads, int Size) SamePads(int size, int kernel, int stride)
        {
            var outSize = (size + stride - 1) / stride;
            var total = Math.Max(((outSize - 1) * stride) + kernel - size, 0);
            long begin = total / 2;
            long end = total - begin;
            return ([begin, begin, end, end], outSize);
        }
    }
}
