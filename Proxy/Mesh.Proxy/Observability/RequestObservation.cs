using Mesh.Proxy.Configuration;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Observability;

/// <summary>
/// What only the request path knows, told to the observer as it happens: the route, cluster and
/// endpoint of each attempt. A feature on the HttpContext so handlers need one line and no
/// constructor dependency; absent (null) when no observer runs, e.g. in handler unit tests.
/// </summary>
public sealed class RequestObservation
{
    public RouteEntry? Route { get; private set; }
    public string? Cluster { get; private set; }
    public string? UpstreamHost { get; private set; }

    /// <summary>The picked endpoint's Istio workload metadata, if the control plane sent it.</summary>
    public WorkloadMetadata? UpstreamWorkload { get; private set; }
    public int Attempts { get; private set; }

    public static RequestObservation? Of(HttpContext context) => context.Features.Get<RequestObservation>();

    /// <param name="endpoint">Null when the cluster had no healthy endpoint (the attempt ends in UH).</param>
    public void OnAttempt(RouteEntry route, string cluster, EndpointSnapshot? endpoint, int attempt)
    {
        Route = route;
        Cluster = cluster;
        UpstreamHost = endpoint is null ? null : endpoint.Address.Contains(':') ? $"[{endpoint.Address}]:{endpoint.Port}" : $"{endpoint.Address}:{endpoint.Port}";
        UpstreamWorkload = endpoint?.Workload;
        Attempts = attempt;
    }

    /// <summary>A fixed upstream, as the inbound listener's local app.</summary>
    public void OnUpstream(string cluster, string upstreamHost)
    {
        Cluster = cluster;
        UpstreamHost = upstreamHost;
        Attempts = 1;
    }
}
