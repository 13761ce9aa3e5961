using CompreFace.Grains.Interfaces;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace CompreFace.Silo.Cluster;

/// <summary>Applies <see cref="ClusterTlsOptions"/> to a silo.</summary>
public static class ClusterTlsExtensions
{
    /// <summary>
    /// Requires TLS 1.2+ with a certificate on both ends of every silo connection, each chaining to the cluster's
    /// authority. Host names are not checked: silos reach each other by advertised IP addresses that change with every
    /// pod, so the authority itself is the identity (it should issue certificates for this cluster only).
    /// </summary>
    public static ISiloBuilder UseClusterTls(this ISiloBuilder silo, ClusterTlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(options);
        var (certificate, authorities) = Load(options);
        return silo.UseTls(certificate, tls =>
        {
            tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.CheckCertificateRevocation = false;   // a private authority publishes no revocation list
            tls.RemoteCertificateValidation = (remote, _, _) => remote is not null && IssuedBy(remote, authorities);
        });
    }

    /// <summary>Whether <paramref name="certificate"/> chains to one of <paramref name="authorities"/> and only to them.</summary>
    public static bool IssuedBy(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(authorities);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        return chain.Build(certificate);
    }

    /// <summary>Reads the node certificate with its key and the authority certificates; a clear error names what is wrong.</summary>
    public static (X509Certificate2 Certificate, X509Certificate2Collection Authorities) Load(ClusterTlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsComplete)
        {
            throw new InvalidOperationException(
                "Cluster:Tls needs CertificatePath, KeyPath and AuthorityPath (PEM files; deploy/cluster-certs.sh makes them).");
        }

        foreach (var path in new[] { options.CertificatePath!, options.KeyPath!, options.AuthorityPath! })
        {
            if (!File.Exists(path))
            {
                throw new InvalidOperationException($"Cluster:Tls: the file {path} does not exist.");
            }
        }

        using var pem = X509Certificate2.CreateFromPemFile(options.CertificatePath!, options.KeyPath!);
        if (!pem.HasPrivateKey)
        {
            throw new InvalidOperationException($"Cluster:Tls: {options.KeyPath} holds no private key for {options.CertificatePath}.");
        }

        // SslStream on Linux needs a key it can persist for the handshake; a PEM-loaded key is ephemeral.
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(options.AuthorityPath!);
        if (authorities.Count == 0)
        {
            throw new InvalidOperationException($"Cluster:Tls: {options.AuthorityPath} holds no certificate.");
        }

        if (!IssuedBy(certificate, authorities))
        {
            throw new InvalidOperationException(
                $"Cluster:Tls: {options.CertificatePath} is not issued by the authority in {options.AuthorityPath}, so no peer would accept it.");
        }

        return (certificate, authorities);
    }
}
