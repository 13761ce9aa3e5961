using System.ComponentModel.DataAnnotations;
using CompreFace.Silo.Cluster;

namespace CompreFace.Silo;

/// <summary>How this node joins the Orleans cluster (configuration section <c>Cluster</c>).</summary>
public sealed class NodeOptions
{
    public const string SectionName = "Cluster";

    /// <summary>
    /// <see cref="ClusterMode.Localhost"/> (default): one embedded node. <see cref="ClusterMode.Postgres"/>: nodes with
    /// the same ClusterId form one cluster through ConnectionStrings:Postgres (docs/decisions/0010).
    /// </summary>
    public ClusterMode Mode { get; set; } = ClusterMode.Localhost;

    /// <summary>Postgres mode: the address other nodes reach this one at (default: this host's address).</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Port for silo-to-silo traffic (Orleans default 11111).</summary>
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port for Orleans clients (Orleans default 30000).</summary>
    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Orleans cluster id; nodes with the same id form one cluster.</summary>
    [Required]
    public string ClusterId { get; set; } = "compreface";

    /// <summary>Orleans service id; stable across deployments so stored grain state stays readable.</summary>
    [Required]
    public string ServiceId { get; set; } = "compreface";
}
