using System.ComponentModel.DataAnnotations;
using CompreFace.Grains.Interfaces;
using CompreFace.Silo.Cluster;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace CompreFace.Cluster.Tests;

/// <summary><c>Cluster:FailureDetection</c>: bound, validated, and handed to Orleans' membership as they are.</summary>
public sealed class FailureDetectionOptionsTests
{
    [Fact]
    public void Validate_Defaults_AreAcceptedAndDetectWithinSeconds()
    {
        var options = new NodeOptions { Mode = ClusterMode.Postgres, Tls = { Disabled = true } };
        Assert.True(Validator.TryValidateObject(options, new(options), [], validateAllProperties: true));
        Assert.True(options.FailureDetection.ProbeTimeout * options.FailureDetection.MissedProbes <= TimeSpan.FromSeconds(3));
    }

    [Theory]
    [InlineData("Cluster:FailureDetection:ProbeTimeout", "00:00:00.050", "ProbeTimeout")]
    [InlineData("Cluster:FailureDetection:MissedProbes", "0", "MissedProbes")]
    [InlineData("Cluster:FailureDetection:VotesForDeath", "11", "VotesForDeath")]
    [InlineData("Cluster:FailureDetection:DeathVoteExpiration", "00:00:05", "DeathVoteExpiration")]
    [InlineData("Cluster:FailureDetection:TableRefresh", "00:00:00", "TableRefresh")]
    public void Validate_OutOfRangeSetting_IsRejectedNamingIt(string key, string value, string named)
    {
        var options = Bind(new() { [key] = value });
        var results = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.MemberNames.Contains(nameof(NodeOptions.FailureDetection))
            && r.ErrorMessage!.StartsWith("Cluster:FailureDetection: ", StringComparison.Ordinal)
            && r.ErrorMessage.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void UseClusterMode_Postgres_HandsTheTimingsToOrleansMembership()
    {
        var timings = Bind(new()
        {
            ["Cluster:FailureDetection:ProbeTimeout"] = "00:00:02",
            ["Cluster:FailureDetection:MissedProbes"] = "4",
            ["Cluster:FailureDetection:VotesForDeath"] = "1",
            ["Cluster:FailureDetection:DeathVoteExpiration"] = "00:01:00",
            ["Cluster:FailureDetection:TableRefresh"] = "00:00:07",
            ["Cluster:FailureDetection:IAmAlivePublish"] = "00:00:20",
        }).FailureDetection;
        using var host = Host.CreateDefaultBuilder()
            .UseOrleans(silo => silo.UseClusterMode(ClusterMode.Postgres, 11111, 0, "c", "s", "Host=127.0.0.1", "127.0.0.1", timings))
            .Build();

        var membership = host.Services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(2), membership.ProbeTimeout);
        Assert.Equal(4, membership.NumMissedProbesLimit);
        Assert.Equal(1, membership.NumVotesForDeathDeclaration);
        Assert.Equal(TimeSpan.FromMinutes(1), membership.DeathVoteExpirationTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), membership.TableRefreshTimeout);
        Assert.Equal(TimeSpan.FromSeconds(20), membership.IAmAliveTablePublishTimeout);
    }

    private static NodeOptions Bind(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(NodeOptions.SectionName).Get<NodeOptions>()!;
}
