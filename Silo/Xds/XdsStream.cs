using System.Collections.Immutable;
using Mesh.Api.Retry;
using Google.Protobuf;
using Grpc.Core;
using Mesh.Grains.Abstractions;
using Mesh.Silo.Push;
using Microsoft.Extensions.Logging;

namespace Mesh.Silo.Xds;

/// <summary>
/// One xDS stream: requests and pushes are handled by one loop, so the stream's state (watches,
/// nonces) has a single writer and responses never interleave. The loop reads the next request only
/// after handling the last (HTTP/2 flow control then reaches a client that sends without reading),
/// and holds at most the newest push (<see cref="PushSlot"/>). Subclasses supply the
/// protocol flavour (state-of-the-world or Delta); this class owns the lifecycle and bookkeeping.
/// </summary>
public abstract partial class XdsStream<TRequest, TResponse>(XdsStreamContext context, string protocol, string? fixedType)
    where TRequest : class
{
    private const int MaxUnknownTypesLogged = 16;
    private const int MaxLoggedError = 512;
    private readonly HashSet<string> _unknownLogged = new(StringComparer.Ordinal);
    private string _logId = "";
    private CancellationToken _cancel;
    private readonly Dictionary<string, NackInfo> _lastNack = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Nonce, DateTimeOffset ChangedAt)> _awaitingAck = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _sentAt = new(StringComparer.Ordinal);
    private long _nonce;
    private ResourceSnapshot? _viewOf;
    private Vm.IWorkloadSession? _workload;
    private ConnectionView _view = null!;
    private ConnectionRecorder _recorder = null!;

    protected XdsStreamContext Context { get; } = context;
    protected ILogger Logger { get; } = context.Loggers.CreateLogger("Mesh.Silo.Xds.Stream");
    protected Dictionary<string, WatchState> Watches { get; } = new(StringComparer.Ordinal);

    /// <summary>The stream's view as it last answered from (tests check what per-proxy state shares with it).</summary>
    internal ResourceSnapshot CurrentView => Snapshot;

    /// <summary>The watch of a type, for tests; read from the test's thread while the stream is idle.</summary>
    internal WatchState? WatchOf(string typeUrl) => Watches.GetValueOrDefault(typeUrl);

    /// <summary>What the stream records as sent of a type, for config_dump (tests check it is shared, not copied).</summary>
    internal ImmutableSortedDictionary<string, XdsResource> SentOf(string typeUrl) => _view.HeldOf(typeUrl);
    protected ResourceSnapshot Snapshot { get; private set; } = ResourceSnapshot.Empty;

    /// <summary>
    /// While a push is handled: the view the stream had before it, and every name changed since
    /// (a superset of the difference). A proxy that held exactly the old view and is sent all of its
    /// changes holds exactly the new one, so its maps can be the new view's (<see cref="ConnectionView.Follows"/>).
    /// </summary>
    protected (ResourceSnapshot Previous, ImmutableDictionary<string, ImmutableHashSet<string>> Changed)? Following { get; private set; }
    protected ProxyIdentity? Proxy { get; private set; }
    protected IServerStreamWriter<TResponse> Responses { get; private set; } = null!;

    protected abstract Envoy.Config.Core.V3.Node? NodeOf(TRequest request);

    protected abstract string TypeOf(TRequest request);

    protected abstract int NameCount(TRequest request);

    protected abstract Google.Rpc.Status? ErrorOf(TRequest request);

    protected abstract Task HandleRequestAsync(string typeUrl, TRequest request);

    protected abstract Task HandlePushAsync(string typeUrl, PushEvent push);

    /// <summary>Sends everything the stream subscribed to of the type, changed or not (<see cref="PushMode.Full"/>).</summary>
    protected abstract Task HandleFullPushAsync(string typeUrl, PushEvent push);

    public async Task RunAsync(IAsyncStreamReader<TRequest> requests, IServerStreamWriter<TResponse> responses, CancellationToken callCancel,
        Vm.StreamCaller? caller = null)
    {
        // Refused before it costs anything, and quickly, so the client backs off to another silo.
        if (Context.ConnectionRate is { } rate && !rate.TryTake())
        {
            Context.Metrics.StreamsLimited.WithLabels("connection_rate").Inc();
            throw new RpcException(new Status(StatusCode.Unavailable, "this silo is accepting new streams at its limit; try another"));
        }
        using var drain = new CancellationTokenSource();
        ITimer? drainTimer = null;
        using var stopping = Context.Stopping.Register(() => drainTimer = ScheduleDrain(drain));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(callCancel, drain.Token);
        var cancel = linked.Token;
        _cancel = cancel;
        Responses = responses;
        try
        {
            TRequest first;
            using (var deadline = new CancellationTokenSource(Context.Limits.FirstRequestTimeout, Context.Time))
            using (var firstCancel = CancellationTokenSource.CreateLinkedTokenSource(cancel, deadline.Token))
            {
                try
                {
                    if (!await ReadAsync(requests, firstCancel.Token)) return;
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancel.IsCancellationRequested)
                {
                    Context.Metrics.StreamsLimited.WithLabels("first_request").Inc();
                    LogNoFirstRequest(Logger, (int)Context.Limits.FirstRequestTimeout.TotalMilliseconds);
                    throw new RpcException(new Status(StatusCode.DeadlineExceeded,
                        $"no first request within {(int)Context.Limits.FirstRequestTimeout.TotalMilliseconds} ms"));
                }
                first = requests.Current;
            }
            Proxy = NodeInfo.Read(NodeOf(first), Context.SiloName, protocol, Context.Time.GetUtcNow(), Context.Connections.Next());
            _logId = LogText.Safe(Proxy.ProxyId, 256);
            // Before anything is recorded: a refused VM leaves no trace but the log line.
            _workload = await Vm.VmSession.OpenAsync(Context.AutoRegistration, Proxy, caller, Logger, _logId, cancel);
            try
            {
                await ServeAsync(first, requests, callCancel, drain.Token, cancel);
            }
            finally
            {
                await _workload.DisposeAsync();
            }
        }
        catch (OperationCanceledException) when (drain.IsCancellationRequested && !callCancel.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the silo is shutting down; reconnect to another"));
        }
        catch (Exception ex) when (Proxy is null && IsAbrupt(ex, callCancel))
        {
            LogAbrupt(Logger, "(before its first request)", ex.GetType().Name, LogText.Safe(ex.Message, 200));
        }
        finally
        {
            drainTimer?.Dispose();
        }
    }

    /// <summary>The point in the drain period at which this stream ends: spread, so proxies reconnect elsewhere a few at a time.</summary>
    private ITimer ScheduleDrain(CancellationTokenSource drain)
    {
        var at = Context.Limits.DrainPeriod * Random.Shared.NextDouble();
        return Context.Time.CreateTimer(_ =>
        {
            try { drain.Cancel(); }
            catch (ObjectDisposedException) { }
        }, null, at, Timeout.InfiniteTimeSpan);
    }

    private static bool IsAbrupt(Exception ex, CancellationToken callCancel) =>
        callCancel.IsCancellationRequested || ex is IOException || ex.InnerException is IOException;

    /// <summary>One request read: a message that is not protobuf is the client's fault (INVALID_ARGUMENT), not the silo's (UNKNOWN).</summary>
    private static async Task<bool> ReadAsync(IAsyncStreamReader<TRequest> requests, CancellationToken cancel)
    {
        try
        {
            return await requests.MoveNext(cancel);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException || ex.InnerException is InvalidProtocolBufferException)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the request is not a valid protobuf message"));
        }
    }

    private async Task<bool> ReadNextAsync(IAsyncStreamReader<TRequest> requests, RateBucket rate, CancellationToken cancel)
    {
        // A client sending faster than the rate is read more slowly: the request stays unread, and
        // HTTP/2 flow control stops the client once the stream's window is full.
        var wait = rate.Reserve();
        if (wait > TimeSpan.Zero) await Task.Delay(wait, Context.Time, cancel);
        return await ReadAsync(requests, cancel);
    }

    private async Task ServeAsync(TRequest first, IAsyncStreamReader<TRequest> requests, CancellationToken callCancel,
        CancellationToken drain, CancellationToken cancel)
    {
        var proxy = Proxy!;
        // The config comes from this silo's hub; the connection's grain only makes it visible. It is
        // written in the background, so a grain on a silo that just died cannot hold this stream up.
        _view = new ConnectionView(proxy);
        var observer = Context.Grains.CreateObjectReference<IProxyConnectionObserver>(_view);
        _recorder = new ConnectionRecorder(Context.Grains.GetGrain<IProxyConnectionGrain>(proxy.ConnectionId), proxy, observer,
            Context.Time, Logger, Context.Stopping, Context.StatusInterval);
        Context.Renewals?.Add(proxy.Connection);
        Context.Metrics.ConnectedProxies.WithLabels(protocol).Inc();
        LogConnected(Logger, _logId, LogText.Safe(proxy.ConnectionId, 300), protocol, Context.SiloName);
        IDisposable? registration = null;
        var reason = "the client closed the stream";
        try
        {
            // One request in hand at a time and one pending push (the newest): the two things a
            // client can make this stream hold, and both bounded.
            var pushes = new PushSlot();
            (var snapshot, registration) = await Context.Hub.RegisterAsync(pushes.Offer);
            Snapshot = Context.Hub.Views.ViewOf(ProxyScope.For(proxy, snapshot.Sidecars), snapshot);
            _viewOf = snapshot;
            var rate = new RateBucket(Context.Limits.RequestRate, Context.Limits.RequestBurst, Context.Time);
            rate.Reserve();
            // Flushes during registration are already in the snapshot it returned; taken now, while
            // nothing is watched, they only bring the view up to date instead of re-sending it later.
            if (pushes.TryTake(out var early)) await OnPushAsync(early);
            await OnRequestAsync(first);
            Task<bool>? next = null;
            Task? pushed = null;
            while (true)
            {
                next ??= ReadNextAsync(requests, rate, cancel);
                pushed ??= pushes.WaitAsync(cancel);
                if (await Task.WhenAny(next, pushed) == pushed)
                {
                    await pushed;
                    pushed = null;
                    if (pushes.TryTake(out var push)) await OnPushAsync(push);
                    continue;
                }
                if (!await next) break;
                next = null;
                await OnRequestAsync(requests.Current);
            }
        }
        catch (RpcException ex)
        {
            reason = $"{ex.StatusCode}: {ex.Status.Detail}";
            throw;
        }
        catch (OperationCanceledException) when (drain.IsCancellationRequested && !callCancel.IsCancellationRequested)
        {
            reason = "the silo is shutting down";
            throw;
        }
        catch (Exception ex) when (IsAbrupt(ex, callCancel))
        {
            // Routine for proxies (restarts, network loss): one line, and the detail only at debug.
            reason = "the connection was lost";
            LogAbrupt(Logger, _logId, ex.GetType().Name, LogText.Safe(ex.Message, 200));
        }
        finally
        {
            registration?.Dispose();
            // Before the disconnect is recorded: a renewal taken from here on no longer names it.
            Context.Renewals?.Remove(proxy.ConnectionId);
            Context.Metrics.ConnectedProxies.WithLabels(protocol).Dec();
            LogDisconnected(Logger, _logId, LogText.Safe(proxy.ConnectionId, 300), Context.SiloName, reason);
            _recorder.Ended();
            Context.Grains.DeleteObjectReference<IProxyConnectionObserver>(observer);
        }
    }

    private async Task OnRequestAsync(TRequest request)
    {
        var typeUrl = fixedType ?? TypeOf(request);
        if (string.IsNullOrEmpty(typeUrl))
            throw new RpcException(new Status(StatusCode.InvalidArgument, "type_url is required on an aggregated stream"));
        if (NameCount(request) > Context.Limits.MaxNamesPerType)
        {
            Context.Metrics.StreamsLimited.WithLabels("names").Inc();
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"more than {Context.Limits.MaxNamesPerType} resource names in one request"));
        }
        var error = ErrorOf(request);
        if (ResponsePolicy.Health(typeUrl, error is not null, error?.Message) is { } health)
        {
            await _workload!.ReportHealthAsync(health.Healthy, health.Message);
            return;
        }
        if (!XdsTypes.Served.Contains(typeUrl))
        {
            // Once per stream and type, and only for a few types: a client cannot turn requests into log lines.
            if (_unknownLogged.Count < MaxUnknownTypesLogged && _unknownLogged.Add(typeUrl))
                LogUnknownType(Logger, _logId, LogText.Safe(typeUrl, 256));
            return;
        }
        await HandleRequestAsync(typeUrl, request);
    }

    private async Task OnPushAsync(PushEvent push)
    {
        // The proxy's own view: the hub's snapshot less what exportTo and its Sidecar hide. When
        // it sees everything (now and before), the hub's diff is its diff; otherwise diff the views.
        // Views and their diffs are shared by every stream of the same scope (Istio's SidecarScope).
        var view = Context.Hub.Views.ViewOf(ProxyScope.For(Proxy!, push.Snapshot.Sidecars), push.Snapshot);
        var unscoped = ReferenceEquals(view, push.Snapshot) && ReferenceEquals(Snapshot, _viewOf);
        var scoped = unscoped ? push : push with { Snapshot = view, Changed = Context.Hub.Views.DiffOf(Snapshot, view) };
        Following = (Snapshot, scoped.Changed);
        Snapshot = view;
        _viewOf = push.Snapshot;
        try
        {
            foreach (var typeUrl in Watches.Keys.ToList())
            {
                if (Context.PushMode == PushMode.Full) await HandleFullPushAsync(typeUrl, scoped);
                else if (scoped.Touches(typeUrl)) await HandlePushAsync(typeUrl, scoped);
            }
        }
        finally
        {
            Following = null;
        }
    }

    /// <summary>
    /// Writes one response: it waits for a slot of the silo's push throttle, answers to requests as
    /// well as pushes, so a connect storm holds at most that many responses in write buffers (each
    /// can be a whole CDS); a write that does not complete within the write timeout ends the stream
    /// (the proxy is not reading).
    /// </summary>
    protected async Task WriteAsync(string typeUrl, TResponse response)
    {
        using var slot = await Context.PushThrottle.EnterAsync(_cancel);
        try
        {
            await Responses.WriteAsync(response).WaitAsync(Context.Limits.WriteTimeout, Context.Time, _cancel);
        }
        catch (TimeoutException)
        {
            Context.Metrics.StreamsLimited.WithLabels("write_timeout").Inc();
            Context.Metrics.PushErrors.WithLabels(XdsTypes.ShortName(typeUrl)).Inc();
            throw new RpcException(new Status(StatusCode.DeadlineExceeded,
                $"a response was not written within {(int)Context.Limits.WriteTimeout.TotalMilliseconds} ms: the client is not reading"));
        }
        catch
        {
            Context.Metrics.PushErrors.WithLabels(XdsTypes.ShortName(typeUrl)).Inc();
            throw;
        }
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
        IReadOnlyCollection<XdsResource> resources, IReadOnlyCollection<string> removed, bool whole)
    {
        Watches[typeUrl] = state;
        _view.Sent(typeUrl, resources, removed, whole, Snapshot.OfType(typeUrl), FollowingOf(typeUrl));
        _sentAt[typeUrl] = Context.Time.GetUtcNow();
        if (changedAt is { } at) _awaitingAck[typeUrl] = (state.NonceSent!, at);
        Context.Metrics.Pushes.WithLabels(XdsTypes.ShortName(typeUrl)).Inc();
        Record(typeUrl);
    }

    /// <summary>The previous view of the type and the names changed since, while a push is handled.</summary>
    protected (ImmutableSortedDictionary<string, XdsResource> Previous, IReadOnlySet<string> Changed)? FollowingOf(string typeUrl) =>
        Following is { } f ? (f.Previous.OfType(typeUrl), f.Changed.GetValueOrDefault(typeUrl) ?? ImmutableHashSet<string>.Empty) : null;

    /// <summary>Bookkeeping after a request was decided: ACKs close the convergence timer, NACKs are recorded.</summary>
    protected void Decided(string typeUrl, ResponseDecision decision, string? nonce, string? errorMessage)
    {
        if (decision.State.Names.Count > Context.Limits.MaxNamesPerType)
        {
            Context.Metrics.StreamsLimited.WithLabels("names").Inc();
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"more than {Context.Limits.MaxNamesPerType} resource names subscribed for {XdsTypes.ShortName(typeUrl)}"));
        }
        var before = Watches.GetValueOrDefault(typeUrl);
        // A new name set: take an equal one another stream of this silo holds (one per scope, not per proxy).
        if (!ReferenceEquals(before?.Names, decision.State.Names))
            decision = decision with { State = decision.State with { Names = Context.Subscriptions.Share(decision.State.Names) } };
        Watches[typeUrl] = decision.State;
        // What the proxy unsubscribed from, it has forgotten. A plain ACK keeps the same name set (no scan).
        var state = decision.State;
        if (before is not null && (!ReferenceEquals(before.Names, state.Names) || before.Wildcard != state.Wildcard))
            _view.Retain(typeUrl, name => state.Names.Contains(name) || (state.Wildcard && XdsTypes.InWildcard(typeUrl, name)));
        switch (decision.Kind)
        {
            case RequestKind.Nack:
                Context.Metrics.Rejects.WithLabels(XdsTypes.ShortName(typeUrl)).Inc();
                _lastNack[typeUrl] = new NackInfo(typeUrl, decision.State.VersionSent, LogText.Safe(errorMessage, MaxLoggedError), Context.Time.GetUtcNow());
                _awaitingAck.Remove(typeUrl);
                LogNack(Logger, _logId, XdsTypes.ShortName(typeUrl), decision.State.VersionSent, LogText.Safe(errorMessage, MaxLoggedError),
                    errorMessage?.Length ?? 0);
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
                LogStale(Logger, _logId, XdsTypes.ShortName(typeUrl), nonce);
                return;
        }
        if (!decision.Respond) Record(typeUrl);
    }

    /// <summary>The type's status, for config_dump at once and for the connection grain in the background.</summary>
    private void Record(string typeUrl)
    {
        var state = Watches[typeUrl];
        // Sorted once per name set, not per request, and shared by the streams that hold the set.
        var status = new TypeSyncStatus(typeUrl, state.Wildcard, Context.Subscriptions.Sorted(state.Names),
            state.VersionSent, state.NonceSent, state.VersionAcked, _lastNack.GetValueOrDefault(typeUrl),
            _sentAt.TryGetValue(typeUrl, out var at) ? at : null);
        _view.Record(status);
        _recorder.Record(status);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Proxy {ProxyId} connected over {Protocol} to silo {Silo} (connection {ConnectionId})")]
    private static partial void LogConnected(ILogger logger, string proxyId, string connectionId, string protocol, string silo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Proxy {ProxyId} disconnected from silo {Silo} (connection {ConnectionId}): {Reason}")]
    private static partial void LogDisconnected(ILogger logger, string proxyId, string connectionId, string silo, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Proxy {ProxyId}: stream aborted ({ExceptionType}: {Error})")]
    private static partial void LogAbrupt(ILogger logger, string proxyId, string exceptionType, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "A stream sent no first request within {TimeoutMs} ms; closed")]
    private static partial void LogNoFirstRequest(ILogger logger, int timeoutMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy {ProxyId} rejected {Type} version {Version}: {Error} ({ErrorLength} chars)")]
    private static partial void LogNack(ILogger logger, string proxyId, string type, string? version, string error, int errorLength);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Proxy {ProxyId} sent a stale nonce {Nonce} for {Type}; ignored")]
    private static partial void LogStale(ILogger logger, string proxyId, string type, string? nonce);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy {ProxyId} asked for unsupported type {TypeUrl}; ignored")]
    private static partial void LogUnknownType(ILogger logger, string proxyId, string typeUrl);
}
