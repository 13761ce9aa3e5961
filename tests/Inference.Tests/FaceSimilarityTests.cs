using Xunit;

namespace CompreFace.Inference.Tests;

public sealed class FaceSimilarityTests
{
    private static readonly SimilarityCoefficients Coefficients = new(1.0488088, 6.33);

    [Fact]
    public void FromDistance_AtC0_IsHalf()
    {
        Assert.Equal(0.5, FaceSimilarity.FromDistance(Coefficients.C0, Coefficients));
    }

    [Fact]
    public void FromDistance_Midpoint_RoundsHalfUp()
    {
        // With c1 = 0.5 and c0 = 0, d = -2·atanh(2x − 1) gives similarity x exactly (up to float error); pick x on a 6th-decimal 5.
        var coefficients = new SimilarityCoefficients(0, 0.5);
        var d = -2 * Math.Atanh((2 * 0.123455000001) - 1);
        Assert.Equal(0.12346, FaceSimilarity.FromDistance(d, coefficients));
        Assert.Equal(0.12345, FaceSimilarity.FromDistance(-2 * Math.Atanh((2 * 0.123454999) - 1), coefficients));
    }

    [Fact]
    public void FromDistance_IncreasingDistance_NeverIncreases()
    {
        var previous = double.MaxValue;
        for (var d = 0.0; d <= 2.0; d += 0.01)
        {
            var s = FaceSimilarity.FromDistance(d, Coefficients);
            Assert.InRange(s, 0, 1);
            Assert.True(s <= previous);
            previous = s;
        }

        Assert.True(FaceSimilarity.FromDistance(0.3, Coefficients) > FaceSimilarity.FromDistance(1.5, Coefficients));
    }

    [Fact]
    public void Compute_IdenticalAndOppositeVectors_GiveExtremes()
    {
        float[] a = [3, 4, 0];
        float[] b = [6, 8, 0];
        float[] c = [-3, -4, 0];
        Assert.Equal(0, FaceSimilarity.Distance(a, b), 5);
        Assert.Equal(2, FaceSimilarity.Distance(a, c), 5);
        Assert.True(FaceSimilarity.Compute(a, b, Coefficients) > 0.99);
        Assert.True(FaceSimilarity.Compute(a, c, Coefficients) < 0.01);
    }

    [Fact]
    public void Normalize_Vector_HasUnitLength()
    {
        var n = FaceSimilarity.Normalize([3f, 4f]);
        Assert.Equal(0.6f, n[0], 6);
        Assert.Equal(0.8f, n[1], 6);
        Assert.Equal([0f, 0f], FaceSimilarity.Normalize([0f, 0f]));
    }
}
