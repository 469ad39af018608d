using System.Diagnostics;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Api.Xds;
using Mesh.Silo.Hosting;
using Mesh.Silo.Xds;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Xds;

/// <summary>Clients that misbehave on purpose, against a real silo over real sockets: each must cost bounded memory and leave others served.</summary>
/// <remarks>Alone in its collection: it measures the process's managed memory, which tests running beside it would move.</remarks>
[Collection(nameof(HostileClientTests))]
public sealed class HostileClientTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static async Task<SiloFixture> StartAsync(Func<SiloOptions, SiloOptions> configure)
    {
        var dir = Directory.CreateTempSubdirectory("mesh-hostile-").FullName;
        File.WriteAllText(Path.Combine(dir, "alpha.yaml"), SampleConfig.ServiceEntry("alpha.mesh.local", 9000, ("127.0.0.1", 9001, "v1")));
        return await SiloFixture.StartAsync(dir, configure: configure);
    }

    private static SiloOptions Limits(SiloOptions o, Func<StreamLimits, StreamLimits> change) =>
        o with { StreamLimits = change(o.StreamLimits) };

    private static AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse> Sotw(GrpcChannel channel) =>
        new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel).StreamAggregatedResources();

    private static async Task<RpcException> EndOfAsync<T>(IAsyncStreamReader<T> responses)
    {
        using var cts = new CancellationTokenSource(Deadline);
        try
        {
            while (await responses.MoveNext(cts.Token)) { }
        }
        catch (RpcException ex) { return ex; }
        throw new Xunit.Sdk.XunitException("the stream ended with OK; expected an error status");
    }

    [Fact]
    public async Task Stream_SendsBigRequestsWithoutReading_SiloStopsReadingMemoryBoundedOthersServed()
    {
        await using var silo = await StartAsync(o => Limits(o, l => l with { RequestRate = 2, RequestBurst = 2 }));
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{silo.Options.XdsPort}");
        using var hostile = Sotw(channel);
        var big = new DiscoveryRequest { TypeUrl = ResourceTypes.ClusterLoadAssignment, Node = new Node { Id = "hostile" } };
        for (var i = 0; i < 100; i++) big.ResourceNames.Add($"n{i}-" + new string('x', 10_000));
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        const int attempts = 200;
        var sent = 0;
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < attempts && !stop.IsCancellationRequested; i++)
            {
                await hostile.RequestStream.WriteAsync(big, stop.Token);
                Interlocked.Increment(ref sent);
            }
        });

        // Wait until the writer is stuck: no request got through for two seconds (flow control), or it sent them all.
        var clock = Stopwatch.StartNew();
        var (last, lastAt) = (-1, TimeSpan.Zero);
        while (!writer.IsCompleted && clock.Elapsed < Deadline)
        {
            var now = Volatile.Read(ref sent);
            if (now != last) (last, lastAt) = (now, clock.Elapsed);
            else if (clock.Elapsed - lastAt > TimeSpan.FromSeconds(2)) break;
            await Task.Delay(50);
        }
        var grown = GC.GetTotalMemory(forceFullCollection: true) - before;

        Assert.True(Volatile.Read(ref sent) < attempts / 2, $"{sent} requests of 1 MB were accepted from a client that reads nothing; expected the silo to stop reading");
        Assert.True(grown < 64L * 1024 * 1024, $"managed memory grew by {grown / (1024 * 1024)} MB");

        await using var proxy = new AdsClient(silo.Options.XdsPort, "well-behaved");
        await proxy.SendAsync(ResourceTypes.Cluster, []);
        var first = await proxy.NextAsync("the initial CDS");
        await proxy.AckAsync(first, []);
        silo.WriteConfig("beta.yaml", SampleConfig.ServiceEntry("beta.mesh.local", 9100, ("127.0.0.1", 9101, "v1")));
        var changed = await proxy.NextMatchingAsync(ResourceTypes.Cluster,
            r => r.Resources.Any(a => a.Unpack<Cluster>().Name.Contains("beta.mesh.local", StringComparison.Ordinal)), "the new service's cluster");
        Assert.NotNull(changed);
        await stop.CancelAsync();
    }

    [Fact]
    public async Task Delta_SubscribesMoreNamesEveryRequest_RefusedPastTheLimitWithResourceExhausted()
    {
        await using var silo = await StartAsync(o => Limits(o, l => l with { MaxNamesPerType = 1_000 }));
        await using var client = new DeltaStreamClient(silo.Options.XdsPort);
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var sent = 0;
        for (var round = 0; round < 10 && sent <= 1_000; round++)
        {
            var request = new DeltaDiscoveryRequest { TypeUrl = ResourceTypes.ClusterLoadAssignment };
            if (round == 0) request.Node = new Node { Id = "greedy" };
            for (var i = 0; i < 300; i++) request.ResourceNamesSubscribe.Add($"r{round}-{i}");
            await client.SendAsync(request);
            sent += 300;
            if (sent <= 1_000) await client.NextAsync(_ => true, $"the answer to subscription round {round}");
        }
        // The request that crossed the limit (1,200 names) ends the stream.
        await client.Ended.WaitAsync(Deadline);

        Assert.Equal(StatusCode.ResourceExhausted, client.EndedWith);
        Assert.True(GC.GetTotalMemory(forceFullCollection: true) - before < 64L * 1024 * 1024);
    }

    [Fact]
    public async Task Stream_SendsNothing_ClosedWithDeadlineExceeded()
    {
        await using var silo = await StartAsync(o => Limits(o, l => l with { FirstRequestTimeout = TimeSpan.FromMilliseconds(300) }));
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{silo.Options.XdsPort}");
        using var silent = Sotw(channel);

        var ended = await EndOfAsync(silent.ResponseStream);

        Assert.Equal(StatusCode.DeadlineExceeded, ended.StatusCode);
        Assert.Contains("mesh_xds_streams_limited{limit=\"first_request\"} 1", await silo.Http.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_FloodOfRequestsWithoutNonce_NotAnsweredEach()
    {
        await using var silo = await StartAsync(o => o);
        await using var client = new AdsClient(silo.Options.XdsPort, "flooder");
        await client.SendAsync(ResourceTypes.Cluster, []);
        var first = await client.NextAsync("the initial CDS");

        for (var i = 0; i < 150; i++) await client.SendAsync(ResourceTypes.Cluster, [], withNode: false);
        // Requests are handled in order: once this one is answered, every request before it was handled.
        await client.SendAsync(ResourceTypes.ClusterLoadAssignment, ["outbound|9000||alpha.mesh.local"], withNode: false);
        var cds = new List<string> { first.VersionInfo + "/" + first.Nonce + "/" + first.Resources.Count };
        while ((await client.NextAsync("the EDS answer after the flood")) is { } r && r.TypeUrl != ResourceTypes.ClusterLoadAssignment)
            cds.Add(r.VersionInfo + "/" + r.Nonce + "/" + r.Resources.Count);

        // The hub's pushes may add one or two (its first flush after this silo starts following the mesh
        // re-sends CDS); answering the flood would add 150.
        Assert.True(cds.Count <= 3, $"{cds.Count} CDS responses (version/nonce/resources): {string.Join(" ", cds)}");
    }

    [Fact]
    public async Task Stream_MalformedProtobuf_InvalidArgument()
    {
        await using var silo = await StartAsync(o => o);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{silo.Options.XdsPort}");
        var raw = new Marshaller<byte[]>(b => b, b => b);
        var method = new Method<byte[], byte[]>(MethodType.DuplexStreaming, "envoy.service.discovery.v3.AggregatedDiscoveryService",
            "StreamAggregatedResources", raw, raw);
        using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(method, null, new CallOptions());

        // A field tag with wire type 7, which protobuf does not have.
        await call.RequestStream.WriteAsync([0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]);
        var ended = await EndOfAsync(call.ResponseStream);

        Assert.Equal(StatusCode.InvalidArgument, ended.StatusCode);
    }

    [Fact]
    public async Task Stream_OverTheConnectionRate_RefusedWithUnavailable()
    {
        await using var silo = await StartAsync(o => o with { ConnectionRate = 0.01, ConnectionBurst = 2 });
        await using var first = new AdsClient(silo.Options.XdsPort, "first");
        await using var second = new AdsClient(silo.Options.XdsPort, "second");
        await first.SendAsync(ResourceTypes.Cluster, []);
        await second.SendAsync(ResourceTypes.Cluster, []);
        await first.NextAsync("the first stream's CDS");
        await second.NextAsync("the second stream's CDS");

        await using var third = new AdsClient(silo.Options.XdsPort, "third");
        // Refused before its request is read: the send itself may already see the status.
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await third.SendAsync(ResourceTypes.Cluster, []);
            await third.NextAsync("a refusal");
        });

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("mesh_xds_streams_limited{limit=\"connection_rate\"} 1", await silo.Http.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_ManyStreams_EndSpreadOverTheDrainPeriod()
    {
        var period = TimeSpan.FromSeconds(3);
        var silo = await StartAsync(o => Limits(o, l => l with { DrainPeriod = period }));
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{silo.Options.XdsPort}");
        var clock = Stopwatch.StartNew();
        var ends = new List<Task<TimeSpan>>();
        var calls = new List<AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse>>();
        for (var i = 0; i < 12; i++)
        {
            var call = Sotw(channel);
            calls.Add(call);
            await call.RequestStream.WriteAsync(new DiscoveryRequest { TypeUrl = ResourceTypes.Cluster, Node = new Node { Id = $"drained-{i}" } });
            Assert.True(await call.ResponseStream.MoveNext(), "the initial CDS");
            ends.Add(Task.Run(async () =>
            {
                try { while (await call.ResponseStream.MoveNext()) { } } catch (RpcException) { }
                return clock.Elapsed;
            }));
        }

        var stopped = clock.Elapsed;
        await silo.DisposeAsync();
        var times = await Task.WhenAll(ends).WaitAsync(Deadline);
        foreach (var call in calls) call.Dispose();

        var spread = times.Max() - times.Min();
        Assert.True(spread > period * 0.3, $"streams ended within {spread.TotalMilliseconds:0} ms of each other; expected them spread over {period.TotalMilliseconds} ms");
        Assert.True(times.Max() - stopped < period + TimeSpan.FromSeconds(10), "the last stream ended long after the drain period");
    }
}

[CollectionDefinition(nameof(HostileClientTests), DisableParallelization = true)]
public sealed class HostileClientCollection;
