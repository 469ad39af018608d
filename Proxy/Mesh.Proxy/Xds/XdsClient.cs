using Envoy.Service.Discovery.V3;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Health;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mesh.Api.Xds;
using Mesh.Api.Retry;

namespace Mesh.Proxy.Xds;

/// <param name="Addresses">Control plane addresses (host:port); any silo serves any proxy, tried in turn.</param>
/// <param name="UseDelta">Delta ADS (default) or state-of-the-world.</param>
public sealed record XdsClientOptions(IReadOnlyList<string> Addresses, bool UseDelta, Backoff Backoff)
{
    /// <summary>Quick enough to return soon after a silo restart; capped so a fleet does not press on a struggling control plane.</summary>
    public static Backoff DefaultBackoff { get; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(15));

    /// <summary>A VM's bootstrap token, sent as "authorization: Bearer" on every stream; null for sidecars.</summary>
    public string? BootstrapToken { get; init; }
}

/// <summary>
/// The ADS stream to the control plane: opens it, feeds responses through the protocol to the
/// session, ACKs/NACKs, publishes every accepted snapshot to the config provider, and on any
/// failure reconnects to the next address after a jittered backoff. The session outlives streams:
/// while no control plane answers, the proxy keeps routing by the last good config.
/// </summary>
public sealed partial class XdsClient(
    XdsClientOptions options,
    ProxyIdentity identity,
    XdsProxyConfigProvider provider,
    TimeProvider time,
    ILogger<XdsClient> logger,
    WorkloadHealthState? health = null) : BackgroundService
{
    private readonly XdsSession _session = new();
    private readonly Random _jitter = new();
    private volatile bool _connected;
    private volatile string? _lastRejection;

    public bool Connected => _connected;

    /// <summary>True once clusters and listeners have both been accepted: the proxy can route.</summary>
    public bool Initialized => _session.HasAccepted(ResourceTypes.Cluster) && _session.HasAccepted(ResourceTypes.Listener);

    /// <summary>The last NACK sent, for the admin endpoint; null if none.</summary>
    public string? LastRejection => _lastRejection;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var attempt = 0;
        for (var index = 0; !stoppingToken.IsCancellationRequested; index++)
        {
            var address = options.Addresses[index % options.Addresses.Count];
            try
            {
                using var channel = GrpcChannel.ForAddress(Uri(address), new GrpcChannelOptions { HttpHandler = Handler() });
                var client = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel);
                var received = options.UseDelta
                    ? await RunDeltaAsync(client, address, stoppingToken)
                    : await RunSotwAsync(client, address, stoppingToken);
                // A stream that delivered anything was healthy: start the backoff over.
                if (received) attempt = 0;
                LogStreamEnded(address);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RpcException or HttpRequestException or IOException)
            {
                LogStreamFailed(address, e.Message);
            }
            catch (Exception e)
            {
                // A bug here must not take the data plane down with it: the last good config keeps serving.
                LogStreamCrashed(address, e);
            }
            finally
            {
                _connected = false;
            }

            var delay = options.Backoff.Delay(attempt++, _jitter.NextDouble());
            LogReconnecting(delay.TotalMilliseconds);
            try { await Task.Delay(delay, time, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    private Task<bool> RunDeltaAsync(AggregatedDiscoveryService.AggregatedDiscoveryServiceClient client, string address, CancellationToken ct)
    {
        var protocol = new DeltaProtocol(_session, identity.ToNode());
        return PumpAsync(client.DeltaAggregatedResources(Headers(), cancellationToken: ct), protocol.Start(), protocol.OnResponse,
            r => (r.TypeUrl, r.Nonce), h => new DeltaDiscoveryRequest { TypeUrl = ResourceTypes.HealthInformation, ErrorDetail = HealthError(h) }, address, ct);
    }

    private Task<bool> RunSotwAsync(AggregatedDiscoveryService.AggregatedDiscoveryServiceClient client, string address, CancellationToken ct)
    {
        var protocol = new SotwProtocol(_session, identity.ToNode());
        return PumpAsync(client.StreamAggregatedResources(Headers(), cancellationToken: ct), protocol.Start(), protocol.OnResponse,
            r => (r.TypeUrl, r.Nonce), h => new DiscoveryRequest { TypeUrl = ResourceTypes.HealthInformation, ErrorDetail = HealthError(h) }, address, ct);
    }

    /// <summary>One stream, whichever protocol flavour: send the opening requests, then answer each response.</summary>
    private async Task<bool> PumpAsync<TRequest, TResponse>(
        AsyncDuplexStreamingCall<TRequest, TResponse> call,
        IReadOnlyList<TRequest> start,
        Func<TResponse, (IReadOnlyList<TRequest> Requests, ApplyOutcome Outcome)> onResponse,
        Func<TResponse, (string TypeUrl, string Nonce)> idOf,
        Func<WorkloadHealth, TRequest> healthRequest,
        string address,
        CancellationToken ct)
    {
        using var _ = call;
        // Health reports arrive from the prober at any time; a gRPC stream takes one write at a time.
        using var writes = new SemaphoreSlim(1, 1);
        async Task WriteAsync(TRequest request)
        {
            await writes.WaitAsync(ct);
            try { await call.RequestStream.WriteAsync(request, ct); }
            finally { writes.Release(); }
        }
        async void SendHealth(WorkloadHealth h)
        {
            try { await WriteAsync(healthRequest(h)); LogHealthSent(h.Healthy); }
            catch (Exception e) { LogHealthNotSent(e.Message); }
        }

        foreach (var request in start) await WriteAsync(request);
        Action<WorkloadHealth> onHealth = SendHealth;
        if (health is not null)
        {
            health.Changed += onHealth;
            // A new stream (perhaps to another silo) learns the current health at once.
            if (health.Current is { } current) await WriteAsync(healthRequest(current));
        }
        try
        {
            var received = false;
            await foreach (var response in call.ResponseStream.ReadAllAsync(ct))
            {
                MarkConnected(address, ref received);
                var (requests, outcome) = onResponse(response);
                var (typeUrl, nonce) = idOf(response);
                Publish(typeUrl, nonce, outcome);
                foreach (var request in requests) await WriteAsync(request);
            }
            return received;
        }
        finally
        {
            if (health is not null) health.Changed -= onHealth;
        }
    }

    private Metadata? Headers() =>
        options.BootstrapToken is { } token ? new Metadata { { "authorization", $"Bearer {token}" } } : null;

    // Istio's agent: an empty error_detail is healthy; a set one carries the probe's failure.
    private static Google.Rpc.Status? HealthError(WorkloadHealth h) =>
        h.Healthy ? null : new Google.Rpc.Status { Code = 500, Message = h.Message ?? "unhealthy" };

    private void MarkConnected(string address, ref bool received)
    {
        if (received) return;
        received = true;
        _connected = true;
        LogConnected(address);
    }

    private void Publish(string typeUrl, string nonce, ApplyOutcome outcome)
    {
        if (outcome.Accepted)
        {
            provider.Update(outcome.Snapshot);
            LogAccepted(ResourceTypes.ShortName(typeUrl), nonce);
        }
        else
        {
            _lastRejection = outcome.Error;
            LogRejected(ResourceTypes.ShortName(typeUrl), nonce, outcome.Error ?? "");
        }
    }

    private static Uri Uri(string address) =>
        address.Contains("://", StringComparison.Ordinal) ? new Uri(address) : new Uri($"http://{address}");

    // HTTP/2 pings find a dead control plane within seconds even when no config changes flow.
    private static SocketsHttpHandler Handler() => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(5),
        KeepAlivePingDelay = TimeSpan.FromSeconds(10),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
    };
}
