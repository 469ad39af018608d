using Google.Protobuf;
using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Mesh.Grains.Generators;

namespace Mesh.Grains.Services;

/// <summary>
/// Runs the generators for one host and serializes each resource once, with its content version.
/// Per port: clusters and load assignments (one per subset too), the virtual host the sidecar
/// route tables are composed from, and the proxyless gRPC listener and route table "host:port".
/// </summary>
public static class ServiceFragmentBuilder
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    public static IReadOnlyList<XdsResource> Build(
        MeshService service,
        IReadOnlyList<MeshEndpoint> endpoints,
        DestinationRule? rule,
        IReadOnlyList<VirtualService> virtualServices)
    {
        var view = new ServiceView(service, endpoints, rule, virtualServices);
        var resources = new List<XdsResource>();
        foreach (var cluster in ClusterGenerator.Build(view)) resources.Add(Pack(ResourceTypes.Cluster, cluster.Name, cluster));
        foreach (var cla in EndpointGenerator.Build(view)) resources.Add(Pack(ResourceTypes.ClusterLoadAssignment, cla.ClusterName, cla));
        foreach (var port in service.Ports.Where(IsHttp))
        {
            // Shared by every proxy, so no proxy's labels: routes gated by sourceLabels are left out
            // rather than given to proxies they do not select (per-proxy variants are not built yet).
            var vhost = RouteGenerator.BuildVirtualHost(view, port, NoLabels);
            resources.Add(Pack(ResourceTypes.VirtualHost, vhost.Name, vhost));
            var routes = RouteGenerator.BuildRouteConfiguration(view, port, NoLabels);
            resources.Add(Pack(ResourceTypes.RouteConfiguration, routes.Name, routes));
            var listener = ListenerGenerator.BuildProxylessListener(service.Host, port.Number);
            resources.Add(Pack(ResourceTypes.Listener, listener.Name, listener));
        }
        return resources;
    }

    /// <summary>Ports that get routes (virtual hosts, gRPC listeners); TCP and TLS ports get clusters only, as in Istio.</summary>
    public static bool IsHttp(ServicePort port) =>
        port.Protocol.ToUpperInvariant() is "HTTP" or "HTTP2" or "GRPC" or "GRPC-WEB";

    public static XdsResource Pack(string typeUrl, string name, IMessage message)
    {
        var body = message.ToByteArray();
        return new XdsResource(typeUrl, name, ContentVersion.Of(body), body);
    }
}
