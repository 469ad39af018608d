using System.Collections.Immutable;
using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.Tests.Configuration;

public sealed class XdsProxyConfigProviderTests
{
    [Fact]
    public void Update_NewSnapshot_SwapsConfigAndSignalsOldChangeToken()
    {
        var provider = new XdsProxyConfigProvider();
        var before = provider.GetConfig();
        var cluster = new ClusterSnapshot("outbound|8080|v1|echo", "outbound|8080|v1|echo", LoadBalancerKind.RoundRobin, UpstreamProtocol.Http11, TimeSpan.FromSeconds(5), []);
        var endpoints = new EndpointSet(cluster.Name, [new EndpointSnapshot("127.0.0.1", 9001, EndpointHealth.Healthy, 1, 0, "//"), new EndpointSnapshot("127.0.0.1", 9002, EndpointHealth.Unhealthy, 1, 0, "//")]);
        var snapshot = ProxySnapshot.Empty with
        {
            Clusters = ImmutableDictionary<string, ClusterSnapshot>.Empty.Add(cluster.Name, cluster),
            Endpoints = ImmutableDictionary<string, EndpointSet>.Empty.Add(cluster.Name, endpoints),
        };

        provider.Update(snapshot);

        Assert.True(before.ChangeToken.HasChanged);
        var after = provider.GetConfig();
        Assert.False(after.ChangeToken.HasChanged);
        Assert.Same(snapshot, provider.Current.Snapshot);
        // YARP sees the cluster with only its routable endpoint as a destination.
        var yarpCluster = Assert.Single(after.Clusters);
        Assert.Equal(["127.0.0.1:9001"], yarpCluster.Destinations!.Keys);
    }
}
