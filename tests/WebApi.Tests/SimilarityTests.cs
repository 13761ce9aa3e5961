using CompreFace.Grains.Interfaces;

namespace CompreFace.WebApi.Tests;

/// <summary>CompreFace's similarity formula (the one <see cref="Similarity"/> both tiers use) and Java's HALF_UP rounding.</summary>
public sealed class SimilarityTests
{
    private const double C0 = 1.1817961;
    private const double C1 = 5.291995557;

    [Fact]
    public void FromDistance_AtC0_IsOneHalf()
    {
        Assert.Equal(0.5, Similarity.FromDistance(C0, C0, C1));
    }

    [Fact]
    public void Compute_IdenticalDirection_IgnoresLength()
    {
        float[] a = [1, 2, 3];
        float[] b = [2, 4, 6];

        Assert.Equal(Similarity.FromDistance(0, C0, C1), Similarity.Compute(a, b, C0, C1));
    }

    [Fact]
    public void Compute_Orthogonal_UsesSqrtTwoDistance()
    {
        double[] a = [1, 0];
        double[] b = [0, 5];

        Assert.Equal(Similarity.FromDistance(Math.Sqrt(2), C0, C1), Similarity.Compute(a, b, C0, C1));
    }

    [Fact]
    public void Compute_FloatAndDouble_Agree()
    {
        float[] a = [0.1f, -0.7f, 0.3f];
        float[] b = [0.2f, -0.5f, -0.1f];

        Assert.Equal(
            Similarity.Compute(a, b, C0, C1),
            Similarity.Compute(a.Select(x => (double)x).ToArray(), b.Select(x => (double)x).ToArray(), C0, C1));
    }

    [Fact]
    public void Compute_ZeroOrHugeVector_StaysFinite()
    {
        Assert.True(double.IsFinite(Similarity.Compute([0d, 0d], [1d, 1d], C0, C1)));
        Assert.True(double.IsFinite(Similarity.Compute([1e300, 1e300], [1d, 1d], C0, C1)));
    }

    [Theory]
    [InlineData(0.123455, 0.12346)]
    [InlineData(0.123454999, 0.12345)]
    [InlineData(0.999996, 1.0)]
    [InlineData(0.5, 0.5)]
    [InlineData(1.005e-6, 0.0)]
    public void RoundHalfUp_MatchesJavaBigDecimal(double value, double expected)
    {
        Assert.Equal(expected, Similarity.RoundHalfUp(value));
    }

    [Fact]
    public void FromDistance_IncreasingDistance_NeverIncreases()
    {
        var previous = double.MaxValue;
        for (var d = 0.0; d <= 2.0; d += 0.01)
        {
            var s = Similarity.FromDistance(d, C0, C1);
            Assert.InRange(s, 0, 1);
            Assert.True(s <= previous);
            previous = s;
        }
    }

    [Fact]
    public void FromCosine_SameAsDistanceOfUnitVectors()
    {
        var calculator = new CalculatorIdentity("test", C0, C1, 2);

        Assert.Equal(Similarity.FromDistance(Math.Sqrt(2), C0, C1), Similarity.FromCosine(0, calculator));
        Assert.Equal(Similarity.FromDistance(0, C0, C1), Similarity.FromCosine(1, calculator));
    }

    [Fact]
    public void Distance_IdenticalAndOppositeDirections_GiveZeroAndTwo()
    {
        float[] a = [3, 4, 0];
        float[] b = [6, 8, 0];
        float[] c = [-3, -4, 0];

        Assert.Equal(0, Similarity.Distance(a, b), 6);
        Assert.Equal(2, Similarity.Distance(a, c), 6);
    }

    [Fact]
    public void Normalize_Vector_HasUnitLengthAndZeroStaysZero()
    {
        var n = Similarity.Normalize([3f, 4f]);

        Assert.Equal(0.6f, n[0], 6);
        Assert.Equal(0.8f, n[1], 6);
        Assert.Equal([0f, 0f], Similarity.Normalize([0f, 0f]));
    }
}
