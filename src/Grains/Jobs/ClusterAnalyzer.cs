using CompreFace.Grains.Collections;
using CompreFace.Grains.Inference;
using CompreFace.Grains.Interfaces;
using Microsoft.Extensions.Logging;
using Orleans.Metadata;

namespace CompreFace.Grains.Jobs;

/// <summary>
/// The analyses of a job (bulk enrolment, re-embedding) spread over every silo that hosts inference, not only the
/// calling one (docs/decisions/0037-jobs-over-every-inference-silo.md). One per silo, shared by the jobs running there.
/// </summary>
/// <remarks>
/// <para>
/// The inference silos are read from Orleans' cluster manifest (each silo lists the grain classes it hosts) and the
/// membership (only active silos), again whenever either changes. Each analysis goes to the silo with the fewest of
/// this node's analyses in flight (ties: the local silo, then the one given the fewest), through that silo's
/// <see cref="ISiloAnalyzerGrain"/>. An analysis whose silo is lost (unreachable, died, shutting down) is given to another
/// silo, and that silo is left out for <see cref="LostFor"/>; after <see cref="Attempts"/> such failures it goes to the
/// stateless worker, wherever Orleans runs it. An outcome of the analysis (a bad image, no face) is an answer, not a
/// failure: never retried.
/// </para>
/// <para>
/// With one inference silo (a single node, or a front with one inference node) every call goes straight to the
/// stateless worker, as before: nothing extra per photo.
/// </para>
/// </remarks>
internal sealed partial class ClusterAnalyzer(
    IGrainFactory grains,
    IClusterManifestProvider manifests,
    IClusterMembershipService membership,
    ILocalSiloDetails local,
    GrainTypeResolver types,
    TimeProvider time,
    ILogger<ClusterAnalyzer> logger)
{
    /// <summary>Silos tried for one analysis before it is left to the stateless worker's own placement.</summary>
    internal const int Attempts = 3;

    /// <summary>How long a silo that lost an analysis gets no more (the membership usually declares it dead sooner).</summary>
    internal static readonly TimeSpan LostFor = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private readonly GrainType _type = types.GetGrainType(typeof(SiloAnalyzerGrain));
    private readonly Dictionary<SiloAddress, Slot> _slots = [];
    private Slot[] _silos = [];
    private (MajorMinorVersion Manifest, MembershipVersion Membership)? _seen;

    /// <summary>The silos hosting inference now (at least 1: a cluster without any still has the stateless worker's answer, an error).</summary>
    public int Silos
    {
        get
        {
            lock (_lock)
            {
                return Math.Max(1, Refresh().Length);
            }
        }
    }

    /// <summary>A window of <paramref name="perSilo"/> analyses on each inference silo: what a job keeps in flight.</summary>
    public int Window(int perSilo) => perSilo * Silos;

    /// <summary>Analyses <paramref name="request"/> on the least busy inference silo, on another when that one is lost.</summary>
    public async Task<FaceAnalysisResult> AnalyzeAsync(FaceAnalysisRequest request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var slot = attempt <= Attempts ? Take() : null;
            if (slot is null)
            {
                return await grains.GetGrain<IFaceAnalyzerGrain>(0).AnalyzeAsync(request, cancellationToken);
            }

            try
            {
                return await grains.GetGrain<ISiloAnalyzerGrain>(slot.Key).AnalyzeAsync(request, cancellationToken);
            }
            catch (Exception exception) when (ReplicaFailures.IsUnreachable(exception) && !cancellationToken.IsCancellationRequested)
            {
                lock (_lock)
                {
                    slot.LostUntil = time.GetUtcNow() + LostFor;
                }

                LogSiloLost(logger, slot.Key, attempt, exception.GetType().Name);
            }
            finally
            {
                lock (_lock)
                {
                    slot.InFlight--;
                }
            }
        }
    }

    /// <summary>The slot the next analysis goes to, counted in flight; null: straight to the stateless worker.</summary>
    private Slot? Take()
    {
        lock (_lock)
        {
            var silos = Refresh();
            if (silos.Length <= 1)
            {
                return null;
            }

            var now = time.GetUtcNow();
            Slot? best = null;
            foreach (var slot in silos)
            {
                if (slot.LostUntil > now)
                {
                    continue;
                }

                if (best is null || (slot.InFlight, slot.IsLocal ? 0 : 1, slot.Given).CompareTo((best.InFlight, best.IsLocal ? 0 : 1, best.Given)) < 0)
                {
                    best = slot;
                }
            }

            if (best is not null)
            {
                best.InFlight++;
                best.Given++;
            }

            return best;
        }
    }

    /// <summary>The inference silos, read again when the manifest or the membership changed (callers hold the lock).</summary>
    private Slot[] Refresh()
    {
        var manifest = manifests.Current;
        var members = membership.CurrentSnapshot;
        if (_seen == (manifest.Version, members.Version))
        {
            return _silos;
        }

        _seen = (manifest.Version, members.Version);
        var silos = manifest.Silos
            .Where(s => s.Value.Grains.ContainsKey(_type) && members.GetSiloStatus(s.Key) == SiloStatus.Active)
            .Select(s => s.Key)
            .OrderBy(s => s.ToParsableString(), StringComparer.Ordinal)
            .ToArray();
        if (silos.Length != _silos.Length || silos.Where((s, i) => !s.Equals(_silos[i].Address)).Any())
        {
            foreach (var gone in _slots.Keys.Except(silos).ToArray())
            {
                _slots.Remove(gone);
            }

            _silos = [.. silos.Select(s => _slots.TryGetValue(s, out var slot) ? slot : _slots[s] = new Slot(s, s.Equals(local.SiloAddress)))];
            if (logger.IsEnabled(LogLevel.Information))
            {
                var names = string.Join(", ", silos.Select(s => s.ToParsableString()));
                LogSilos(logger, silos.Length, names);
            }
        }

        return _silos;
    }

    /// <summary>One inference silo as this node sees it: its key, this node's analyses on it, and whether it lost one lately.</summary>
    private sealed class Slot(SiloAddress address, bool isLocal)
    {
        public SiloAddress Address { get; } = address;

        public string Key { get; } = address.ToParsableString();

        public bool IsLocal { get; } = isLocal;

        public int InFlight { get; set; }

        public long Given { get; set; }

        public DateTimeOffset LostUntil { get; set; }
    }

    [LoggerMessage(EventId = 5300, Level = LogLevel.Information, Message = "Jobs spread their analyses over {Count} inference silos: {Silos}")]
    private static partial void LogSilos(ILogger logger, int count, string silos);

    [LoggerMessage(EventId = 5301, Level = LogLevel.Warning, Message = "An analysis on inference silo {Silo} was lost (attempt {Attempt}, {Exception}); trying it on another silo")]
    private static partial void LogSiloLost(ILogger logger, string silo, int attempt, string exception);
}
