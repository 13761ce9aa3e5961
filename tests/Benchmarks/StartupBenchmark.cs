using System.Diagnostics;
using System.Globalization;

namespace CompreFace.Benchmarks;

/// <summary>
/// Two builds of the node started one after the other on one machine, alternated start by start (ABAB, the order
/// flipped every round): seconds from process start to the first 200 of <c>/core/healthcheck</c>, and the node's own CPU
/// seconds by then (robust against other work on a shared machine). A node start is what a rolling restart, a failover
/// replacement and every test node pay.
/// </summary>
/// <remarks>
/// <code>
/// dotnet build -c Release src/Silo &amp;&amp; dotnet build -c Release tests/Benchmarks
/// dotnet tests/Benchmarks/bin/Release/net10.0/linux-x64/CompreFace.Benchmarks.dll startup --old ../old/src/Silo/bin/Release/net10.0/linux-x64/CompreFace.Silo.dll --rounds 6
/// </code>
/// <c>--new &lt;CompreFace.Silo.dll&gt;</c> starts another build than this tree's as the new one (two publishes, say).
/// </remarks>
internal static class StartupBenchmark
{
    public static async Task RunAsync(string sharedRoot, string[] args)
    {
        var oldDll = BenchSettings.Option(args, "old") ?? throw new ArgumentException("startup needs --old <path to the other build's CompreFace.Silo.dll>");
        var rounds = int.Parse(BenchSettings.Option(args, "rounds") ?? "6", CultureInfo.InvariantCulture);
        var builds = new (string Name, string? Dll)[] { ("old", oldDll), ("new", BenchSettings.Option(args, "new")) };
        var samples = builds.ToDictionary(b => b.Name, _ => (Ready: new List<double>(), Cpu: new List<double>()));

        // One start of each first, unmeasured: the first start of a build also reads its files from disk.
        foreach (var (_, dll) in builds)
        {
            await using var warm = await SiloProcess.StartAsync(sharedRoot, siloDll: dll);
        }

        Console.WriteLine("| round | build | ready (s) | node CPU by then (s) |");
        Console.WriteLine("| ---: | --- | ---: | ---: |");
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, dll) in round % 2 == 0 ? builds : builds.Reverse())
            {
                var clock = Stopwatch.StartNew();
                await using var node = await SiloProcess.StartAsync(sharedRoot, siloDll: dll);
                var ready = clock.Elapsed.TotalSeconds;
                var cpu = node.CpuTime.TotalSeconds;
                samples[name].Ready.Add(ready);
                samples[name].Cpu.Add(cpu);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {round + 1} | {name} | {ready:F2} | {cpu:F2} |"));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| build | starts | ready median (s) | node CPU median (s) |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (var (name, (ready, cpu)) in samples)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {ready.Count} | {Stats.Of([.. ready]).Median:F2} | {Stats.Of([.. cpu]).Median:F2} |"));
        }
    }
}
