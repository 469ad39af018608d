using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>
/// A scripted Delta ADS server on a loopback port: answers each subscription from a resource table
/// and lets a test push any response, including ones the real silo would never send. Every request
/// the proxy sends is recorded, so a test can wait for its ACK or NACK.
/// </summary>
public sealed class FakeControlPlane : AggregatedDiscoveryService.AggregatedDiscoveryServiceBase, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, IMessage>> _resources = new();
    private WebApplication? _app;
    private volatile Channel<DeltaDiscoveryResponse>? _stream;

    public int Port { get; private set; }
    public ConcurrentQueue<DeltaDiscoveryRequest> Received { get; } = new();

    public static async Task<FakeControlPlane> StartAsync()
    {
        var plane = new FakeControlPlane { Port = FreePorts.Take(1)[0] };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, plane.Port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(plane);
        plane._app = builder.Build();
        plane._app.MapGrpcService<FakeControlPlane>();
        await plane._app.StartAsync();
        return plane;
    }

    public void Set(string typeUrl, string name, IMessage resource) =>
        _resources.GetOrAdd(typeUrl, _ => new ConcurrentDictionary<string, IMessage>())[name] = resource;

    /// <summary>Sends a response on the open stream, as a push.</summary>
    public void Push(string typeUrl, string name, IMessage resource)
    {
        Set(typeUrl, name, resource);
        _stream?.Writer.TryWrite(Response(typeUrl, [name]));
    }

    public override async Task DeltaAggregatedResources(
        IAsyncStreamReader<DeltaDiscoveryRequest> requestStream,
        IServerStreamWriter<DeltaDiscoveryResponse> responseStream,
        ServerCallContext context)
    {
        var outbox = Channel.CreateUnbounded<DeltaDiscoveryResponse>();
        _stream = outbox;
        // One writer per stream: responses never interleave.
        var writer = Task.Run(async () =>
        {
            await foreach (var response in outbox.Reader.ReadAllAsync(context.CancellationToken)) await responseStream.WriteAsync(response);
        });
        try
        {
            await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
            {
                Received.Enqueue(request);
                if (request.ResourceNamesSubscribe.Count > 0) outbox.Writer.TryWrite(Response(request.TypeUrl, request.ResourceNamesSubscribe));
            }
        }
        finally
        {
            outbox.Writer.TryComplete();
            await writer.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private DeltaDiscoveryResponse Response(string typeUrl, IEnumerable<string> names)
    {
        var response = new DeltaDiscoveryResponse { TypeUrl = typeUrl, Nonce = Guid.NewGuid().ToString("N")[..8] };
        var table = _resources.GetValueOrDefault(typeUrl) ?? new ConcurrentDictionary<string, IMessage>();
        var wanted = names.Contains("*") ? table.Keys : names.Where(table.ContainsKey);
        foreach (var name in wanted)
            response.Resources.Add(new Resource { Name = name, Version = response.Nonce, Resource_ = Any.Pack(table[name]) });
        return response;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try { await _app.StopAsync(stop.Token); } catch (OperationCanceledException) { }
        await _app.DisposeAsync();
    }
}
