using System.ComponentModel.DataAnnotations;

namespace CompreFace.Grains.Interfaces;

/// <summary>
/// How this node joins the Orleans cluster and how its HTTP tier retries grain calls (configuration section
/// <c>Cluster</c>, the only type bound to it; the silo binds and validates it).
/// </summary>
public sealed class NodeOptions : IValidatableObject
{
    public const string SectionName = "Cluster";

    /// <summary>
    /// <see cref="ClusterMode.Localhost"/> (default): one embedded node. <see cref="ClusterMode.Postgres"/>: nodes with
    /// the same ClusterId form one cluster through ConnectionStrings:Postgres (docs/decisions/0010).
    /// </summary>
    public ClusterMode Mode { get; set; } = ClusterMode.Localhost;

    /// <summary>
    /// What this node hosts: <see cref="NodeRole.Full"/> (default) everything; <see cref="NodeRole.Front"/> the HTTP
    /// API, collections and keys, sending inference to <see cref="NodeRole.Inference"/> nodes, which host only the
    /// inference workers and serve only probes and metrics over HTTP. Split roles need a cluster mode.
    /// </summary>
    public NodeRole Role { get; set; } = NodeRole.Full;

    /// <summary>Postgres mode: the address other nodes reach this one at (default: this host's address).</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Port for silo-to-silo traffic (Orleans default 11111).</summary>
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>
    /// Port for external Orleans clients; none by default. The node's own HTTP front calls grains in-process, so a
    /// gateway is only an extra door into every grain (set it only for an Orleans client of your own, e.g. 30000).
    /// </summary>
    [Range(1, 65535)]
    public int? GatewayPort { get; set; }

    /// <summary>Mutual TLS between silos; required in a cluster mode (see <see cref="ClusterTlsOptions"/>).</summary>
    public ClusterTlsOptions Tls { get; set; } = new();

    /// <summary>How fast a dead node is noticed in a cluster mode (<c>Cluster:FailureDetection</c>, see <see cref="FailureDetectionOptions"/>).</summary>
    public FailureDetectionOptions FailureDetection { get; set; } = new();

    /// <summary>Orleans cluster id; nodes with the same id form one cluster.</summary>
    [Required]
    public string ClusterId { get; set; } = "compreface";

    /// <summary>Orleans service id; stable across deployments so stored grain state stays readable.</summary>
    [Required]
    public string ServiceId { get; set; } = "compreface";

    /// <summary>
    /// HTTP tier: most retries of a grain call after the first attempt when a silo went away (0 turns retrying off;
    /// docs/decisions/0014, 0026). <see cref="GrainCallRetryBudget"/> usually ends the retries first.
    /// </summary>
    [Range(0, 100)]
    public int GrainCallRetries { get; set; } = 40;

    /// <summary>HTTP tier: wait before the first retry; the n-th retry waits n times this, at most 4 times this.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan GrainCallRetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// HTTP tier: no retry starts later than this after the first attempt. It must cover the detection of a dead silo
    /// (<see cref="FailureDetection"/>) and the reactivation of its grains, so that a request rides through a node's
    /// death as a slower answer instead of an error.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan GrainCallRetryBudget { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// HTTP tier, cluster modes: how long a search waits for the collection grain before asking the collection's
    /// standby on another silo too (the first answer wins). Short enough that a recognition never waits out the
    /// detection of a dead node; long enough that a busy but healthy collection is rarely searched twice.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:30")]
    public TimeSpan SearchStandbyAfter { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// HTTP tier, cluster modes: an API key lookup that its grain has not answered within
    /// <see cref="SearchStandbyAfter"/> (its silo died and is not yet declared dead) is answered from this node's own
    /// last answer for the key, if that is at most this old (zero turns it off). Bounds how long after a key's deletion
    /// a node could still accept it, and only while the key's grain is unreachable (docs/decisions/0032).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ApiKeyFallbackAge { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether this node runs the face models (loads them at start).</summary>
    public bool HostsInference => Role != NodeRole.Front;

    /// <summary>Whether this node serves the CompreFace API and hosts collections, keys and admin grains.</summary>
    public bool HostsApi => Role != NodeRole.Inference;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Role != NodeRole.Full && Mode == ClusterMode.Localhost)
        {
            yield return new ValidationResult(
                $"Cluster:Role={Role} needs the other half of the work on other nodes: set Cluster:Mode to Postgres or Kubernetes.",
                [nameof(Role), nameof(Mode)]);
        }

        if (Mode != ClusterMode.Localhost && !Tls.Disabled && !Tls.IsComplete)
        {
            yield return new ValidationResult(
                $"Cluster:Mode={Mode} opens the silo port to other hosts, and grain calls on it bypass every API check: set " +
                "Cluster:Tls:CertificatePath, KeyPath and AuthorityPath (mutual TLS; deploy/cluster-certs.sh makes them), " +
                "or Cluster:Tls:Disabled=true on a network that only the nodes can reach.",
                [nameof(Tls)]);
        }

        var detection = new List<ValidationResult>();
        if (!Validator.TryValidateObject(FailureDetection, new ValidationContext(FailureDetection), detection, validateAllProperties: true))
        {
            foreach (var failure in detection)
            {
                yield return new ValidationResult($"Cluster:FailureDetection: {failure.ErrorMessage}", [nameof(FailureDetection)]);
            }
        }

        if (Tls.Disabled && Tls.IsConfigured)
        {
            yield return new ValidationResult(
                "Cluster:Tls:Disabled=true and certificate paths are both set: remove one, so it is clear whether silo traffic is encrypted.",
                [nameof(Tls)]);
        }
    }
}

/// <summary>
/// Orleans membership timings (<c>Cluster:FailureDetection</c>): how quickly the survivors declare a silo dead that
/// stopped answering, so that its grains activate elsewhere. Defaults are for nodes on one LAN; shorter detection means
/// more false suspicions of a node that is merely starved of CPU (docs/cluster.md, docs/decisions/0026).
/// </summary>
public sealed class FailureDetectionOptions : IValidatableObject
{
    /// <summary>
    /// Initial timeout of a liveness probe and period between probes (Orleans adapts both per peer between half and
    /// four times this value). Orleans' default is 5 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:01:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes in a row after which a prober suspects the peer and votes it dead (Orleans: 3).</summary>
    [Range(1, 10)]
    public int MissedProbes { get; set; } = 3;

    /// <summary>Unexpired suspicion votes that declare a silo dead (Orleans: 2; a 2-node cluster needs 1 from the survivor).</summary>
    [Range(1, 10)]
    public int VotesForDeath { get; set; } = 2;

    /// <summary>How long a suspicion vote counts (Orleans: 2 min). Must outlast the slowest detection by the other voters.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan DeathVoteExpiration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Period of reading the membership table, the fallback when gossip about a death is lost (Orleans: 60 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan TableRefresh { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Period of this silo's heartbeat row in the membership table (diagnostics, stale-entry detection; Orleans: 30 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan IAmAlivePublish { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest detection one prober can take: missed probes at the largest adapted timeout (4 × <see cref="ProbeTimeout"/>).</summary>
    public TimeSpan SlowestDetection => ProbeTimeout * 4 * MissedProbes;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // The first voter's vote must still count when the last voter, probing at the slowest adapted timeout, adds its
        // own; otherwise a dead silo might never collect enough votes.
        if (DeathVoteExpiration < SlowestDetection)
        {
            yield return new ValidationResult(
                $"DeathVoteExpiration ({DeathVoteExpiration}) must be at least 4 × ProbeTimeout × MissedProbes ({SlowestDetection}), or votes expire before a dead silo collects enough of them.",
                [nameof(DeathVoteExpiration)]);
        }
    }
}

/// <summary>What a node hosts (<c>Cluster:Role</c>).</summary>
public enum NodeRole
{
    /// <summary>Everything: API, collections, keys and inference (inference stays on the node that got the request).</summary>
    Full,

    /// <summary>API, collections, keys and admin; no models. Inference goes to <see cref="Inference"/> nodes.</summary>
    Front,

    /// <summary>Only the inference workers (e.g. GPU nodes); HTTP serves probes and metrics only.</summary>
    Inference,
}

/// <summary>How a node finds the rest of its Orleans cluster (<c>Cluster:Mode</c>).</summary>
public enum ClusterMode
{
    /// <summary>A single node, embedded: localhost clustering, nothing shared (the default).</summary>
    Localhost,

    /// <summary>N nodes on PostgreSQL (<c>ConnectionStrings:Postgres</c>): AdoNet clustering, grain storage and reminders.</summary>
    Postgres,

    /// <summary>
    /// <see cref="Postgres"/> inside Kubernetes pods: membership, state and reminders stay on PostgreSQL, and
    /// Orleans' Kubernetes hosting takes the silo name, advertised address and cluster/service ids from the pod
    /// (<c>POD_NAME</c>, <c>POD_IP</c>, <c>POD_NAMESPACE</c>, <c>ORLEANS_CLUSTER_ID</c>, <c>ORLEANS_SERVICE_ID</c>) and
    /// removes the silos of deleted pods from the cluster (deploy/k8s).
    /// </summary>
    Kubernetes,
}

/// <summary>
/// Mutual TLS between silos (<c>Cluster:Tls</c>). The silo port carries grain calls, which bypass every check of the
/// HTTP tier (API keys, sessions, roles), so in a cluster mode a peer must prove it holds a certificate issued by the
/// cluster's own authority before it can send a single message (docs/decisions/0021-cluster-trust.md).
/// </summary>
public sealed class ClusterTlsOptions
{
    /// <summary>PEM certificate of this node; it must allow both server and client authentication.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key of <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }

    /// <summary>
    /// PEM certificate(s) of the authority that issues every node's certificate: the only roots a peer's
    /// certificate may chain to (the machine's public roots are not trusted for cluster membership).
    /// </summary>
    public string? AuthorityPath { get; set; }

    /// <summary>
    /// Explicit opt-out: plaintext, unauthenticated silo traffic. Only for a network that nothing but the nodes can
    /// reach; a cluster mode refuses to start without certificates unless this is set.
    /// </summary>
    public bool Disabled { get; set; }

    /// <summary>Whether any certificate setting is present.</summary>
    public bool IsConfigured =>
        !string.IsNullOrWhiteSpace(CertificatePath) || !string.IsNullOrWhiteSpace(KeyPath) || !string.IsNullOrWhiteSpace(AuthorityPath);

    /// <summary>Whether all three certificate settings are present.</summary>
    public bool IsComplete =>
        !string.IsNullOrWhiteSpace(CertificatePath) && !string.IsNullOrWhiteSpace(KeyPath) && !string.IsNullOrWhiteSpace(AuthorityPath);
}
