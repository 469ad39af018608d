using Mesh.Api.Model;
using Mesh.Registries.Updates;

namespace Mesh.Registries.Tests.Updates;

public sealed class HostConfigIndexTests
{
    [Fact]
    public void Build_ShortHostNames_AreQualifiedInTheObjectsNamespace()
    {
        var config = ConfigText.Parse("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews, namespace: shop}
            spec: {host: reviews}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews]
              http: [{route: [{destination: {host: reviews}}]}]
            """);

        var index = HostConfigIndex.Build(config);

        var hostConfig = Assert.Single(index).Value;
        Assert.Equal("reviews.shop.svc.cluster.local", index.Keys.Single());
        Assert.NotNull(hostConfig.Rule);
        Assert.Single(hostConfig.VirtualServices);
    }

    [Fact]
    public void Build_GatewayOnlyVirtualService_IsNotForSidecars()
    {
        var config = ConfigText.Parse("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: edge, namespace: default}
            spec:
              hosts: [edge.mesh.local]
              gateways: [ingress]
              http: [{route: [{destination: {host: edge.mesh.local}}]}]
            """);

        Assert.Empty(HostConfigIndex.Build(config));
    }

    [Fact]
    public void Build_TwoRulesForOneHost_FirstByNamespaceThenNameWins()
    {
        var config = ConfigText.Parse("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: z, namespace: default}
            spec: {host: h.mesh.local, subsets: [{name: z, labels: {v: z}}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: a, namespace: default}
            spec: {host: h.mesh.local, subsets: [{name: a, labels: {v: a}}]}
            """);

        Assert.Equal("a", HostConfigIndex.Build(config)["h.mesh.local"].Rule!.Meta.Name);
    }

    [Fact]
    public void Build_ConfiguredDomain_QualifiesShortNamesInIt()
    {
        var config = ConfigText.Parse("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews, namespace: shop}
            spec: {host: reviews}
            """);

        Assert.Equal("reviews.shop.svc.corp.example", HostConfigIndex.Build(config, "corp.example").Keys.Single());
    }
}
