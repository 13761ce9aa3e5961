namespace CompreFace.ModelConverter;

/// <summary>
/// AIZOO's face-mask SSD (Caffe, 260×260) as an ONNX graph: eight 3×3 conv + ReLU layers (the first six followed by a
/// 2×2 max-pool in Caffe's ceil mode), and on the last five feature maps a location head and a class head each (3×3
/// conv + ReLU, 3×3 conv), flattened per anchor and concatenated, class scores through a sigmoid. Weights come from the
/// <c>.caffemodel</c>; kernel, stride and padding of every layer from the <c>.prototxt</c>.
/// </summary>
internal static class AizooMaskConverter
{
    public const int Anchors = 5972;

    public static byte[] Convert(string caffemodel, string prototxt)
    {
        var blobs = CaffeModel.ReadBlobs(caffemodel);
        var shapes = CaffeModel.ReadLayerShapes(prototxt);
        var g = new OnnxGraph();

        string Conv(string x, string name)
        {
            if (!blobs.TryGetValue(name, out var layer) || layer.Count != 2 || !shapes.TryGetValue(name, out var shape))
            {
                throw new InvalidDataException($"{caffemodel}: layer {name} is missing or has no weights and bias.");
            }

            var weights = layer[0];
            var bias = layer[1];
            return g.Node(
                "Conv",
                [x, g.Constant(weights, name + "_w"), g.Constant(bias.Reshape(bias.Data.Length), name + "_b")],
                OnnxAttribute.Of("kernel_shape", shape.Kernel, shape.Kernel),
                OnnxAttribute.Of("pads", shape.Pad, shape.Pad, shape.Pad, shape.Pad),
                OnnxAttribute.Of("strides", shape.Stride, shape.Stride));
        }

        string Pool(string x, string name)
        {
            var shape = shapes.TryGetValue(name, out var s) ? s : throw new InvalidDataException($"{prototxt}: no pooling layer {name}.");
            return g.Node(
                "MaxPool",
                [x],
                OnnxAttribute.Of("ceil_mode", 1),
                OnnxAttribute.Of("kernel_shape", shape.Kernel, shape.Kernel),
                OnnxAttribute.Of("strides", shape.Stride, shape.Stride));
        }

        var x = "input";
        var features = new string[5];
        for (var i = 0; i < 8; i++)
        {
            x = g.Node("Relu", [Conv(x, $"conv2d_{i}")]);
            if (i >= 3)
            {
                features[i - 3] = x;
            }

            if (i <= 5)
            {
                x = Pool(x, $"maxpool2d_{i}");
            }
        }

        var classShape = g.Int64Constant([0, -1, 2], "shape_cls");
        var locationShape = g.Int64Constant([0, -1, 4], "shape_loc");
        var classes = new List<string>();
        var locations = new List<string>();
        for (var k = 0; k < 5; k++)
        {
            foreach (var kind in new[] { "cls", "loc" })
            {
                var h = g.Node("Relu", [Conv(features[k], $"{kind}_{k}_insert_conv2d")]);
                h = Conv(h, $"{kind}_{k}_conv");
                h = g.Node("Transpose", [h], OnnxAttribute.Of("perm", 0, 2, 3, 1));
                h = g.Node("Reshape", [h, kind == "cls" ? classShape : locationShape]);
                if (kind == "cls")
                {
                    classes.Add(g.Node("Sigmoid", [h]));
                }
                else
                {
                    locations.Add(h);
                }
            }
        }

        g.NodeTo("Concat", [.. locations], "loc", OnnxAttribute.Of("axis", 1));
        g.NodeTo("Concat", [.. classes], "cls", OnnxAttribute.Of("axis", 1));
        return g.ToModel(
            "aizoo_face_mask_detection",
            "AIZOOTech FaceMaskDetection SSD (MIT), converted by CompreFace.ModelConverter from GitHub AIZOOTech/FaceMaskDetection@256dc65f " +
            "models/face_mask_detection.caffemodel + .prototxt. Input NCHW RGB 260x260, pixel/255. Outputs loc [N,5972,4] (SSD offsets, " +
            "variances 0.1,0.1,0.2,0.2) and cls [N,5972,2] sigmoid scores (0 = mask, 1 = no mask). Anchors: feature maps 33,17,9,5,3; " +
            "sizes [[0.04,0.056],[0.08,0.11],[0.16,0.22],[0.32,0.45],[0.64,0.72]]; ratios [1,0.62,0.42].",
            ("input", ["N", 3, 260, 260]),
            ("loc", ["N", Anchors, 4]),
            ("cls", ["N", Anchors, 2]));
    }
}
