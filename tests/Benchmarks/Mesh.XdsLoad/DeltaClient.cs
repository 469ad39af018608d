using System.Diagnostics;
using Envoy.Config.Cluster.V3;
using Envoy.Service.Discovery.V3;
using Grpc.Core;

namespace Mesh.XdsLoad;

/// <summary>
/// One proxy as Envoy drives Delta ADS: a CDS wildcard subscription (the first Cluster request,
/// with no names and with the Node), then EDS subscriptions to the EDS clusters' service names as
/// CDS adds them and unsubscriptions as it removes them; every response ACKed with its nonce,
/// its resources and removed_resources applied to the local state. A new stream starts from an
/// empty state (no initial_resource_versions), so the server sends everything again.
/// </summary>
public sealed class DeltaClient(int index, string nodeId, IReadOnlyList<Uri> silos, int first, ClientShared shared)
    : ProxyClient(index, nodeId, silos, first, shared)
{
    /// <summary>Cluster name → the EDS service name it watches, or null for a cluster that is not EDS.</summary>
    private readonly Dictionary<string, string?> _clusters = new(StringComparer.Ordinal);
    /// <summary>EDS names subscribed to, with how many clusters watch each.</summary>
    private readonly Dictionary<string, int> _watchers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _assigned = new(StringComparer.Ordinal);
    private int _hostClusters;

    protected override async Task StreamAsync(CallInvoker invoker, CancellationToken cancel)
    {
        _clusters.Clear();
        _watchers.Clear();
        _assigned.Clear();
        _hostClusters = 0;
        using var call = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(invoker)
            .DeltaAggregatedResources(cancellationToken: cancel);
        await call.RequestStream.WriteAsync(new DeltaDiscoveryRequest { Node = Node, TypeUrl = ClusterType }, cancel);
        while (await call.ResponseStream.MoveNext(cancel))
        {
            var at = Stopwatch.GetTimestamp();
            var response = call.ResponseStream.Current;
            Received(response);
            if (response.TypeUrl == ClusterType) await OnClustersAsync(call.RequestStream, response, cancel);
            else if (response.TypeUrl == EndpointType) OnEndpoints(response);
            if (response.TypeUrl != ClusterType)
                await call.RequestStream.WriteAsync(new DeltaDiscoveryRequest { TypeUrl = response.TypeUrl, ResponseNonce = response.Nonce }, cancel);
            Acked(at);
            CheckFull(() => _hostClusters == Shared.Hosts && _watchers.Keys.All(_assigned.Contains), at);
        }
    }

    private async Task OnClustersAsync(IClientStreamWriter<DeltaDiscoveryRequest> requests, DeltaDiscoveryResponse response, CancellationToken cancel)
    {
        // Only what the response touches is visited, so a one-cluster change costs one cluster, not all of them.
        var change = new DeltaDiscoveryRequest { TypeUrl = EndpointType };
        foreach (var removed in response.RemovedResources)
        {
            if (!_clusters.Remove(removed, out var eds)) continue;
            if (ConfigFiles.HostOf(removed) >= 0) _hostClusters--;
            Unwatch(eds, change);
        }
        foreach (var resource in response.Resources)
        {
            if (resource.Resource_ is null) continue;
            var cluster = Cluster.Parser.ParseFrom(resource.Resource_.Value);
            var name = Shared.Name(cluster.Name);
            var eds = cluster.Type == Cluster.Types.DiscoveryType.Eds
                ? Shared.Name(string.IsNullOrEmpty(cluster.EdsClusterConfig?.ServiceName) ? cluster.Name : cluster.EdsClusterConfig.ServiceName)
                : null;
            Holds(ChangeKind.Config, name, StateCodes.SeqOf(cluster));
            var known = _clusters.TryGetValue(name, out var before);
            // An updated cluster that watches the same EDS name keeps its watch (and the endpoints it has).
            if (known && before == eds) continue;
            if (known) Unwatch(before, change);
            else if (ConfigFiles.HostOf(name) >= 0) _hostClusters++;
            _clusters[name] = eds;
            if (eds is not null && _watchers.TryGetValue(eds, out var count)) _watchers[eds] = count + 1;
            else if (eds is not null)
            {
                _watchers[eds] = 1;
                if (!change.ResourceNamesUnsubscribe.Remove(eds)) change.ResourceNamesSubscribe.Add(eds);
            }
        }

        // As Envoy: the EDS watches of the new clusters (and the end of the removed ones' watches) first, then the CDS ACK.
        if (change.ResourceNamesSubscribe.Count > 0 || change.ResourceNamesUnsubscribe.Count > 0)
            await requests.WriteAsync(change, cancel);
        await requests.WriteAsync(new DeltaDiscoveryRequest { TypeUrl = ClusterType, ResponseNonce = response.Nonce }, cancel);
    }

    /// <summary>A cluster stops watching its EDS name; the last watcher's going unsubscribes it.</summary>
    private void Unwatch(string? eds, DeltaDiscoveryRequest change)
    {
        if (eds is null || !_watchers.TryGetValue(eds, out var count)) return;
        if (count > 1)
        {
            _watchers[eds] = count - 1;
            return;
        }
        _watchers.Remove(eds);
        _assigned.Remove(eds);
        if (!change.ResourceNamesSubscribe.Remove(eds)) change.ResourceNamesUnsubscribe.Add(eds);
    }

    private void OnEndpoints(DeltaDiscoveryResponse response)
    {
        foreach (var removed in response.RemovedResources) _assigned.Remove(removed);
        foreach (var resource in response.Resources)
        {
            if (resource.Resource_ is null) continue;
            var (name, seq) = ReadAssignment(resource.Resource_.Value);
            _assigned.Add(name);
            Holds(ChangeKind.Endpoint, name, seq);
        }
    }
}
