using Envoy.Config.Route.V3;
using Mesh.Api.Model;
using Route = Envoy.Config.Route.V3.Route;
using Mesh.Api.Hosts;

namespace Mesh.Grains.Generators;

/// <summary>Builds the HTTP routing (RDS) of a service port: its virtual host and route tables.</summary>
public static class RouteGenerator
{
    /// <summary>Istio's name for the route of a host that no VirtualService routes.</summary>
    public const string DefaultRouteName = "default";

    /// <summary>The virtual host "host:port" for any proxy: matches with sourceLabels are kept.</summary>
    public static VirtualHost BuildVirtualHost(ServiceView view, ServicePort port) => BuildVirtualHost(view, port, null);

    /// <summary>The virtual host "host:port" as one proxy sees it.</summary>
    /// <param name="proxyLabels">The proxy's labels: matches whose sourceLabels they lack are dropped. Null keeps all.</param>
    /// <param name="resolve">Views of other destination hosts (single port, DestinationRule hash key); optional.</param>
    public static VirtualHost BuildVirtualHost(
        ServiceView view,
        ServicePort port,
        IReadOnlyDictionary<string, string>? proxyLabels,
        Func<string, ServiceView?>? resolve = null)
    {
        var host = view.Service.Host;
        var virtualHost = new VirtualHost { Name = Names.VirtualHost(host, port.Number) };
        virtualHost.Domains.AddRange(Domains(host, port.Number, view.Domain));
        var routes = VirtualServiceRoutes(view, port, proxyLabels, resolve);
        // Istio adds the default route only for hosts without a VirtualService: its routes are all there is.
        virtualHost.Routes.AddRange(routes.Count > 0 ? routes : [DefaultRoute(view, port)]);
        return virtualHost;
    }

    /// <summary>
    /// The proxyless gRPC route table "host:port", holding just that host's virtual host: grpc-js-xds
    /// matches its domains against the dial target's authority.
    /// </summary>
    public static RouteConfiguration BuildRouteConfiguration(
        ServiceView view,
        ServicePort port,
        IReadOnlyDictionary<string, string>? proxyLabels = null,
        Func<string, ServiceView?>? resolve = null) =>
        new()
        {
            Name = Names.VirtualHost(view.Service.Host, port.Number),
            VirtualHosts = { BuildVirtualHost(view, port, proxyLabels, resolve) },
        };

    /// <summary>
    /// The sidecar route table "port" of every host's virtual host on that port, sorted by name.
    /// Envoy rejects a table in which two virtual hosts share a domain (two namespaces both have a
    /// "reviews"): the first virtual host by name keeps a contested domain.
    /// </summary>
    public static RouteConfiguration BuildSidecarRouteConfiguration(uint port, IEnumerable<VirtualHost> virtualHosts)
    {
        // Clusters arrive over CDS independently; validating would reject routes to a cluster not yet seen.
        var config = new RouteConfiguration { Name = Names.SidecarRoute(port), ValidateClusters = false };
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var virtualHost in virtualHosts.OrderBy(v => v.Name, StringComparer.Ordinal))
        {
            var domains = virtualHost.Domains.Where(taken.Add).ToList();
            if (domains.Count == 0) continue;
            var copy = virtualHost.Clone();
            copy.Domains.Clear();
            copy.Domains.AddRange(domains);
            config.VirtualHosts.Add(copy);
        }
        return config;
    }

    /// <summary>host and host:port, plus for Kubernetes hosts the short names a client in the cluster may use.</summary>
    public static IReadOnlyList<string> Domains(string host, uint port, string domain = HostName.DefaultDomain) =>
        new[] { host }.Concat(Hosts.KubernetesAliases(host, domain))
            .SelectMany(name => new[] { name, $"{name}:{port}" })
            .ToList();

    private static List<Route> VirtualServiceRoutes(
        ServiceView view,
        ServicePort port,
        IReadOnlyDictionary<string, string>? proxyLabels,
        Func<string, ServiceView?>? resolve)
    {
        foreach (var virtualService in Candidates(view))
        {
            var context = new RouteContext(view, port, virtualService.Meta.Namespace, resolve);
            var routes = Routes(virtualService, context, proxyLabels);
            // A VirtualService with nothing for this port or proxy does not claim the host (Istio).
            if (routes.Count > 0) return routes;
        }
        return [];
    }

    /// <summary>
    /// The sidecar VirtualServices covering this host, most specific host first (Envoy's domain
    /// matching would pick it), then by name and namespace: the order in which Istio keeps the first.
    /// </summary>
    private static IEnumerable<VirtualService> Candidates(ServiceView view) =>
        view.VirtualServices
            .Where(vs => vs.Spec.Gateways.Count == 0 || vs.Spec.Gateways.Contains("mesh"))
            .Select(vs => (Service: vs, Score: vs.Spec.Hosts.Max(h => Hosts.Specificity(view.Service.Host, HostName.Qualify(h, vs.Meta.Namespace, view.Domain)))))
            .Where(c => c.Score is not null)
            .OrderByDescending(c => c.Score)
            .ThenBy(c => c.Service.Meta.Name, StringComparer.Ordinal)
            .ThenBy(c => c.Service.Meta.Namespace, StringComparer.Ordinal)
            .Select(c => c.Service);

    private static List<Route> Routes(VirtualService virtualService, RouteContext context, IReadOnlyDictionary<string, string>? proxyLabels)
    {
        var routes = new List<Route>();
        foreach (var http in virtualService.Spec.Http)
        {
            var catchAll = false;
            if (http.Match.Count == 0)
            {
                if (RouteTranslator.Translate(http, null, context) is { } route) routes.Add(route);
                catchAll = true;
            }
            foreach (var match in http.Match)
            {
                if (match.Port is { } matchPort && matchPort != context.Port.Number) continue;
                if (proxyLabels is not null && !LabelSelector.Matches(match.SourceLabels, proxyLabels)) continue;
                if (RouteTranslator.Translate(http, match, context) is not { } route) continue;
                routes.Add(route);
                if (RouteMatchTranslator.IsCatchAll(route.Match))
                {
                    catchAll = true;
                    break;
                }
            }
            // Envoy takes the first matching route, so nothing after a catch-all is reachable.
            if (catchAll) break;
        }
        return routes;
    }

    private static Route DefaultRoute(ServiceView view, ServicePort port)
    {
        var action = new RouteAction
        {
            Cluster = Names.Cluster(port.Number, null, view.Service.Host),
            RetryPolicy = RoutePolicies.Retry(null),
        };
        RouteTranslator.SetTimeout(action, null);
        var policy = TrafficPolicies.Effective(view.Rule, port.Number, null);
        if (RoutePolicies.Hash(policy?.LoadBalancer?.ConsistentHash) is { } hash) action.HashPolicy.Add(hash);
        return new Route { Name = DefaultRouteName, Match = RouteMatchTranslator.CatchAll(), Route_ = action };
    }
}
