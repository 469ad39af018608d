using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Mesh.Proxy.Configuration;
using Mesh.Api.Xds;

namespace Mesh.Proxy.Xds;

/// <summary>
/// Incremental (Delta) ADS over an XdsSession: what to send when a stream opens and in answer to
/// each response. Pure apart from the session it drives; one instance per stream.
/// </summary>
public sealed class DeltaProtocol(XdsSession session, Node node)
{
    // Names this stream has subscribed per type; the server's view of our subscriptions.
    private readonly Dictionary<string, HashSet<string>> _subscribed = [];
    private bool _nodeSent;

    /// <summary>
    /// CDS first, as Envoy; on a reconnect (the session already holds config) every type the proxy
    /// had, each with initial_resource_versions so the server sends only what changed meanwhile.
    /// </summary>
    public IReadOnlyList<DeltaDiscoveryRequest> Start()
    {
        var requests = new List<DeltaDiscoveryRequest> { Subscribe(ResourceTypes.Cluster, ["*"], withVersions: true) };
        if (session.HasAccepted(ResourceTypes.Cluster))
        {
            requests.AddRange(FollowUps(withVersions: true));
        }
        return requests;
    }

    public (IReadOnlyList<DeltaDiscoveryRequest> Requests, ApplyOutcome Outcome) OnResponse(DeltaDiscoveryResponse response)
    {
        var upserts = response.Resources.Select(r => new XdsResource(r.Name, r.Version, r.Resource_)).ToList();
        var outcome = session.Apply(response.TypeUrl, upserts, response.RemovedResources, replaceAll: false, response.SystemVersionInfo);
        var ack = new DeltaDiscoveryRequest { TypeUrl = response.TypeUrl, ResponseNonce = response.Nonce };
        if (!outcome.Accepted) ack.ErrorDetail = new Google.Rpc.Status { Code = (int)Grpc.Core.StatusCode.InvalidArgument, Message = outcome.Error };
        var requests = new List<DeltaDiscoveryRequest> { WithNode(ack) };
        if (outcome.Accepted || response.TypeUrl == ResourceTypes.Cluster) requests.AddRange(FollowUps(withVersions: false));
        return (requests, outcome);
    }

    /// <summary>EDS for the clusters held, LDS once CDS has answered, RDS for the listeners held.</summary>
    private IEnumerable<DeltaDiscoveryRequest> FollowUps(bool withVersions)
    {
        if (Diff(ResourceTypes.ClusterLoadAssignment, withVersions) is { } eds) yield return eds;
        if (!_subscribed.ContainsKey(ResourceTypes.Listener)) yield return Subscribe(ResourceTypes.Listener, ["*"], withVersions);
        if (Diff(ResourceTypes.RouteConfiguration, withVersions) is { } rds) yield return rds;
    }

    private DeltaDiscoveryRequest? Diff(string typeUrl, bool withVersions)
    {
        var wanted = session.WantedNames(typeUrl);
        var had = _subscribed.GetValueOrDefault(typeUrl) ?? [];
        var add = wanted.Except(had).ToList();
        var drop = had.Except(wanted).ToList();
        if (add.Count == 0 && drop.Count == 0) return null;
        var request = Subscribe(typeUrl, add, withVersions);
        request.ResourceNamesUnsubscribe.AddRange(drop);
        _subscribed[typeUrl] = [.. wanted];
        return request;
    }

    private DeltaDiscoveryRequest Subscribe(string typeUrl, IReadOnlyCollection<string> names, bool withVersions)
    {
        var request = new DeltaDiscoveryRequest { TypeUrl = typeUrl };
        request.ResourceNamesSubscribe.AddRange(names);
        if (withVersions)
        {
            foreach (var (name, version) in session.Versions(typeUrl)) request.InitialResourceVersions[name] = version;
        }
        _subscribed.TryAdd(typeUrl, []);
        _subscribed[typeUrl].UnionWith(names);
        return WithNode(request);
    }

    // Envoy sends the node on the first request of a stream only; the server keeps it for the stream.
    private DeltaDiscoveryRequest WithNode(DeltaDiscoveryRequest request)
    {
        if (!_nodeSent) request.Node = node;
        _nodeSent = true;
        return request;
    }
}
