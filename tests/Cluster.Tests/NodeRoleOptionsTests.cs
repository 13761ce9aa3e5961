using CompreFace.Grains.Interfaces;
using System.ComponentModel.DataAnnotations;
using CompreFace.Grains;

namespace CompreFace.Cluster.Tests;

/// <summary><c>Cluster:Role</c>: which roles are valid where, and which grain classes each role keeps.</summary>
public sealed class NodeRoleOptionsTests
{
    [Theory]
    [InlineData(NodeRole.Front)]
    [InlineData(NodeRole.Inference)]
    public void Validate_SplitRoleOnLocalhostClustering_IsRejected(NodeRole role)
    {
        var options = new NodeOptions { Role = role, Mode = ClusterMode.Localhost };
        var results = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.MemberNames.Contains(nameof(NodeOptions.Role)));
    }

    [Theory]
    [InlineData(NodeRole.Full, ClusterMode.Localhost)]
    [InlineData(NodeRole.Front, ClusterMode.Postgres)]
    [InlineData(NodeRole.Inference, ClusterMode.Kubernetes)]
    public void Validate_RoleWithAClusterMode_IsAccepted(NodeRole role, ClusterMode mode)
    {
        var options = new NodeOptions { Role = role, Mode = mode, Tls = { Disabled = mode != ClusterMode.Localhost } };
        Assert.True(Validator.TryValidateObject(options, new(options), [], validateAllProperties: true));
    }

    [Theory]
    [InlineData(ClusterMode.Postgres)]
    [InlineData(ClusterMode.Kubernetes)]
    public void Validate_ClusterModeWithoutCertificates_IsRejectedUntilTlsIsConfiguredOrExplicitlyDisabled(ClusterMode mode)
    {
        var options = new NodeOptions { Mode = mode };
        var results = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.MemberNames.Contains(nameof(NodeOptions.Tls)) && r.ErrorMessage!.Contains("Cluster:Tls:CertificatePath", StringComparison.Ordinal));

        options.Tls = new() { CertificatePath = "node.crt", KeyPath = "node.key", AuthorityPath = "ca.crt" };
        Assert.True(Validator.TryValidateObject(options, new(options), [], validateAllProperties: true));

        options.Tls = new() { Disabled = true };
        Assert.True(Validator.TryValidateObject(options, new(options), [], validateAllProperties: true));
    }

    [Fact]
    public void Validate_EmbeddedDefault_NeedsNoCertificatesAndOpensNoGateway()
    {
        var options = new NodeOptions();
        Assert.True(Validator.TryValidateObject(options, new(options), [], validateAllProperties: true));
        Assert.Null(options.GatewayPort);
    }

    [Fact]
    public void Restrict_ByRole_SplitsOurGrainClassesAndKeepsOthers()
    {
        var ours = NodeGrains.Assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract && typeof(Grain).IsAssignableFrom(t)).ToArray();
        // The worker and the grain through which other silos' jobs reach it (docs/decisions/0037-jobs-over-every-inference-silo.md).
        var inference = ours.Where(NodeGrains.IsInference).ToHashSet();
        Assert.Equal(2, inference.Count);
        var foreign = typeof(CounterGrain);

        var inferenceNode = new HashSet<Type>(ours) { foreign };
        NodeGrains.Restrict(inferenceNode, inference: true, state: false);
        Assert.Equal(new HashSet<Type>(inference) { foreign }, inferenceNode);

        var frontNode = new HashSet<Type>(ours) { foreign };
        NodeGrains.Restrict(frontNode, inference: false, state: true);
        Assert.Equal(ours.Length - inference.Count + 1, frontNode.Count);
        Assert.Empty(inference.Intersect(frontNode));
        Assert.Contains(foreign, frontNode);
        Assert.True(ours.Length >= 5, "the collection, shard, key and admin grains are ours too");
    }
}
