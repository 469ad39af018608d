using Envoy.Service.Cluster.V3;
using Envoy.Service.Discovery.V3;
using Envoy.Service.Endpoint.V3;
using Envoy.Service.Listener.V3;
using Envoy.Service.Route.V3;
using Grpc.Core;
using Mesh.Api.Xds;

namespace Mesh.Silo.Xds;

/// <summary>ADS, state-of-the-world and Delta: the one service most proxies use.</summary>
public sealed class AdsService(XdsStreamContext context) : AggregatedDiscoveryService.AggregatedDiscoveryServiceBase
{
    public override Task StreamAggregatedResources(IAsyncStreamReader<DiscoveryRequest> requestStream,
        IServerStreamWriter<DiscoveryResponse> responseStream, ServerCallContext call) =>
        new SotwStream(context, fixedType: null).RunAsync(requestStream, responseStream, call.CancellationToken, Caller(call));

    public override Task DeltaAggregatedResources(IAsyncStreamReader<DeltaDiscoveryRequest> requestStream,
        IServerStreamWriter<DeltaDiscoveryResponse> responseStream, ServerCallContext call) =>
        new DeltaStream(context).RunAsync(requestStream, responseStream, call.CancellationToken, Caller(call));

    private static Vm.StreamCaller Caller(ServerCallContext call) => new(call.RequestHeaders.GetValue("authorization"), call.Peer);
}

/// <summary>The per-type services (non-aggregated xDS): the same streams, fixed to one type each.</summary>
public sealed class ClusterDiscovery(XdsStreamContext context) : ClusterDiscoveryService.ClusterDiscoveryServiceBase
{
    public override Task StreamClusters(IAsyncStreamReader<DiscoveryRequest> requestStream,
        IServerStreamWriter<DiscoveryResponse> responseStream, ServerCallContext call) =>
        new SotwStream(context, ResourceTypes.Cluster).RunAsync(requestStream, responseStream, call.CancellationToken);
}

public sealed class EndpointDiscovery(XdsStreamContext context) : EndpointDiscoveryService.EndpointDiscoveryServiceBase
{
    public override Task StreamEndpoints(IAsyncStreamReader<DiscoveryRequest> requestStream,
        IServerStreamWriter<DiscoveryResponse> responseStream, ServerCallContext call) =>
        new SotwStream(context, ResourceTypes.ClusterLoadAssignment).RunAsync(requestStream, responseStream, call.CancellationToken);
}

public sealed class ListenerDiscovery(XdsStreamContext context) : ListenerDiscoveryService.ListenerDiscoveryServiceBase
{
    public override Task StreamListeners(IAsyncStreamReader<DiscoveryRequest> requestStream,
        IServerStreamWriter<DiscoveryResponse> responseStream, ServerCallContext call) =>
        new SotwStream(context, ResourceTypes.Listener).RunAsync(requestStream, responseStream, call.CancellationToken);
}

public sealed class RouteDiscovery(XdsStreamContext context) : RouteDiscoveryService.RouteDiscoveryServiceBase
{
    public override Task StreamRoutes(IAsyncStreamReader<DiscoveryRequest> requestStream,
        IServerStreamWriter<DiscoveryResponse> responseStream, ServerCallContext call) =>
        new SotwStream(context, ResourceTypes.RouteConfiguration).RunAsync(requestStream, responseStream, call.CancellationToken);
}
