using System.Text;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.LoadBalancing;

namespace Mesh.Proxy.Admin;

/// <summary>The admin views of a snapshot: /config_dump (JSON object graph) and /clusters (Envoy's text format).</summary>
public static class ConfigDump
{
    public static object Build(ProxySnapshot snapshot, string nodeId, bool connected, string? lastRejection) => new
    {
        node = nodeId,
        connected,
        last_rejection = lastRejection,
        versions = snapshot.Version,
        clusters = snapshot.Clusters.Values.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => new
        {
            name = c.Name,
            eds_service_name = c.EdsServiceName,
            lb_policy = c.LoadBalancing.ToString(),
            ring = c.LoadBalancing is LoadBalancerKind.RingHash or LoadBalancerKind.Maglev ? new { minimum = c.Ring.Minimum, maximum = c.Ring.Maximum } : null,
            protocol = c.Protocol.ToString(),
            connect_timeout_ms = c.ConnectTimeout.TotalMilliseconds,
            circuit_breakers = new { max_connections = c.Limits.MaxConnections, max_pending_requests = c.Limits.MaxPendingRequests, max_requests = c.Limits.MaxRequests, max_retries = c.Limits.MaxRetries },
            outlier_detection = c.Outlier is { } o ? new
            {
                consecutive_5xx = o.Consecutive5xx, enforcing_consecutive_5xx = o.Enforcing5xx,
                consecutive_gateway_failure = o.ConsecutiveGatewayFailure, enforcing_consecutive_gateway_failure = o.EnforcingGatewayFailure,
                interval_ms = o.Interval.TotalMilliseconds, base_ejection_time_ms = o.BaseEjectionTime.TotalMilliseconds, max_ejection_percent = o.MaxEjectionPercent,
            } : null,
            endpoints = snapshot.EndpointsOf(c).Select(Endpoint),
        }),
        listeners = snapshot.Listeners.Values.OrderBy(l => l.Port).Select(l => new { name = l.Name, address = l.Address, port = l.Port, route_config_name = l.RouteConfigName }),
        route_tables = snapshot.RouteTables.Values.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => new
        {
            name = t.Name,
            virtual_hosts = t.VirtualHosts.Select(h => new { name = h.Name, domains = h.Domains, routes = h.Routes.Select(Route) }),
        }),
    };

    /// <summary>
    /// Envoy's /clusters lines: cluster::address:port::health_flags::value, plus the weight; an
    /// ejected endpoint has Envoy's /failed_outlier_check flag, and its ejections are counted.
    /// </summary>
    public static string Clusters(ProxySnapshot snapshot, EndpointPicker? picker = null)
    {
        var text = new StringBuilder();
        foreach (var cluster in snapshot.Clusters.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            foreach (var e in snapshot.EndpointsOf(cluster))
            {
                var (ejected, ejections) = picker?.OutlierState(cluster.Name, e) ?? (false, 0);
                var flags = (e.IsRoutable ? "" : "/failed_eds_health") + (ejected ? "/failed_outlier_check" : "");
                if (flags.Length == 0) flags = "healthy";
                text.Append(cluster.Name).Append("::").Append(e.Address).Append(':').Append(e.Port).Append("::health_flags::").Append(flags).Append('\n');
                text.Append(cluster.Name).Append("::").Append(e.Address).Append(':').Append(e.Port).Append("::weight::").Append(e.Weight).Append('\n');
                text.Append(cluster.Name).Append("::").Append(e.Address).Append(':').Append(e.Port).Append("::priority::").Append(e.Priority).Append('\n');
                if (cluster.Outlier is not null)
                    text.Append(cluster.Name).Append("::").Append(e.Address).Append(':').Append(e.Port).Append("::outlier::ejections::").Append(ejections).Append('\n');
            }
        }
        return text.ToString();
    }

    private static object Endpoint(EndpointSnapshot e) =>
        new { address = e.Address, port = e.Port, health = e.Health.ToString().ToUpperInvariant(), weight = e.Weight, priority = e.Priority, locality = e.Locality };

    private static object Route(RouteEntry route) => new
    {
        name = route.Name,
        match = new
        {
            path = new { kind = route.Match.Path.Kind.ToString(), value = route.Match.Path.Value, case_sensitive = route.Match.Path.CaseSensitive },
            headers = route.Match.Headers.Select(h => new { name = h.Name, kind = h.Match?.Kind.ToString() ?? "Present", value = h.Match?.Value, invert = h.Invert }),
            query_parameters = route.Match.QueryParameters.Select(q => new { name = q.Name, kind = q.Match?.Kind.ToString() ?? "Present", value = q.Match?.Value }),
        },
        action = route.Action switch
        {
            ForwardAction f => (object)new
            {
                clusters = f.Clusters.Select(c => new { name = c.Cluster, weight = c.Weight }),
                timeout_ms = f.Timeout?.TotalMilliseconds,
                retry = f.Retry is { } r ? new { num_retries = r.NumRetries, on_5xx = r.On5xx, on_gateway_error = r.OnGatewayError, on_connect_failure = r.OnConnectFailure, on_reset = r.OnReset, on_retriable_4xx = r.OnRetriable4xx, status_codes = r.RetriableStatusCodes, per_try_timeout_ms = r.PerTryTimeout?.TotalMilliseconds, back_off_base_ms = r.BackOffBase.TotalMilliseconds, back_off_max_ms = r.BackOffMax.TotalMilliseconds } : null,
                prefix_rewrite = f.PrefixRewrite,
                host_rewrite = f.HostRewrite,
                mirrors = f.Mirrors.Select(m => new { cluster = m.Cluster, per_million = m.PerMillion, host_suffix = m.HostSuffix }),
                hash_policies = f.HashPolicies.Select(h => new { source = h.Source.ToString(), name = h.Name, terminal = h.Terminal }),
            },
            DirectResponseAction d => new { direct_response = d.Status, body = d.Body },
            RedirectAction r => new { redirect = r.Status, scheme = r.Scheme, host = r.Host, port = r.Port, path = r.Path },
            _ => new { },
        },
        fault = route.Fault is { } fault ? new
        {
            delay_ms = fault.Delay?.Fixed.TotalMilliseconds,
            delay_per_million = fault.Delay?.PerMillion,
            abort_http_status = fault.Abort?.HttpStatus,
            abort_grpc_status = fault.Abort?.GrpcStatus,
            abort_per_million = fault.Abort?.PerMillion,
        } : null,
    };
}
