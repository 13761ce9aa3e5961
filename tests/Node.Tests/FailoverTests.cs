using System.Globalization;
using Xunit.Abstractions;

namespace CompreFace.Node.Tests;

/// <summary>
/// Failover of real node processes on PostgreSQL under a steady load of adds and recognitions: <c>kill -9</c> of the
/// node that holds the collection, a rolling restart, and the database restarted. The numbers they print are the
/// ones docs/cluster.md reports (docs/decisions/0014).
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(3);

    /// <summary>Slower than this counts as disturbed: a request held by retries or by a call to a dead silo.</summary>
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(2);

    /// <summary>The issue's bound (docs/decisions/0026): no recognition through a survivor may take longer.</summary>
    private static readonly TimeSpan RecognitionBound = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task ThreeNodes_KillNineOfTheCollectionHost_NoRecognitionFailsOrTakesOver3sAndNoAcknowledgedAddIsLost()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync("cf_failover");
        var nodes = await ClusterHarness.StartAsync(ClusterHarness.Settings(database.ConnectionString, database.DatabaseName), 3);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            var probe = ClusterHarness.SamplePhoto("008_B.jpg");
            await ClusterHarness.AddAsync(http, nodes[0].BaseAddress, "Rita", ClusterHarness.SamplePhoto("007_B.jpg"));
            var before = await ClusterHarness.BestMatchAsync(http, nodes[1].BaseAddress, probe);

            // Two clients, each pausing 100 ms between requests: a recognition about every 100 ms, modest on 2 cores.
            await using var load = new LoadGenerator(ClusterHarness.AddPhotos(8), probe, TimeSpan.FromMilliseconds(100));
            nodes.ForEach(n => load.Add(n.BaseAddress));
            load.Start(clients: 2);
            await AllServingAsync(load, nodes);

            // The host is the one node whose own metrics show the collection (a collection is active on one silo).
            NodeProcess? host = null;
            foreach (var node in nodes)
            {
                if (await ClusterHarness.HostsCollectionAsync(http, node.BaseAddress))
                {
                    Assert.Null(host);
                    host = node;
                }
            }

            Assert.NotNull(host);

            // A load balancer takes a node out when connections to it are refused; here that is at the kill itself.
            load.Remove(host.BaseAddress);
            var killedAt = load.Now;
            await host.KillAsync();
            var survivors = nodes.Where(n => n != host).ToList();

            var recovered = await WaitForRecoveryAsync(load, killedAt, host.BaseAddress);
            await load.StopAsync();

            var window = load.Outcomes.Where(o => o.Node != host.BaseAddress && o.At + o.Latency >= killedAt && o.At <= killedAt + recovered).ToList();
            var failed = window.Where(o => o.Failed).ToList();
            var lostInFlight = load.Outcomes.Count(o => o.Node == host.BaseAddress && o.Failed);
            var after = load.Outcomes.Where(o => o.Node != host.BaseAddress && o.At + o.Latency >= killedAt && o.At <= killedAt + recovered + Quiet).ToList();
            Report("kill -9 of the collection host", load, window, failed, recovered, string.Create(
                CultureInfo.InvariantCulture,
                $"{lostInFlight} requests in flight on the killed node failed (a load balancer's 502); in the {(recovered + Quiet).TotalSeconds:F1} s after the kill {after.Count} requests on the survivors, {after.Count(o => o.Failed)} failed, {after.Count(o => !o.Failed && o.Latency > Slow)} succeeded slower than {Slow.TotalSeconds:F0} s, slowest {after.Max(o => o.Latency).TotalSeconds:F1} s"));

            // Through the survivors nothing fails (the edge rides through: the standby answers searches, adds wait for
            // the collection to reactivate), and no recognition takes longer than the bound.
            var onSurvivors = load.Outcomes.Where(o => o.Node != host.BaseAddress).ToList();
            var recognitions = onSurvivors.Where(o => o.Kind == "recognize" && o.At + o.Latency >= killedAt).ToList();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"after the kill: {recognitions.Count} recognitions on the survivors, slowest {recognitions.Max(o => o.Latency).TotalSeconds:F2} s; slowest add {onSurvivors.Where(o => o.Kind == "add" && o.At + o.Latency >= killedAt).Select(o => o.Latency).DefaultIfEmpty().Max().TotalSeconds:F2} s"));
            Assert.True(onSurvivors.All(o => !o.Failed), string.Join('\n', onSurvivors.Where(o => o.Failed).Take(10)));
            Assert.True(recognitions.All(o => o.Latency <= RecognitionBound), string.Join('\n', recognitions.Where(o => o.Latency > RecognitionBound).Take(10)));
            Assert.Contains(load.Outcomes, o => o.Kind == "recognize" && !o.Failed && o.At > killedAt + recovered - Quiet);

            // Nothing acknowledged is lost; the collection answers through each survivor as before the kill.
            ClusterHarness.AssertAllPresent(load.Acknowledged, await ClusterHarness.ListFacesAsync(http, survivors[0].BaseAddress));
            foreach (var survivor in survivors)
            {
                Assert.Equal(before, await ClusterHarness.BestMatchAsync(http, survivor.BaseAddress, probe));
            }

            var hosts = 0;
            foreach (var survivor in survivors)
            {
                hosts += await ClusterHarness.HostsCollectionAsync(http, survivor.BaseAddress) ? 1 : 0;
            }

            Assert.Equal(1, hosts);
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task ThreeNodes_RollingRestartUnderLoad_NoRequestFails()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync("cf_rolling");
        var nodes = await ClusterHarness.StartAsync(ClusterHarness.Settings(database.ConnectionString, database.DatabaseName), 3);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            var probe = ClusterHarness.SamplePhoto("008_B.jpg");
            await ClusterHarness.AddAsync(http, nodes[0].BaseAddress, "Rita", ClusterHarness.SamplePhoto("007_B.jpg"));
            var before = await ClusterHarness.BestMatchAsync(http, nodes[1].BaseAddress, probe);

            await using var load = new LoadGenerator(ClusterHarness.AddPhotos(8), probe, TimeSpan.FromMilliseconds(50));
            nodes.ForEach(n => load.Add(n.BaseAddress));
            load.Start(clients: 2);
            await AllServingAsync(load, nodes);

            for (var i = 0; i < nodes.Count; i++)
            {
                // Drain, SIGTERM (the silo leaves and hands its grains over), start again, back into rotation when ready.
                load.Remove(nodes[i].BaseAddress);
                await load.DrainAsync(nodes[i].BaseAddress);
                await nodes[i].TerminateAsync(TimeSpan.FromSeconds(30));
                var settings = nodes[i].Settings;
                await nodes[i].DisposeAsync();
                nodes[i] = await NodeProcess.StartAsync(settings, "/health/ready");
                var back = load.Now;
                load.Add(nodes[i].BaseAddress);
                var restarted = nodes[i].BaseAddress;
                await load.WaitUntilAsync(() => load.Answered(restarted, back) >= 2, TimeSpan.FromSeconds(60), $"the restarted node {restarted} served no load");
            }

            await load.StopAsync();
            var outcomes = load.Outcomes;
            var failed = outcomes.Where(o => o.Failed).ToList();
            Report("rolling restart", load, outcomes, failed, TimeSpan.Zero, string.Empty);
            Assert.True(failed.Count == 0, string.Join('\n', failed.Take(10)));
            Assert.True(load.Acknowledged.Count > 0);

            ClusterHarness.AssertAllPresent(load.Acknowledged, await ClusterHarness.ListFacesAsync(http, nodes[2].BaseAddress));
            Assert.Equal(before, await ClusterHarness.BestMatchAsync(http, nodes[0].BaseAddress, probe));
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task TwoNodes_PostgresRestartedUnderLoad_Clean503ThenRecoversWithNothingLost()
    {
        await using var postgres = await ThrowawayPostgres.StartAsync();
        await using var database = await PostgresServer.CreateDatabaseAsync("cf_pgrestart", postgres.ConnectionString);
        var nodes = await ClusterHarness.StartAsync(ClusterHarness.Settings(database.ConnectionString, database.DatabaseName), 2);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            var probe = ClusterHarness.SamplePhoto("008_B.jpg");

            // Down before the key and the collection were ever loaded: their grains fail to activate, the client gets
            // the 503 in bounded time, and once the database is back the same grains activate (nothing is stuck).
            await postgres.StopServerAsync();
            var cold = System.Diagnostics.Stopwatch.StartNew();
            using (var request = LoadGenerator.Upload(nodes[0].BaseAddress, "/api/v1/recognition/recognize", probe))
            using (var response = await http.SendAsync(request))
            {
                var outcome = new LoadOutcome(TimeSpan.Zero, "recognize", nodes[0].BaseAddress, (int)response.StatusCode, await response.Content.ReadAsStringAsync(), cold.Elapsed);
                output.WriteLine("cold start with the database down: " + outcome);
                ClusterHarness.AssertCleanUnavailable(outcome);
                Assert.True(outcome.Latency < TimeSpan.FromSeconds(20), outcome.ToString());
            }

            await postgres.StartServerAsync();
            await ClusterHarness.AddAsync(http, nodes[0].BaseAddress, "Rita", ClusterHarness.SamplePhoto("007_B.jpg"));
            var before = await ClusterHarness.BestMatchAsync(http, nodes[1].BaseAddress, probe);

            await using var load = new LoadGenerator(ClusterHarness.AddPhotos(8), probe, TimeSpan.FromMilliseconds(30));
            nodes.ForEach(n => load.Add(n.BaseAddress));
            load.Start(clients: 3);
            await AllServingAsync(load, nodes);

            // The outage lasts until the clients have seen it: adds refused and recognitions answered without the database.
            var stoppedAt = load.Now;
            await postgres.StopServerAsync();
            await load.WaitUntilAsync(
                () => load.Outcomes.Count(o => o.At >= stoppedAt && o.Kind == "add" && o.Failed) >= 2
                      && load.Outcomes.Count(o => o.At >= stoppedAt && o.Kind == "recognize") >= 4,
                TimeSpan.FromSeconds(60),
                "no add failed while PostgreSQL was down");
            var restartedAt = load.Now;
            await postgres.StartServerAsync();

            var recovered = await WaitForRecoveryAsync(load, restartedAt, exclude: null);
            await load.StopAsync();

            var outage = load.Outcomes.Where(o => o.At >= stoppedAt && o.At < restartedAt).ToList();
            var window = load.Outcomes.Where(o => o.At + o.Latency >= stoppedAt && o.At <= restartedAt + recovered).ToList();
            var failed = window.Where(o => o.Failed).ToList();
            Report(
                "PostgreSQL stopped until two adds failed",
                load,
                window,
                failed,
                restartedAt - stoppedAt + recovered,
                string.Create(CultureInfo.InvariantCulture, $"recovered {recovered.TotalSeconds:F1} s after the restart; slowest answer during the outage {outage.Max(o => o.Latency).TotalSeconds:F1} s"));

            // While it is down: adds fail (they must reach the database), with a clean 503 code 41, in bounded time.
            Assert.Contains(outage, o => o.Kind == "add" && o.Failed);

            // Recognitions need no database: keys and collections are in memory, so they keep answering.
            Assert.DoesNotContain(window, o => o.Kind == "recognize" && o.Failed);
            failed.ForEach(ClusterHarness.AssertCleanUnavailable);
            Assert.All(outage, o => Assert.True(o.Latency < TimeSpan.FromSeconds(20), o.ToString()));

            // After it returns: the same nodes take adds again, and nothing acknowledged is lost.
            Assert.Contains(load.Outcomes, o => o.Kind == "add" && !o.Failed && o.At > restartedAt);
            ClusterHarness.AssertAllPresent(load.Acknowledged, await ClusterHarness.ListFacesAsync(http, nodes[1].BaseAddress));
            Assert.Equal(before, await ClusterHarness.BestMatchAsync(http, nodes[0].BaseAddress, probe));
        }
        catch
        {
            // What the nodes logged (warnings and errors) explains an unexpected answer.
            nodes.ForEach(n => output.WriteLine($"--- node {n.BaseAddress.Port}:\n{n.Output[^Math.Min(n.Output.Length, 4000)..]}"));
            throw;
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        }
    }

    /// <summary>
    /// Waits until, after the last disturbed request (failed or slower than <see cref="Slow"/>; not counting
    /// <paramref name="exclude"/>), the load has run for <see cref="Quiet"/> and adds and recognitions that started
    /// after it succeeded (requests still hanging are not a recovery), bounded; returns the time from
    /// <paramref name="from"/> to the end of the last disturbed request.
    /// </summary>
    private static async Task<TimeSpan> WaitForRecoveryAsync(LoadGenerator load, TimeSpan from, Uri? exclude)
    {
        TimeSpan Last() =>
            load.Outcomes.Where(o => (o.Failed || o.Latency > Slow) && o.Node != exclude && o.At + o.Latency >= from)
                .Select(o => o.At + o.Latency).DefaultIfEmpty(from).Max();

        bool Recovered()
        {
            var last = Last();
            var since = load.Outcomes.Where(o => !o.Failed && o.At >= last).ToList();
            return load.Now - last >= Quiet && load.Now - from >= Quiet
                && since.Count(o => o.Kind == "add") >= 2 && since.Count(o => o.Kind == "recognize") >= 2;
        }

        // Checked at every answer of the load (the recovery is something the clients see), bounded.
        await load.WaitUntilAsync(Recovered, TimeSpan.FromSeconds(90), () => "no recovery:\n" + string.Join('\n', load.Outcomes.Where(o => o.Failed).TakeLast(10)));
        return Last() - from;
    }

    /// <summary>Phase barrier after starting the load: every node has answered it at least twice.</summary>
    private static Task AllServingAsync(LoadGenerator load, IReadOnlyList<NodeProcess> nodes) =>
        load.WaitUntilAsync(() => nodes.All(n => load.Answered(n.BaseAddress, TimeSpan.Zero) >= 2), TimeSpan.FromSeconds(60), "not every node served the load");

    private void Report(string scenario, LoadGenerator load, List<LoadOutcome> window, List<LoadOutcome> failed, TimeSpan recovery, string more)
    {
        var all = load.Outcomes;
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{scenario}: {all.Count} requests ({load.Acknowledged.Count} adds acknowledged); window {window.Count} requests, {failed.Count} failed ({(window.Count == 0 ? 0 : 100.0 * failed.Count / window.Count):F1} %); recovery {recovery.TotalSeconds:F1} s; {more}"));
        foreach (var failure in failed.Take(20))
        {
            output.WriteLine("  " + failure);
        }
    }
}
