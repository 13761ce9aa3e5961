using System.Net;
using CompreFace.Grains.Collections;

namespace CompreFace.Grains.Tests;

/// <summary>
/// Rendezvous placement of shard copies when a silo has left (docs/decisions/0026, 0032): the copy that lived on a
/// surviving silo keeps its place, and the dead silo's copy lands on a silo that holds no sibling.
/// </summary>
public sealed class RankedPlacementTests
{
    private static readonly SiloAddress[] Silos = [Silo(11110), Silo(11111), Silo(11112)];

    [Fact]
    public void Choose_AllSilosLive_CopiesOnDistinctSilos()
    {
        foreach (var key in Keys())
        {
            var copies = Enumerable.Range(0, 2).Select(r => RankedPlacementDirector.Choose(Silos, [], key, r, 2)).ToArray();
            Assert.NotEqual(copies[0], copies[1]);
        }
    }

    [Fact]
    public void Choose_SiloOfACopyDied_SurvivingCopyStaysAndReplacementLandsApart()
    {
        foreach (var key in Keys())
        {
            var before = Enumerable.Range(0, 2).Select(r => RankedPlacementDirector.Choose(Silos, [], key, r, 2)).ToArray();
            for (var dead = 0; dead < 2; dead++)
            {
                var live = Silos.Where(s => !s.Equals(before[dead])).ToArray();
                string[] departed = [before[dead].Endpoint.ToString()];
                var after = Enumerable.Range(0, 2).Select(r => RankedPlacementDirector.Choose(live, departed, key, r, 2)).ToArray();

                // Orleans may ask again for the surviving copy (its directory entry died with the silo): same place.
                Assert.Equal(before[1 - dead], after[1 - dead]);
                Assert.NotEqual(after[0], after[1]);
                Assert.Contains(after[dead], live);
            }
        }
    }

    [Fact]
    public void Choose_NodeRestartedOnItsEndpoint_TakesItsPlaceBack()
    {
        foreach (var key in Keys())
        {
            var before = RankedPlacementDirector.Choose(Silos, [], key, 0, 2);
            var restarted = Silos.Select(s => s.Equals(before) ? SiloAddress.New(s.Endpoint, s.Generation + 1) : s).ToArray();
            var after = RankedPlacementDirector.Choose(restarted, [before.Endpoint.ToString()], key, 0, 2);

            Assert.Equal(before.Endpoint, after.Endpoint);
        }
    }

    private static IEnumerable<string> Keys() => Enumerable.Range(0, 60).Select(i => $"{i * 7919:x32}/{i % 3}");

    private static SiloAddress Silo(int port) => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), 1);
}
