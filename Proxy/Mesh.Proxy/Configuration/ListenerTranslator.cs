using Envoy.Config.Listener.V3;
using Hcm = Envoy.Extensions.Filters.Network.HttpConnectionManager.V3.HttpConnectionManager;

namespace Mesh.Proxy.Configuration;

/// <summary>LDS resources: which route table each listener port routes HTTP by.</summary>
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
        for (var i = 0; i < listener.FilterChains.Count; i++)
        {
            var filters = listener.FilterChains[i].Filters;
            for (var j = 0; j < filters.Count; j++)
            {
                var filter = filters[j];
                if (filter.TypedConfig is null || !filter.TypedConfig.Is(Hcm.Descriptor)) continue;
                var field = $"{where}: filter_chains[{i}].filters[{j}] ({filter.Name})";
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
        return new ListenerSnapshot(listener.Name, socket.Address, socket.PortValue, routeName);
    }

    private static string Snake(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
