using CompreFace.Grains.Interfaces;
using CompreFace.WebApi.Http;
using Microsoft.Extensions.Time.Testing;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// The node's recent key answers, which stand in for an API key's grain only while that grain's silo cannot answer
/// (docs/decisions/0032): bounded in age, and an "unknown" answer forgets the key at once.
/// </summary>
public sealed class RecentApiKeysTests
{
    private static readonly FaceServiceInfo Service = new(Guid.NewGuid(), FaceServiceType.Recognition, "demo");
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Recent_AnswerWithinTheAge_IsReturnedUntilItIsOlder()
    {
        var recent = new RecentApiKeys(_time);
        recent.Remember("k", Service);

        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.Same(Service, recent.Recent("k", TimeSpan.FromMinutes(1)));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(recent.Recent("k", TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void Remember_KeyNowUnknown_ForgetsItsService()
    {
        var recent = new RecentApiKeys(_time);
        recent.Remember("k", Service);
        recent.Remember("k", null);

        Assert.Null(recent.Recent("k", TimeSpan.FromMinutes(1)));
        Assert.Null(recent.Recent("other", TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void Recent_ZeroAge_NeverAnswers()
    {
        var recent = new RecentApiKeys(_time);
        recent.Remember("k", Service);
        _time.Advance(TimeSpan.FromTicks(1));

        Assert.Null(recent.Recent("k", TimeSpan.Zero));
    }
}
