namespace CompreFace.Inference.Plugins;

/// <summary>
/// <c>pose</c> from landmarks (<c>Plugins:PoseEstimator=landmarks</c>), as CompreFace derives pose from its landmarks: face-api's 68
/// points (<c>landmark68_faceapi.onnx</c>) reduced to five (eye centres, nose tip, mouth corners) and fitted to a generic 3D five-point
/// face under a scaled orthographic camera. The detector's own five points are not used: YuNet's barely follow an in-plane rotation
/// (a 30° turn of the picture moved its eye line by 3–15°), the 68-point net's do (docs/decisions/0015). The 2×3 affine map from the centred model
/// points to the centred image points is solved by least squares, its rows made orthonormal (polar factor), the third row is their cross product,
/// and the rotation is read as pitch (about x), yaw (about y), roll (about z). Signs follow <see cref="HeadPose"/>: yaw positive when
/// the face turns to the image's left, pitch positive looking up, roll positive when the head tilts clockwise in the image (as HopeNet).
/// Like HopeNet, it does not run under <c>detect_faces=false</c>: there are no real landmarks to solve from.
/// </summary>
internal sealed class LandmarkPosePlugin(OnnxRuntimeHost runtime) : FacePlugin(false, [("pose", "compreface.PoseEstimator@landmark68_solve")]), IDisposable
{
    private readonly FaceApiLandmarks68 _model = new(runtime);

    /// <summary>Added to the solved pitch: minus its mean on the 71 near-frontal shared portraits (PoseEstimatorTests).</summary>
    public const double PitchBias = -17.4;

    /// <summary>
    /// Generic face in millimetres (x to the image's right, y down, z towards the camera): pupils 64 mm apart, and the ArcFace
    /// template's vertical proportions at that scale; depths relative to the nose tip are typical adult values (the eyes sit about
    /// 25 mm and the mouth corners about 22 mm behind it). Order as the detector's points: image-left eye, image-right eye, nose tip,
    /// image-left and image-right mouth corners.
    /// </summary>
    private static readonly double[][] Model =
    [
        [-32.0, -36.6, -25.0],
        [32.0, -36.6, -25.0],
        [0.0, 0.0, 0.0],
        [-26.6, 37.5, -22.0],
        [26.6, 37.5, -22.0],
    ];

    public override void Run(DecodedImage image, IReadOnlyList<DetectedFace> faces, PluginResults results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(results);
        var points = _model.Predict(image, faces, cancellationToken);
        for (var i = 0; i < points.Length; i++)
        {
            if (Solve(FaceApiLandmarks68.ToFivePoints(points[i])) is { } pose)
            {
                results.Faces[i].Set("pose", pose);
            }
        }
    }

    public void Dispose() => _model.Dispose();

    /// <summary>The pose of five points in ArcFace order (pitch bias included); null when they are not five or are degenerate.</summary>
    public static HeadPose? Solve(IReadOnlyList<PointF> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count != Model.Length)
        {
            return null;
        }

        var n = points.Count;
        double mx = 0, my = 0;
        double[] m3 = [0, 0, 0];
        for (var i = 0; i < n; i++)
        {
            mx += points[i].X / n;
            my += points[i].Y / n;
            for (var k = 0; k < 3; k++)
            {
                m3[k] += Model[i][k] / n;
            }
        }

        // Normal equations: M (2×3) = (Σ p xᵀ) (Σ x xᵀ)⁻¹ over centred points.
        var xtx = new double[3, 3];
        var ptx = new double[2, 3];
        for (var i = 0; i < n; i++)
        {
            double[] x = [Model[i][0] - m3[0], Model[i][1] - m3[1], Model[i][2] - m3[2]];
            double[] p = [points[i].X - mx, points[i].Y - my];
            for (var r = 0; r < 3; r++)
            {
                for (var c = 0; c < 3; c++)
                {
                    xtx[r, c] += x[r] * x[c];
                }

                ptx[0, r] += p[0] * x[r];
                ptx[1, r] += p[1] * x[r];
            }
        }

        var inverse = Invert3(xtx);
        var r1 = new double[3];
        var r2 = new double[3];
        for (var c = 0; c < 3; c++)
        {
            for (var k = 0; k < 3; k++)
            {
                r1[c] += ptx[0, k] * inverse[k, c];
                r2[c] += ptx[1, k] * inverse[k, c];
            }
        }

        // Nearest pair of orthonormal rows, Q = (M Mᵀ)^(−1/2) M (the polar factor). Unlike normalising each row on its own it turns
        // with the picture: rotating the image by θ rotates Q by θ exactly, so an in-plane rotation moves roll and nothing else.
        double s11 = Dot(r1, r1), s12 = Dot(r1, r2), s22 = Dot(r2, r2);
        var det = (s11 * s22) - (s12 * s12);
        if (det <= 1e-12 || double.IsNaN(det))
        {
            return null;
        }

        // √S for a symmetric positive 2×2 S is (S + √det·I) / √(trace + 2√det); then its inverse.
        var rootDet = Math.Sqrt(det);
        var norm = Math.Sqrt(s11 + s22 + (2 * rootDet));
        double q11 = (s11 + rootDet) / norm, q12 = s12 / norm, q22 = (s22 + rootDet) / norm;
        var qDet = (q11 * q22) - (q12 * q12);
        double i11 = q22 / qDet, i12 = -q12 / qDet, i22 = q11 / qDet;
        var a = new double[3];
        var b = new double[3];
        for (var k = 0; k < 3; k++)
        {
            a[k] = (i11 * r1[k]) + (i12 * r2[k]);
            b[k] = (i12 * r1[k]) + (i22 * r2[k]);
        }

        double[] c3 = [(a[1] * b[2]) - (a[2] * b[1]), (a[2] * b[0]) - (a[0] * b[2]), (a[0] * b[1]) - (a[1] * b[0])];

        // R = [a; b; c3] = Rz(roll)·Ry(yaw)·Rx(pitch) in the model's axes.
        var pitch = Math.Atan2(c3[1], c3[2]);
        var yaw = Math.Asin(Math.Clamp(-c3[0], -1, 1));
        var roll = Math.Atan2(b[0], a[0]);
        const double Degrees = 180 / Math.PI;

        // Model y points down, so a positive rotation about x tips the face down: negate for "positive looking up". A positive
        // rotation about y turns the nose to the image's right: negate for "positive to the image's left".
        return new HeadPose(Math.Round((-pitch * Degrees) + PitchBias, 2), Math.Round(roll * Degrees, 2), Math.Round(-yaw * Degrees, 2));
    }

    private static double Dot(double[] u, double[] v) => (u[0] * v[0]) + (u[1] * v[1]) + (u[2] * v[2]);

    private static double[,] Invert3(double[,] m)
    {
        var det = (m[0, 0] * ((m[1, 1] * m[2, 2]) - (m[1, 2] * m[2, 1])))
                - (m[0, 1] * ((m[1, 0] * m[2, 2]) - (m[1, 2] * m[2, 0])))
                + (m[0, 2] * ((m[1, 0] * m[2, 1]) - (m[1, 1] * m[2, 0])));
        var inv = new double[3, 3];
        for (var r = 0; r < 3; r++)
        {
            for (var c = 0; c < 3; c++)
            {
                // Cofactor of (c, r) over the determinant: the adjugate is the transposed cofactor matrix.
                int r0 = (c + 1) % 3, r1 = (c + 2) % 3, c0 = (r + 1) % 3, c1 = (r + 2) % 3;
                inv[r, c] = ((m[r0, c0] * m[r1, c1]) - (m[r0, c1] * m[r1, c0])) / det;
            }
        }

        return inv;
    }
}
