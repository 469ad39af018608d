using System.Collections.Immutable;
using System.Net;
using Envoy.Config.Core.V3;
using Envoy.Config.Listener.V3;
using Envoy.Extensions.Filters.Network.TcpProxy.V3;
using Google.Protobuf.WellKnownTypes;
using Mesh.Proxy.Configuration;
using Filter = Envoy.Config.Listener.V3.Filter;
using SocketAddress = Envoy.Config.Core.V3.SocketAddress;

namespace Mesh.Proxy.Tests.Configuration;

public sealed class TcpListenerTests
{
    private static Listener Tcp(string address, uint port, string cluster, string? cidr = null)
    {
        var chain = new FilterChain
        {
            Filters = { new Filter { Name = "envoy.filters.network.tcp_proxy", TypedConfig = Any.Pack(new TcpProxy { StatPrefix = cluster, Cluster = cluster }) } },
        };
        if (cidr is not null)
        {
            var parts = cidr.Split('/');
            chain.FilterChainMatch = new FilterChainMatch { PrefixRanges = { new CidrRange { AddressPrefix = parts[0], PrefixLen = uint.Parse(parts[1]) } } };
        }
        return new Listener
        {
            Name = $"{address}_{port}",
            Address = new Address { SocketAddress = new SocketAddress { Address = address, PortValue = port } },
            FilterChains = { chain },
        };
    }

    [Fact]
    public void Translate_TcpProxy_CarriesClusterAndRange()
    {
        var plain = ListenerTranslator.Translate(Tcp("10.0.0.5", 9000, "outbound|9000||db"))!;
        Assert.Equal("outbound|9000||db", plain.TcpCluster);
        Assert.Null(plain.RouteConfigName);
        Assert.Null(plain.PrefixRange);

        var ranged = ListenerTranslator.Translate(Tcp("10.1.0.0", 9000, "outbound|9000||db", "10.1.0.0/16"))!;
        Assert.Equal(IPNetwork.Parse("10.1.0.0/16"), ranged.PrefixRange);
    }

    [Fact]
    public void Translate_WeightedTcpClusters_NamesTheField()
    {
        var listener = Tcp("10.0.0.5", 9000, "x");
        var proxy = new TcpProxy { StatPrefix = "x", WeightedClusters = new TcpProxy.Types.WeightedCluster() };
        listener.FilterChains[0].Filters[0].TypedConfig = Any.Pack(proxy);

        var error = Assert.Throws<TranslationException>(() => ListenerTranslator.Translate(listener));

        Assert.Equal("Listener \"10.0.0.5_9000\": filter_chains[0].filters[0] (envoy.filters.network.tcp_proxy): cluster: required (weighted_clusters is not supported)", error.Message);
    }

    [Theory]
    [InlineData("10.0.0.5", 9000, "exact")]
    [InlineData("10.1.2.3", 9000, "range")]
    [InlineData("192.168.0.1", 9000, "any")]
    [InlineData("10.0.0.5", 9001, null)]
    public void TcpListenerFor_Destination_ExactThenRangeThenAny(string address, int port, string? expected)
    {
        var listeners = new[]
        {
            ListenerTranslator.Translate(Tcp("0.0.0.0", 9000, "any"))!,
            ListenerTranslator.Translate(Tcp("10.1.0.0", 9000, "range", "10.1.0.0/16"))!,
            ListenerTranslator.Translate(Tcp("10.0.0.5", 9000, "exact"))!,
        };
        var snapshot = ProxySnapshot.Empty with { Listeners = listeners.ToImmutableDictionary(l => l.Name) };

        Assert.Equal(expected, snapshot.TcpListenerFor(new IPEndPoint(IPAddress.Parse(address), port))?.TcpCluster);
    }
}
