namespace CompreFace.Grains.Interfaces;

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
