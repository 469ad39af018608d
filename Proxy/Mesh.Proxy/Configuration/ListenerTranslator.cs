using Envoy.Config.Listener.V3;
using System.Net;
using Envoy.Extensions.Filters.Network.TcpProxy.V3;
using Hcm = Envoy.Extensions.Filters.Network.HttpConnectionManager.V3.HttpConnectionManager;

namespace Mesh.Proxy.Configuration;

/// <summary>LDS resources: which route table each listener port routes HTTP by, or which cluster a TCP listener forwards to.</summary>
public static class ListenerTranslator
{
    public const string HttpConnectionManagerFilter = "envoy.filters.network.http_connection_manager";

    /// <returns>null for listeners a sidecar does not serve (proxyless API listeners).</returns>
    public static ListenerSnapshot? Translate(Listener listener)
    {
        var where = $"Listener \"{listener.Name}\"";
        if (listener.ApiListener is not null) return null;
        var socket = listener.Address?.SocketAddress
            ?? throw new TranslationException($"{where}: address.socket_address: required");

        string? routeName = null;
        string? tcpCluster = null;
        IPNetwork? range = null;
        for (var i = 0; i < listener.FilterChains.Count; i++)
        {
            var chain = listener.FilterChains[i];
            var filters = chain.Filters;
            for (var j = 0; j < filters.Count; j++)
            {
                var filter = filters[j];
                var field = $"{where}: filter_chains[{i}].filters[{j}] ({filter.Name})";
                if (filter.TypedConfig is not null && filter.TypedConfig.Is(TcpProxy.Descriptor))
                {
                    var tcp = filter.TypedConfig.Unpack<TcpProxy>();
                    if (tcp.ClusterSpecifierCase != TcpProxy.ClusterSpecifierOneofCase.Cluster || tcp.Cluster.Length == 0)
                        throw new TranslationException($"{field}: cluster: required (weighted_clusters is not supported)");
                    if (tcpCluster is not null && tcpCluster != tcp.Cluster)
                        throw new TranslationException($"{field}: cluster \"{tcp.Cluster}\": a second TCP cluster on one listener is not supported (first: \"{tcpCluster}\")");
                    tcpCluster = tcp.Cluster;
                    range ??= Range(chain.FilterChainMatch, $"{where}: filter_chains[{i}].filter_chain_match");
                    continue;
                }
                if (filter.TypedConfig is null || !filter.TypedConfig.Is(Hcm.Descriptor)) continue;
                var manager = filter.TypedConfig.Unpack<Hcm>();
                var name = manager.RouteSpecifierCase switch
                {
                    Hcm.RouteSpecifierOneofCase.Rds => manager.Rds.RouteConfigName,
                    var other => throw new TranslationException($"{field}: {Snake(other.ToString())}: only rds is supported"),
                };
                if (string.IsNullOrEmpty(name)) throw new TranslationException($"{field}: rds.route_config_name: required");
                // Filter chains differ by match criteria this proxy does not select on yet; one table per listener.
                if (routeName is not null && routeName != name)
                    throw new TranslationException($"{field}: rds.route_config_name \"{name}\": a second route table on one listener is not supported (first: \"{routeName}\")");
                routeName = name;
            }
        }
        if (routeName is not null && tcpCluster is not null)
            throw new TranslationException($"{where}: an HTTP and a TCP filter chain on one listener are not supported");
        return new ListenerSnapshot(listener.Name, socket.Address, socket.PortValue, routeName) { TcpCluster = tcpCluster, PrefixRange = range };
    }

    private static IPNetwork? Range(Envoy.Config.Listener.V3.FilterChainMatch? match, string field)
    {
        if (match is null || match.PrefixRanges.Count == 0) return null;
        if (match.PrefixRanges.Count > 1) throw new TranslationException($"{field}.prefix_ranges: one range per chain is supported");
        var cidr = match.PrefixRanges[0];
        var text = $"{cidr.AddressPrefix}/{cidr.PrefixLen?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "32"}";
        return IPNetwork.TryParse(text, out var network)
            ? network
            : throw new TranslationException($"{field}.prefix_ranges[0]: \"{text}\" is not a CIDR range");
    }

    private static string Snake(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
