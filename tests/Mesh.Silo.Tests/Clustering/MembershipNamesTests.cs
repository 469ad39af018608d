using System.Net;
using System.Text.RegularExpressions;
using Mesh.Silo.Clustering;
using Orleans.Runtime;

namespace Mesh.Silo.Tests.Clustering;

public sealed partial class MembershipNamesTests
{
    [Theory]
    [InlineData("mesh", "mesh")]
    [InlineData("prod-eu-1", "prod-eu-1")]
    public void Cluster_AlreadyASlug_Unchanged(string clusterId, string expected) =>
        Assert.Equal(expected, MembershipNames.Cluster(clusterId));

    [Theory]
    [InlineData("Mesh")]
    [InlineData("my_cluster.v2")]
    [InlineData("-edge-")]
    [InlineData("ünïcode")]
    [InlineData("a-very-long-cluster-identifier-that-goes-on-and-on-and-on-beyond-any-label")]
    public void Cluster_AnyId_ValidLabelValueAndDnsSubdomain(string clusterId)
    {
        var slug = MembershipNames.Cluster(clusterId);

        Assert.Matches(LabelValue(), slug);
        Assert.True(slug.Length <= 63, slug);
        Assert.Matches(DnsSubdomain(), MembershipNames.Silo(clusterId, Silo("10.1.2.3", 11111, 42)));
    }

    [Fact]
    public void Cluster_IdsDifferingInCaseOrPunctuation_DistinctSlugs()
    {
        string[] ids = ["mesh", "Mesh", "MESH", "mesh_", "mesh.", "me-sh", "me_sh"];

        Assert.Equal(ids.Length, ids.Select(MembershipNames.Cluster).Distinct().Count());
    }

    [Fact]
    public void Silo_Ipv4_ReadableAddressPortGeneration()
    {
        Assert.Equal("mesh.10-1-2-3-11111-42", MembershipNames.Silo("mesh", Silo("10.1.2.3", 11111, 42)));
    }

    [Fact]
    public void Silo_Ipv6AndNegativeGeneration_ValidAndDistinct()
    {
        SiloAddress[] silos = [Silo("::1", 11111, 1), Silo("fe80::1", 11111, 1), Silo("::1", 11112, 1), Silo("10.0.0.1", 11111, -1), Silo("10.0.0.1", 11111, 1)];

        var names = silos.Select(s => MembershipNames.Silo("mesh", s)).ToList();

        Assert.All(names, n => Assert.Matches(DnsSubdomain(), n));
        Assert.Equal(silos.Length, names.Distinct().Count());
    }

    private static SiloAddress Silo(string ip, int port, int generation) => SiloAddress.New(new IPEndPoint(IPAddress.Parse(ip), port), generation);

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();
}
