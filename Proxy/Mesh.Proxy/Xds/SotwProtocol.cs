using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Mesh.Api.Xds;

namespace Mesh.Proxy.Xds;

/// <summary>
/// State-of-the-world ADS over the same XdsSession: every request carries the full name list, the
/// last accepted version and the nonce it answers. CDS/LDS responses replace everything; EDS/RDS
/// responses may carry a subset (the silo sends only changed ones), so they merge.
/// </summary>
public sealed class SotwProtocol(XdsSession session, Node node)
{
    private readonly Dictionary<string, string> _acceptedVersion = [];
    private readonly Dictionary<string, string> _nonce = [];
    private readonly Dictionary<string, HashSet<string>> _subscribed = [];
    private bool _nodeSent;

    public IReadOnlyList<DiscoveryRequest> Start()
    {
        var requests = new List<DiscoveryRequest> { Request(ResourceTypes.Cluster, []) };
        if (session.HasAccepted(ResourceTypes.Cluster)) requests.AddRange(FollowUps());
        return requests;
    }

    public (IReadOnlyList<DiscoveryRequest> Requests, ApplyOutcome Outcome) OnResponse(DiscoveryResponse response)
    {
        var type = response.TypeUrl;
        var upserts = response.Resources.Select((r, i) => new XdsResource(NameOf(r, i), response.VersionInfo, r)).ToList();
        var outcome = session.Apply(type, upserts, [], replaceAll: ResourceTypes.IsWildcard(type), response.VersionInfo);
        _nonce[type] = response.Nonce;
        if (outcome.Accepted) _acceptedVersion[type] = response.VersionInfo;

        var reply = Request(type, _subscribed.GetValueOrDefault(type) ?? []);
        if (!outcome.Accepted) reply.ErrorDetail = new Google.Rpc.Status { Code = (int)Grpc.Core.StatusCode.InvalidArgument, Message = outcome.Error };
        var requests = new List<DiscoveryRequest> { reply };
        if (outcome.Accepted || type == ResourceTypes.Cluster) requests.AddRange(FollowUps());
        return (requests, outcome);
    }

    private IEnumerable<DiscoveryRequest> FollowUps()
    {
        if (Changed(ResourceTypes.ClusterLoadAssignment) is { } eds) yield return eds;
        if (!_subscribed.ContainsKey(ResourceTypes.Listener)) yield return Request(ResourceTypes.Listener, []);
        if (Changed(ResourceTypes.RouteConfiguration) is { } rds) yield return rds;
    }

    private DiscoveryRequest? Changed(string typeUrl)
    {
        var wanted = session.WantedNames(typeUrl);
        var had = _subscribed.GetValueOrDefault(typeUrl);
        if (had is null ? wanted.Count == 0 : had.SetEquals(wanted)) return null;
        return Request(typeUrl, wanted);
    }

    private DiscoveryRequest Request(string typeUrl, IReadOnlyCollection<string> names)
    {
        var request = new DiscoveryRequest
        {
            TypeUrl = typeUrl,
            VersionInfo = _acceptedVersion.GetValueOrDefault(typeUrl, ""),
            ResponseNonce = _nonce.GetValueOrDefault(typeUrl, ""),
        };
        // CDS/LDS stay legacy wildcard (no names): an explicit list would end the wildcard.
        if (!ResourceTypes.IsWildcard(typeUrl)) request.ResourceNames.AddRange(names);
        _subscribed[typeUrl] = [.. names];
        if (!_nodeSent) request.Node = node;
        _nodeSent = true;
        return request;
    }

    /// <summary>SotW resources carry no name outside the message; read it from the message itself.</summary>
    private static string NameOf(Google.Protobuf.WellKnownTypes.Any any, int index)
    {
        if (any.TryUnpack<Envoy.Config.Cluster.V3.Cluster>(out var c)) return c.Name;
        if (any.TryUnpack<Envoy.Config.Endpoint.V3.ClusterLoadAssignment>(out var e)) return e.ClusterName;
        if (any.TryUnpack<Envoy.Config.Listener.V3.Listener>(out var l)) return l.Name;
        if (any.TryUnpack<Envoy.Config.Route.V3.RouteConfiguration>(out var r)) return r.Name;
        return $"#{index}";
    }
}
