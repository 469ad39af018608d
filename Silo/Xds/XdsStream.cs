using System.Threading.Channels;
using Grpc.Core;
using Mesh.Grains.Abstractions;
using Mesh.Silo.Push;
using Microsoft.Extensions.Logging;

namespace Mesh.Silo.Xds;

/// <summary>
/// One xDS stream: requests and pushes are serialized through one channel, so the stream's state
/// (watches, nonces) has a single writer and responses never interleave. Subclasses supply the
/// protocol flavour (state-of-the-world or Delta); this class owns the lifecycle and bookkeeping.
/// </summary>
public abstract partial class XdsStream<TRequest, TResponse>(XdsStreamContext context, string protocol, string? fixedType)
    where TRequest : class
{
    private const int MaxResourceNames = 10_000;
    private readonly Dictionary<string, NackInfo> _lastNack = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Nonce, DateTimeOffset ChangedAt)> _awaitingAck = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _sentAt = new(StringComparer.Ordinal);
    private long _nonce;
    private ResourceSnapshot? _viewOf;
    private Vm.WorkloadLease? _workload;
    private ConnectionView _view = null!;
    private ConnectionRecorder _recorder = null!;

    protected XdsStreamContext Context { get; } = context;
    protected ILogger Logger { get; } = context.Loggers.CreateLogger("Mesh.Silo.Xds.Stream");
    protected Dictionary<string, WatchState> Watches { get; } = new(StringComparer.Ordinal);
    protected ResourceSnapshot Snapshot { get; private set; } = ResourceSnapshot.Empty;
    protected ProxyIdentity? Proxy { get; private set; }
    protected IServerStreamWriter<TResponse> Responses { get; private set; } = null!;

    protected abstract Envoy.Config.Core.V3.Node? NodeOf(TRequest request);

    protected abstract string TypeOf(TRequest request);

    protected abstract int NameCount(TRequest request);

    protected abstract Google.Rpc.Status? ErrorOf(TRequest request);

    protected abstract Task HandleRequestAsync(string typeUrl, TRequest request);

    protected abstract Task HandlePushAsync(string typeUrl, PushEvent push);

    public async Task RunAsync(IAsyncStreamReader<TRequest> requests, IServerStreamWriter<TResponse> responses, CancellationToken callCancel,
        Vm.StreamCaller? caller = null)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(callCancel, Context.Stopping);
        var cancel = linked.Token;
        Responses = responses;
        if (!await requests.MoveNext(cancel)) return;
        var first = requests.Current;
        Proxy = NodeInfo.Read(NodeOf(first), Context.SiloName, protocol, Context.Time.GetUtcNow(), Context.Connections.Next());
        // Before anything is recorded: a refused VM leaves no trace but the log line.
        _workload = Context.AutoRegistration is { } vm ? await vm.RegisterAsync(Proxy, caller ?? new Vm.StreamCaller(null, null), cancel) : null;
        try
        {
            await ServeAsync(first, requests, cancel);
        }
        finally
        {
            if (_workload is not null) await _workload.DisposeAsync();
        }
    }

    private async Task ServeAsync(TRequest first, IAsyncStreamReader<TRequest> requests, CancellationToken cancel)
    {
        var proxy = Proxy!;
        // The config comes from this silo's hub; the connection's grain only makes it visible. It is
        // written in the background, so a grain on a silo that just died cannot hold this stream up.
        _view = new ConnectionView(proxy);
        var observer = Context.Grains.CreateObjectReference<IProxyConnectionObserver>(_view);
        _recorder = new ConnectionRecorder(Context.Grains.GetGrain<IProxyConnectionGrain>(proxy.ConnectionId), proxy, observer,
            Context.Time, Logger, Context.Stopping);
        Context.Metrics.ConnectedProxies.WithLabels(protocol).Inc();
        LogConnected(Logger, proxy.ProxyId, proxy.ConnectionId, protocol, Context.SiloName);
        IDisposable? registration = null;
        try
        {
            var events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
            (var snapshot, registration) = await Context.Hub.RegisterAsync(push => events.Writer.TryWrite(push));
            Snapshot = ProxyScope.For(proxy, snapshot.Sidecars).Apply(snapshot);
            _viewOf = snapshot;
            events.Writer.TryWrite(first);
            var reader = ForwardRequestsAsync(requests, events.Writer, cancel);
            await foreach (var item in events.Reader.ReadAllAsync(cancel))
            {
                if (item is PushEvent push) await OnPushAsync(push);
                else await OnRequestAsync((TRequest)item);
            }
            await reader;
        }
        finally
        {
            registration?.Dispose();
            Context.Metrics.ConnectedProxies.WithLabels(protocol).Dec();
            LogDisconnected(Logger, proxy.ProxyId, proxy.ConnectionId, Context.SiloName);
            _recorder.Ended();
            Context.Grains.DeleteObjectReference<IProxyConnectionObserver>(observer);
        }
    }

    private static async Task ForwardRequestsAsync(IAsyncStreamReader<TRequest> requests, ChannelWriter<object> events, CancellationToken cancel)
    {
        try
        {
            while (await requests.MoveNext(cancel)) events.TryWrite(requests.Current);
            events.TryComplete();
        }
        catch (Exception ex)
        {
            events.TryComplete(ex);
        }
    }

    private async Task OnRequestAsync(TRequest request)
    {
        var typeUrl = fixedType ?? TypeOf(request);
        if (string.IsNullOrEmpty(typeUrl))
            throw new RpcException(new Status(StatusCode.InvalidArgument, "type_url is required on an aggregated stream"));
        if (NameCount(request) > MaxResourceNames)
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"more than {MaxResourceNames} resource names in one request"));
        var error = ErrorOf(request);
        if (ResponsePolicy.Health(typeUrl, error is not null, error?.Message) is { } health)
        {
            await ReportHealthAsync(health);
            return;
        }
        if (!XdsTypes.Served.Contains(typeUrl))
        {
            LogUnknownType(Logger, Proxy!.ProxyId, typeUrl);
            return;
        }
        await HandleRequestAsync(typeUrl, request);
    }

    private async Task ReportHealthAsync(HealthReport health)
    {
        if (_workload is null)
        {
            // Istio keeps health only for auto-registered workloads; a pod's readiness comes from Kubernetes.
            LogHealthIgnored(Logger, Proxy!.ProxyId);
            return;
        }
        try { await _workload.ReportHealthAsync(health.Healthy, health.Message); }
        catch (Exception ex) { LogRecordFailed(Logger, Proxy!.ProxyId, ex); }
    }

    private async Task OnPushAsync(PushEvent push)
    {
        // The proxy's own view: the hub's snapshot less what exportTo and its Sidecar hide. When
        // it sees everything (now and before), the hub's diff is its diff; otherwise diff the views.
        var view = ProxyScope.For(Proxy!, push.Snapshot.Sidecars).Apply(push.Snapshot);
        var unscoped = ReferenceEquals(view, push.Snapshot) && ReferenceEquals(Snapshot, _viewOf);
        var scoped = unscoped ? push : push with { Snapshot = view, Changed = SnapshotBuilder.Diff(Snapshot, view) };
        Snapshot = view;
        _viewOf = push.Snapshot;
        foreach (var typeUrl in Watches.Keys.ToList())
            if (scoped.Touches(typeUrl)) await HandlePushAsync(typeUrl, scoped);
    }

    /// <summary>A resource as this proxy is served it (its locality's copy of a load assignment).</summary>
    protected XdsResource Served(XdsResource resource) =>
        Context.Hub.Localities.Serve(Snapshot, resource, Proxy?.Locality, Proxy?.Labels);

    protected string NextNonce() => $"{Context.SiloName}-{Interlocked.Increment(ref _nonce)}";

    /// <summary>
    /// Bookkeeping after a response went out: state, what the proxy now holds (<see cref="ConnectionView.Sent"/>),
    /// metrics, recorded status, convergence timer.
    /// </summary>
    protected void Sent(string typeUrl, WatchState state, DateTimeOffset? changedAt,
        IEnumerable<XdsResource> resources, IEnumerable<string> removed, bool whole)
    {
        Watches[typeUrl] = state;
        _view.Sent(typeUrl, resources, removed, whole);
        _sentAt[typeUrl] = Context.Time.GetUtcNow();
        if (changedAt is { } at) _awaitingAck[typeUrl] = (state.NonceSent!, at);
        Context.Metrics.Pushes.WithLabels(XdsTypes.ShortName(typeUrl)).Inc();
        Record(typeUrl);
    }

    /// <summary>Bookkeeping after a request was decided: ACKs close the convergence timer, NACKs are recorded.</summary>
    protected void Decided(string typeUrl, ResponseDecision decision, string? nonce, string? errorMessage)
    {
        var before = Watches.GetValueOrDefault(typeUrl);
        Watches[typeUrl] = decision.State;
        // What the proxy unsubscribed from, it has forgotten. A plain ACK keeps the same name set (no scan).
        var state = decision.State;
        if (before is not null && (!ReferenceEquals(before.Names, state.Names) || before.Wildcard != state.Wildcard))
            _view.Retain(typeUrl, name => state.Names.Contains(name) || (state.Wildcard && XdsTypes.InWildcard(typeUrl, name)));
        switch (decision.Kind)
        {
            case RequestKind.Nack:
                Context.Metrics.Rejects.WithLabels(XdsTypes.ShortName(typeUrl)).Inc();
                _lastNack[typeUrl] = new NackInfo(typeUrl, decision.State.VersionSent, errorMessage ?? "", Context.Time.GetUtcNow());
                _awaitingAck.Remove(typeUrl);
                LogNack(Logger, Proxy!.ProxyId, XdsTypes.ShortName(typeUrl), decision.State.VersionSent, errorMessage);
                break;
            case RequestKind.Ack or RequestKind.SubscriptionChange:
                if (_awaitingAck.TryGetValue(typeUrl, out var pending) && pending.Nonce == nonce)
                {
                    Context.Metrics.Convergence.Observe((Context.Time.GetUtcNow() - pending.ChangedAt).TotalSeconds);
                    _awaitingAck.Remove(typeUrl);
                }
                _lastNack.Remove(typeUrl);
                break;
            case RequestKind.StaleNonce:
                LogStale(Logger, Proxy!.ProxyId, XdsTypes.ShortName(typeUrl), nonce);
                return;
        }
        if (!decision.Respond) Record(typeUrl);
    }

    /// <summary>The type's status, for config_dump at once and for the connection grain in the background.</summary>
    private void Record(string typeUrl)
    {
        var state = Watches[typeUrl];
        var status = new TypeSyncStatus(typeUrl, state.Wildcard, [.. state.Names.Order(StringComparer.Ordinal)],
            state.VersionSent, state.NonceSent, state.VersionAcked, _lastNack.GetValueOrDefault(typeUrl),
            _sentAt.TryGetValue(typeUrl, out var at) ? at : null);
        _view.Record(status);
        _recorder.Record(status);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Proxy {ProxyId} connected over {Protocol} to silo {Silo} (connection {ConnectionId})")]
    private static partial void LogConnected(ILogger logger, string proxyId, string connectionId, string protocol, string silo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Proxy {ProxyId} disconnected from silo {Silo} (connection {ConnectionId})")]
    private static partial void LogDisconnected(ILogger logger, string proxyId, string connectionId, string silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy {ProxyId} rejected {Type} version {Version}: {Error}")]
    private static partial void LogNack(ILogger logger, string proxyId, string type, string? version, string? error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Proxy {ProxyId} sent a stale nonce {Nonce} for {Type}; ignored")]
    private static partial void LogStale(ILogger logger, string proxyId, string type, string? nonce);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy {ProxyId} asked for unsupported type {TypeUrl}; ignored")]
    private static partial void LogUnknownType(ILogger logger, string proxyId, string typeUrl);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Proxy {ProxyId} reported health but is not auto-registered; ignored")]
    private static partial void LogHealthIgnored(ILogger logger, string proxyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording status of proxy {ProxyId} failed")]
    private static partial void LogRecordFailed(ILogger logger, string proxyId, Exception ex);
}
