using System.Globalization;
using System.Numerics.Tensors;

namespace CompreFace.Grains.Interfaces;

/// <summary>
/// CompreFace's <c>EuclideanDistanceClassifier</c> (docs/compreface-behaviour.md#similarity), the one home of the
/// similarity formula: both vectors are L2-normalised, d = ‖a − b‖₂ and similarity = (tanh((c0 − d)·c1) + 1) / 2,
/// rounded to 5 decimals HALF_UP. (c0, c1) are the calculator's coefficients (<see cref="CalculatorIdentity"/>); 0.5 is
/// reached at d = c0. It lives with the wire types because the HTTP tier, which must not load models, computes
/// similarities, and the inference tier's calibration tests compute the same numbers
/// (docs/decisions/0018-face-results-and-model-identity.md).
/// </summary>
public static class Similarity
{
    /// <summary>Similarity of two raw embeddings of equal length.</summary>
    public static double Compute(ReadOnlySpan<float> a, ReadOnlySpan<float> b, double c0, double c1) =>
        FromDistance(Distance(a, b), c0, c1);

    /// <summary>Similarity of two raw embeddings of equal length, with the coefficients of <paramref name="calculator"/>.</summary>
    public static double Compute(ReadOnlySpan<float> a, ReadOnlySpan<float> b, CalculatorIdentity calculator)
    {
        ArgumentNullException.ThrowIfNull(calculator);
        return Compute(a, b, calculator.C0, calculator.C1);
    }

    /// <summary>Similarity of two raw embeddings of equal length given as doubles (the embedding endpoints).</summary>
    public static double Compute(ReadOnlySpan<double> a, ReadOnlySpan<double> b, CalculatorIdentity calculator)
    {
        ArgumentNullException.ThrowIfNull(calculator);
        return Compute(a, b, calculator.C0, calculator.C1);
    }

    /// <summary>Similarity of two raw embeddings of equal length given as doubles.</summary>
    public static double Compute(ReadOnlySpan<double> a, ReadOnlySpan<double> b, double c0, double c1)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("Embeddings differ in length.", nameof(b));
        }

        var normA = NonZero(Norm(a));
        var normB = NonZero(Norm(b));
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var diff = (a[i] / normA) - (b[i] / normB);
            sum += diff * diff;
        }

        return FromDistance(Math.Sqrt(sum), c0, c1);
    }

    /// <summary>Euclidean distance of the unit vectors of <paramref name="a"/> and <paramref name="b"/>, in double precision.</summary>
    public static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("Embeddings differ in length.", nameof(b));
        }

        double normA = 0, normB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            normA += (double)a[i] * a[i];
            normB += (double)b[i] * b[i];
        }

        normA = NonZero(Math.Sqrt(normA));
        normB = NonZero(Math.Sqrt(normB));
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var diff = (a[i] / normA) - (b[i] / normB);
            sum += diff * diff;
        }

        return Math.Sqrt(sum);
    }

    /// <summary>
    /// The similarity for the cosine of two unit vectors (what the collection grain ranks by): d = √(2 − 2·cos),
    /// clamped at 0 against rounding, then <see cref="FromDistance"/>.
    /// </summary>
    public static double FromCosine(double cosine, CalculatorIdentity calculator)
    {
        ArgumentNullException.ThrowIfNull(calculator);
        return FromDistance(Math.Sqrt(Math.Max(0, 2 - (2 * cosine))), calculator.C0, calculator.C1);
    }

    /// <summary>The similarity for a distance between unit vectors, rounded as CompreFace rounds it.</summary>
    public static double FromDistance(double distance, double c0, double c1) =>
        RoundHalfUp((Math.Tanh((c0 - distance) * c1) + 1) / 2);

    /// <summary>
    /// Java's <c>BigDecimal.valueOf(x).setScale(5, HALF_UP)</c>: rounds the shortest decimal form of the double, so
    /// 0.123455 gives 0.12346 even though its binary value lies just below the midpoint. Non-finite values pass through.
    /// </summary>
    public static double RoundHalfUp(double value, int decimals = 5)
    {
        if (!double.IsFinite(value) || Math.Abs(value) > 7.9e27)
        {
            return value;
        }

        var exact = decimal.Parse(value.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
        return (double)Math.Round(exact, decimals, MidpointRounding.AwayFromZero);
    }

    /// <summary>Returns a unit-length copy of <paramref name="embedding"/> (all zeros stays all zeros): what the collection stores and searches.</summary>
    public static float[] Normalize(ReadOnlySpan<float> embedding)
    {
        var copy = embedding.ToArray();
        var norm = TensorPrimitives.Norm(copy);
        if (norm > 0)
        {
            TensorPrimitives.Divide(copy, norm, copy);
        }

        return copy;
    }

    // Scaled by the largest magnitude so that huge inputs don't overflow to infinity.
    private static double Norm(ReadOnlySpan<double> v)
    {
        double max = 0;
        foreach (var x in v)
        {
            max = Math.Max(max, Math.Abs(x));
        }

        if (max == 0 || !double.IsFinite(max))
        {
            return max;
        }

        double sum = 0;
        foreach (var x in v)
        {
            var s = x / max;
            sum += s * s;
        }

        return max * Math.Sqrt(sum);
    }

    // A zero vector stays zero instead of becoming NaN.
    private static double NonZero(double norm) => norm > 0 ? norm : 1;
}
