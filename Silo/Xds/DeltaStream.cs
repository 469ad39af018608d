using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.Grains.Abstractions;
using Mesh.Silo.Push;

namespace Mesh.Silo.Xds;

/// <summary>
/// Delta (incremental) xDS: each response carries only resources whose version differs from what
/// the client holds, and names of resources it holds that are gone.
/// </summary>
public sealed class DeltaStream(XdsStreamContext context)
    : XdsStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>(context, "Delta", fixedType: null)
{
    protected override Envoy.Config.Core.V3.Node? NodeOf(DeltaDiscoveryRequest request) => request.Node;

    protected override string TypeOf(DeltaDiscoveryRequest request) => request.TypeUrl;

    protected override Google.Rpc.Status? ErrorOf(DeltaDiscoveryRequest request) => request.ErrorDetail;

    protected override int NameCount(DeltaDiscoveryRequest request) =>
        request.ResourceNamesSubscribe.Count + request.ResourceNamesUnsubscribe.Count + request.InitialResourceVersions.Count;

    protected override async Task HandleRequestAsync(string typeUrl, DeltaDiscoveryRequest request)
    {
        var current = Watches.GetValueOrDefault(typeUrl);
        var decision = ResponsePolicy.Delta(
            current,
            new DeltaRequest(request.ResponseNonce, request.ResourceNamesSubscribe, request.ResourceNamesUnsubscribe,
                request.InitialResourceVersions, request.ErrorDetail is not null),
            XdsTypes.IsWildcardType(typeUrl));
        Decided(typeUrl, decision, request.ResponseNonce, request.ErrorDetail?.Message);
        if (!decision.Respond) return;
        // A first request (or reconnect) compares everything; a subscription change only the new names.
        var candidates = current is null || decision.State.Wildcard && !current.Wildcard
            ? Snapshot.OfType(typeUrl).Keys.Concat(decision.State.Known.Keys).Concat(decision.State.Names)
            : decision.Added;
        await SendAsync(typeUrl, candidates, changedAt: null, force: true);
    }

    protected override Task HandlePushAsync(string typeUrl, PushEvent push) =>
        SendAsync(typeUrl, push.Changed[typeUrl], push.OldestChange, force: false);

    protected override Task HandleFullPushAsync(string typeUrl, PushEvent push)
    {
        // Everything subscribed, sent again even where the proxy holds it at this version, plus the removals a change brings.
        var watch = Watches[typeUrl];
        var candidates = Snapshot.OfType(typeUrl).Keys.Concat(watch.Names).Concat(watch.Known.Keys)
            .Concat(push.Changed.GetValueOrDefault(typeUrl) ?? []);
        return SendAsync(typeUrl, candidates, push.OldestChange, force: false, resend: true);
    }

    private async Task SendAsync(string typeUrl, IEnumerable<string> candidates, DateTimeOffset? changedAt, bool force, bool resend = false)
    {
        var watch = Watches[typeUrl];
        var known = watch.Known.ToBuilder();
        var nonce = NextNonce();
        var response = new DeltaDiscoveryResponse { TypeUrl = typeUrl, Nonce = nonce, SystemVersionInfo = Snapshot.VersionOf(typeUrl) };
        var resources = Snapshot.OfType(typeUrl);
        var holds = new List<XdsResource>();
        foreach (var name in candidates.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var wanted = watch.Names.Contains(name) || (watch.Wildcard && XdsTypes.InWildcard(typeUrl, name));
            if (wanted && resources.TryGetValue(name, out var shared))
            {
                var r = Served(shared);
                holds.Add(r);
                // Already held at this version (a reconnect's initial_resource_versions, or unchanged for this proxy).
                if (!resend && known.TryGetValue(name, out var held) && held.Version == r.Version)
                {
                    // The same version: hold the resource itself, so a map equal to the view can be the view's.
                    known[name] = r;
                    continue;
                }
                response.Resources.Add(new Resource
                {
                    Name = name,
                    Version = r.Version,
                    Resource_ = new Any { TypeUrl = typeUrl, Value = UnsafeByteOperations.UnsafeWrap(r.Body) },
                });
                known[name] = r;
            }
            else if (known.Remove(name))
            {
                response.RemovedResources.Add(name);
            }
        }
        // A subscription answer is owed even when empty, so the client stops waiting for it.
        if (response.Resources.Count == 0 && response.RemovedResources.Count == 0 && !force) return;
        await WriteAsync(typeUrl, response);
        // Holding exactly the view (all of it, or the previous view and all of the change): keep the
        // view's map, shared by every stream of the scope, instead of one per proxy (at 1,000 hosts,
        // 128 KB a proxy; under churn, a copy along each push's changed path).
        var holding = ConnectionView.HeldView(watch.Known, resources, holds, response.RemovedResources, FollowingOf(typeUrl)) ?? known.ToImmutable();
        Sent(typeUrl, watch with { Known = holding, NonceSent = nonce, VersionSent = response.SystemVersionInfo }, changedAt,
            holds, response.RemovedResources, whole: false);
    }
}
