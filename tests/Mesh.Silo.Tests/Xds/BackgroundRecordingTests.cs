using System.Diagnostics;
using System.Text.Json.Nodes;
using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Mesh.Api.Xds;
using Mesh.Silo.Push;
using Mesh.Silo.Xds;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Silo.Tests.Xds;

/// <summary>
/// A stream's config never waits on its connection grain: with every call to that grain blocking
/// for 20 s (a grain on a silo that just died) or failing, the proxy still gets its first response
/// at once and the stream ends at once. The stream runs in process on the real silo's hub, with
/// only the connection grain made slow.
/// </summary>
public sealed class BackgroundRecordingTests : IAsyncLifetime
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(2);
    private readonly CancellationTokenSource _end = new();
    private SiloFixture _silo = null!;

    public async Task InitializeAsync()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-recording-").FullName;
        File.WriteAllText(Path.Combine(dir, "rec.yaml"), SampleConfig.ServiceEntry("rec.mesh.local", 9700, ("127.0.0.1", 9701, "v1")));
        _silo = await SiloFixture.StartAsync(dir);
        // The hub follows the mesh on its first stream; that is not what is measured here.
        await _silo.Services.GetRequiredService<PushHub>().CurrentAsync();
    }

    public async Task DisposeAsync()
    {
        await _end.CancelAsync();
        await _silo.DisposeAsync();
        _end.Dispose();
    }

    private XdsStreamContext ContextWith(Func<Task> gate)
    {
        var context = _silo.Services.GetRequiredService<XdsStreamContext>();
        return context with { Grains = new InterceptingGrainFactory(context.Grains, real => new GatedConnectionGrain(real, gate)) };
    }

    private static DiscoveryRequest Cds(string nodeId, string version = "", string nonce = "") =>
        new() { Node = new Node { Id = nodeId }, TypeUrl = ResourceTypes.Cluster, VersionInfo = version, ResponseNonce = nonce };

    [Fact]
    public async Task RunAsync_ConnectionGrainBlocks_FirstResponsePromptAndTeardownPrompt()
    {
        var entered = 0;
        var context = ContextWith(async () =>
        {
            Interlocked.Increment(ref entered);
            await Task.Delay(TimeSpan.FromSeconds(20), _end.Token);
        });
        var call = new InMemoryCall<DiscoveryRequest, DiscoveryResponse>();

        var clock = Stopwatch.StartNew();
        var run = new SotwStream(context, fixedType: null).RunAsync(call.Reader, call.Writer, CancellationToken.None);
        await call.Requests.WriteAsync(Cds("blocked-grain-proxy"));
        var first = await call.NextAsync(TimeSpan.FromSeconds(20));
        var firstAfter = clock.Elapsed;

        Assert.Contains(first.Resources, r => r.Unpack<Envoy.Config.Cluster.V3.Cluster>().Name == "outbound|9700||rec.mesh.local");
        Assert.True(firstAfter < Prompt, $"first response after {firstAfter.TotalMilliseconds:F0} ms while the grain blocks");
        // The stream calls its grain in the background, so the call may start just after the response;
        // had the stream waited for it, the response would have come 20 s late.
        await UntilAsync(() => Volatile.Read(ref entered) >= 1, "the connection grain called (and blocking)");

        clock.Restart();
        call.Requests.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(clock.Elapsed < Prompt, $"the stream took {clock.Elapsed.TotalMilliseconds:F0} ms to end while the grain blocks");
    }

    [Fact]
    public async Task RunAsync_ConnectionGrainFailsThenRecovers_ServedMeanwhileAndRecordedAfter()
    {
        var failing = true;
        var failures = 0;
        var context = ContextWith(() =>
        {
            if (!Volatile.Read(ref failing)) return Task.CompletedTask;
            Interlocked.Increment(ref failures);
            throw new TimeoutException("test: the grain's silo is gone");
        });
        var call = new InMemoryCall<DiscoveryRequest, DiscoveryResponse>();
        const string node = "failing-grain-proxy";
        var run = new SotwStream(context, fixedType: null).RunAsync(call.Reader, call.Writer, CancellationToken.None);

        var clock = Stopwatch.StartNew();
        await call.Requests.WriteAsync(Cds(node));
        var first = await call.NextAsync(TimeSpan.FromSeconds(20));
        Assert.True(clock.Elapsed < Prompt, $"first response after {clock.Elapsed.TotalMilliseconds:F0} ms while the grain fails");
        await UntilAsync(() => Volatile.Read(ref failures) >= 1, "the connection grain called (and failing)");

        Volatile.Write(ref failing, false);
        await call.Requests.WriteAsync(Cds(node, first.VersionInfo, first.Nonce));
        var row = await SynczRowAsync(node, r => r["types"]?.AsArray().Any(t => t?["type"]?.ToString() == "CDS" && t["status"]?.ToString() == "SYNCED") == true,
            "the connection recorded with CDS SYNCED once the grain answers");

        Assert.True(row["connected"]!.GetValue<bool>());
        call.Requests.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
        await SynczRowAsync(node, null, "the connection gone from syncz after the stream ended", absent: true);
    }

    [Fact]
    public async Task Syncz_StreamRecordsRarely_ShowsItsAckAtOnce()
    {
        // The stream records to its grain once, then not again for an hour: only asking the stream
        // itself can show the ACK that follows.
        var context = _silo.Services.GetRequiredService<XdsStreamContext>() with { StatusInterval = TimeSpan.FromHours(1) };
        var call = new InMemoryCall<DiscoveryRequest, DiscoveryResponse>();
        const string node = "rarely-recording-proxy";
        var run = new SotwStream(context, fixedType: null).RunAsync(call.Reader, call.Writer, CancellationToken.None);
        await call.Requests.WriteAsync(Cds(node));
        var first = await call.NextAsync(TimeSpan.FromSeconds(20));
        await SynczRowAsync(node, r => r["types"]?.AsArray().Any(t => t?["type"]?.ToString() == "CDS") == true, "the connection listed with CDS sent");

        await call.Requests.WriteAsync(Cds(node, first.VersionInfo, first.Nonce));

        await SynczRowAsync(node, r => r["types"]?.AsArray().Any(t => t?["type"]?.ToString() == "CDS" && t["status"]?.ToString() == "SYNCED") == true,
            "CDS SYNCED as soon as the proxy ACKed, though the stream records to its grain once an hour");
        call.Requests.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
    }

    private static async Task UntilAsync(Func<bool> condition, string because)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"within 20 s: expected {because}");
            await Task.Delay(20);
        }
    }

    private async Task<JsonNode> SynczRowAsync(string proxyId, Func<JsonNode, bool>? condition, string because, bool absent = false)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string body;
        while (true)
        {
            body = await _silo.Http.GetStringAsync("/debug/syncz");
            var row = JsonNode.Parse(body)!.AsArray().FirstOrDefault(r => r?["proxyId"]?.ToString() == proxyId);
            if (absent ? row is null : row is not null && (condition?.Invoke(row) ?? true)) return row ?? new JsonObject();
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"syncz within 20 s: expected {because}; last: {body}");
            await Task.Delay(50);
        }
    }
}
