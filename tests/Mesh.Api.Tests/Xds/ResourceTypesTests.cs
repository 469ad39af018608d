using Mesh.Api.Xds;

namespace Mesh.Api.Tests.Xds;

public sealed class ResourceTypesTests
{
    [Theory]
    [InlineData(ResourceTypes.Listener, "LDS")]
    [InlineData(ResourceTypes.RouteConfiguration, "RDS")]
    [InlineData(ResourceTypes.Cluster, "CDS")]
    [InlineData(ResourceTypes.ClusterLoadAssignment, "EDS")]
    [InlineData(ResourceTypes.Secret, "SDS")]
    [InlineData("type.googleapis.com/other.Type", "type.googleapis.com/other.Type")]
    public void ShortName_TypeUrl_IstioShortNameElseTheUrl(string typeUrl, string expected) =>
        Assert.Equal(expected, ResourceTypes.ShortName(typeUrl));

    [Theory]
    [InlineData(ResourceTypes.Listener, true)]
    [InlineData(ResourceTypes.Cluster, true)]
    [InlineData(ResourceTypes.RouteConfiguration, false)]
    [InlineData(ResourceTypes.ClusterLoadAssignment, false)]
    [InlineData(ResourceTypes.HealthInformation, false)]
    public void IsWildcard_TypeUrl_OnlyLdsAndCds(string typeUrl, bool expected) =>
        Assert.Equal(expected, ResourceTypes.IsWildcard(typeUrl));

    [Fact]
    public void Cluster_MatchesGeneratedEnvoyDescriptor() =>
        Assert.Equal(ResourceTypes.Cluster, "type.googleapis.com/" + Envoy.Config.Cluster.V3.Cluster.Descriptor.FullName);
}
