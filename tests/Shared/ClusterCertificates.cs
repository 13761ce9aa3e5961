using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CompreFace.Testing;

/// <summary>
/// A cluster authority and node certificates as PEM files in a temporary folder, for tests that run nodes in a cluster
/// mode (which refuses to start without mutual TLS). Linked into each test project that needs it.
/// </summary>
public sealed class ClusterCertificates : IDisposable
{
    private static readonly Lazy<ClusterCertificates> SharedInstance = new(() => new ClusterCertificates("cf-test-cluster"));

    private readonly DirectoryInfo _folder;
    private readonly X509Certificate2 _authority;

    public ClusterCertificates(string authorityName)
    {
        _folder = Directory.CreateTempSubdirectory("cf-cluster-tls-");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={authorityName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        AuthorityPath = Path.Combine(_folder.FullName, "ca.crt");
        File.WriteAllText(AuthorityPath, _authority.ExportCertificatePem());
        (CertificatePath, KeyPath) = Issue("node");
    }

    /// <summary>One authority and node certificate per test run (every test node may share them).</summary>
    public static ClusterCertificates Shared => SharedInstance.Value;

    public string AuthorityPath { get; }

    /// <summary>The authority's certificate (public part).</summary>
    public X509Certificate2 Authority => _authority;

    public string CertificatePath { get; }

    public string KeyPath { get; }

    /// <summary>The node settings that turn mutual TLS on with this authority's node certificate.</summary>
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Cluster:Tls:CertificatePath"] = CertificatePath,
        ["Cluster:Tls:KeyPath"] = KeyPath,
        ["Cluster:Tls:AuthorityPath"] = AuthorityPath,
    };

    /// <summary>Issues a certificate for server and client authentication; returns its PEM certificate and key paths.</summary>
    public (string CertificatePath, string KeyPath) Issue(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));   // server and client authentication
        var serial = RandomNumberGenerator.GetBytes(16);
        using var certificate = request.Create(_authority, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(12), serial);
        var certificatePath = Path.Combine(_folder.FullName, name + ".crt");
        var keyPath = Path.Combine(_folder.FullName, name + ".key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    public void Dispose()
    {
        _authority.Dispose();
        _folder.Delete(recursive: true);
    }
}
