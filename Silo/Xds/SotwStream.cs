using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.Grains.Abstractions;
using Mesh.Silo.Push;

namespace Mesh.Silo.Xds;

/// <summary>
/// State-of-the-world xDS. LDS and CDS responses carry the whole subscribed set (absence means
/// deletion); RDS and EDS responses carry only what changed, which the protocol allows for them.
/// </summary>
public sealed class SotwStream(XdsStreamContext context, string? fixedType)
    : XdsStream<DiscoveryRequest, DiscoveryResponse>(context, fixedType is null ? "ADS" : "xDS", fixedType)
{
    protected override Envoy.Config.Core.V3.Node? NodeOf(DiscoveryRequest request) => request.Node;

    protected override string TypeOf(DiscoveryRequest request) => request.TypeUrl;

    protected override int NameCount(DiscoveryRequest request) => request.ResourceNames.Count;

    protected override Google.Rpc.Status? ErrorOf(DiscoveryRequest request) => request.ErrorDetail;

    protected override async Task HandleRequestAsync(string typeUrl, DiscoveryRequest request)
    {
        var watch = Watches.GetValueOrDefault(typeUrl);
        var decision = ResponsePolicy.Sotw(
            watch,
            new SotwRequest(request.VersionInfo, request.ResponseNonce, request.ResourceNames, request.ErrorDetail is not null),
            XdsTypes.IsWildcardType(typeUrl),
            watch is { Names.Count: > 0 } ? Context.Subscriptions.Lookup(watch.Names) : null);
        Decided(typeUrl, decision, request.ResponseNonce, request.ErrorDetail?.Message);
        if (decision.Respond) await SendAsync(typeUrl, Wanted(typeUrl, decision.State), changedAt: null);
    }

    protected override async Task HandlePushAsync(string typeUrl, PushEvent push)
    {
        var watch = Watches[typeUrl];
        // The hub's diff is against its previous snapshot, not this stream's: a push delivered after the
        // stream already answered from an equal snapshot (it registered while the hub was flushing, or
        // just after the hub started following) names changes the proxy already holds. A type's version
        // is its content, so the same version is nothing new to send.
        if (watch.VersionSent is { } sent && sent == Snapshot.VersionOf(typeUrl)) return;
        var changed = push.Changed[typeUrl];
        if (!changed.Any(name => Wants(typeUrl, watch, name))) return;
        var resources = XdsTypes.IsWildcardType(typeUrl)
            ? Wanted(typeUrl, watch)
            : changed.Where(name => watch.Wants(name)).Select(name => Snapshot.OfType(typeUrl).GetValueOrDefault(name)).OfType<XdsResource>().ToList();
        if (resources.Count == 0 && !XdsTypes.IsWildcardType(typeUrl)) return;
        await SendAsync(typeUrl, resources, push.OldestChange);
    }

    protected override Task HandleFullPushAsync(string typeUrl, PushEvent push) =>
        SendAsync(typeUrl, Wanted(typeUrl, Watches[typeUrl]), push.OldestChange);

    private static bool Wants(string typeUrl, WatchState watch, string name) =>
        watch.Names.Contains(name) || (watch.Wildcard && XdsTypes.InWildcard(typeUrl, name));

    private List<XdsResource> Wanted(string typeUrl, WatchState watch) =>
        watch.Wildcard
            ? [.. Snapshot.OfType(typeUrl).Values.Where(r => Wants(typeUrl, watch, r.Name))]
            : [.. watch.Names.Order(StringComparer.Ordinal).Select(n => Snapshot.OfType(typeUrl).GetValueOrDefault(n)).OfType<XdsResource>()];

    private async Task SendAsync(string typeUrl, IReadOnlyList<XdsResource> resources, DateTimeOffset? changedAt)
    {
        var version = Snapshot.VersionOf(typeUrl);
        var nonce = NextNonce();
        var response = new DiscoveryResponse { TypeUrl = typeUrl, VersionInfo = version, Nonce = nonce };
        var served = resources.Select(Served).ToList();
        foreach (var r in served)
            response.Resources.Add(new Any { TypeUrl = r.TypeUrl, Value = UnsafeByteOperations.UnsafeWrap(r.Body) });
        await WriteAsync(typeUrl, response);
        // LDS and CDS responses are the whole set (absence is deletion); RDS and EDS ones add to what the proxy holds.
        Sent(typeUrl, Watches[typeUrl] with { NonceSent = nonce, VersionSent = version }, changedAt, served, [], whole: XdsTypes.IsWildcardType(typeUrl));
    }
}
