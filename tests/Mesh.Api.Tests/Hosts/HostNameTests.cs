using Mesh.Api.Hosts;

namespace Mesh.Api.Tests.Hosts;

public sealed class HostNameTests
{
    [Theory]
    [InlineData("reviews", "shop", "cluster.local", "reviews.shop.svc.cluster.local")]
    [InlineData("reviews", "shop", "corp.example", "reviews.shop.svc.corp.example")]
    [InlineData("reviews.shop", "default", "cluster.local", "reviews.shop")]
    [InlineData("reviews.shop.svc.cluster.local", "default", "corp.example", "reviews.shop.svc.cluster.local")]
    [InlineData("api.example.com", "shop", "cluster.local", "api.example.com")]
    [InlineData("*", "shop", "cluster.local", "*")]
    [InlineData("*.example.com", "shop", "cluster.local", "*.example.com")]
    [InlineData("reviews", "", "cluster.local", "reviews")]
    [InlineData("Reviews", "shop", "cluster.local", "Reviews.shop.svc.cluster.local")]
    public void Qualify_HostNamespaceDomain_IstioMeaning(string host, string ns, string domain, string expected) =>
        Assert.Equal(expected, HostName.Qualify(host, ns, domain));

    [Fact]
    public void Qualify_NoDomain_IstioDefaultClusterLocal() =>
        Assert.Equal("reviews.shop.svc.cluster.local", HostName.Qualify("reviews", "shop"));
}
