using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Mesh.Api.Xds;
using Mesh.Silo.Xds;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Silo.Tests.Xds;

/// <summary>
/// A proxy holding its whole view keeps the view's map as what it holds and as what it was sent,
/// shared by its scope; a push that changes one resource reaches it, and it then holds the new
/// view's map (not a copy of its own). A proxy that holds only part of the view keeps its own.
/// </summary>
public sealed class SharedHoldingsTests : IAsyncLifetime
{
    private string _dir = "";
    private SiloFixture _silo = null!;

    public async Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("mesh-shared-holdings-").FullName;
        for (var i = 0; i < 3; i++) Write(i, "127.0.0.1");
        _silo = await SiloFixture.StartAsync(_dir, debounceQuiet: TimeSpan.FromMilliseconds(20));
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Delta_WildcardAssignmentsHeldWhole_KnownIsTheViewsMapBeforeAndAfterAPush()
    {
        var (stream, call, run, eds) = await SubscribeDeltaAsync("shared-holdings", "*");
        Assert.True(eds.Resources.Count >= 3);

        var view = stream.CurrentView.OfType(ResourceTypes.ClusterLoadAssignment);
        Assert.Same(view, stream.WatchOf(ResourceTypes.ClusterLoadAssignment)!.Known);

        Write(1, "127.0.0.2");
        var pushed = await call.NextAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(["outbound|9000||sh-1.mesh.local"], pushed.Resources.Select(r => r.Name));
        // Both records follow the write (what it holds, then what it was sent): wait for the last.
        await Until(() => stream.SentOf(ResourceTypes.ClusterLoadAssignment).GetValueOrDefault("outbound|9000||sh-1.mesh.local")?.Version == pushed.Resources[0].Version,
            "the push is recorded as held and sent");
        Assert.NotEqual(pushed.Resources[0].Version, view["outbound|9000||sh-1.mesh.local"].Version);
        // The old view is untouched, and the proxy now holds (and was sent, for config_dump) the new one.
        var after = stream.CurrentView.OfType(ResourceTypes.ClusterLoadAssignment);
        Assert.NotSame(view, after);
        Assert.Same(after, stream.WatchOf(ResourceTypes.ClusterLoadAssignment)!.Known);
        Assert.Same(after, stream.SentOf(ResourceTypes.ClusterLoadAssignment));

        call.Requests.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Delta_SubscribedToPartOfTheView_PushKeepsItsOwnMapWithTheChange()
    {
        var (stream, call, run, eds) = await SubscribeDeltaAsync("part-holdings", "outbound|9000||sh-1.mesh.local", "outbound|9000||sh-2.mesh.local");
        Assert.Equal(2, eds.Resources.Count);

        Write(1, "127.0.0.3");
        var pushed = await call.NextAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(["outbound|9000||sh-1.mesh.local"], pushed.Resources.Select(r => r.Name));
        await Until(() => stream.SentOf(ResourceTypes.ClusterLoadAssignment).GetValueOrDefault("outbound|9000||sh-1.mesh.local")?.Version == pushed.Resources[0].Version,
            "the push is recorded as held and sent");

        var known = stream.WatchOf(ResourceTypes.ClusterLoadAssignment)!.Known;
        Assert.NotSame(stream.CurrentView.OfType(ResourceTypes.ClusterLoadAssignment), known);
        Assert.Equal(["outbound|9000||sh-1.mesh.local", "outbound|9000||sh-2.mesh.local"], known.Keys);
        Assert.Equal(["outbound|9000||sh-1.mesh.local", "outbound|9000||sh-2.mesh.local"], stream.SentOf(ResourceTypes.ClusterLoadAssignment).Keys);

        call.Requests.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Sotw_AllAssignmentsSubscribed_SentMapIsTheNewViewsAfterAPush()
    {
        var context = _silo.Services.GetRequiredService<XdsStreamContext>();
        var call = new InMemoryCall<DiscoveryRequest, DiscoveryResponse>();
        var stream = new SotwStream(context, fixedType: null);
        var run = stream.RunAsync(call.Reader, call.Writer, CancellationToken.None);
        string[] names = ["outbound|9000||sh-0.mesh.local", "outbound|9000||sh-1.mesh.local", "outbound|9000||sh-2.mesh.local"];
        var request = new DiscoveryRequest { Node = new Node { Id = "sotw-follows" }, TypeUrl = ResourceTypes.ClusterLoadAssignment };
        request.ResourceNames.AddRange(names);
        await call.Requests.WriteAsync(request);
        var eds = await call.NextAsync(TimeSpan.FromSeconds(20));
        var ack = new DiscoveryRequest { TypeUrl = eds.TypeUrl, VersionInfo = eds.VersionInfo, ResponseNonce = eds.Nonce };
        ack.ResourceNames.AddRange(names);
        await call.Requests.WriteAsync(ack);
        await Until(() => stream.WatchOf(ResourceTypes.ClusterLoadAssignment)?.VersionAcked is not null, "the ACK is taken");
        Assert.Same(stream.CurrentView.OfType(ResourceTypes.ClusterLoadAssignment), stream.SentOf(ResourceTypes.ClusterLoadAssignment));

        Write(2, "127.0.0.4");
        var pushed = await call.NextAsync(TimeSpan.FromSeconds(20));
        Assert.Single(pushed.Resources);
        var pushedVersion = pushed.Resources[0].Unpack<Envoy.Config.Endpoint.V3.ClusterLoadAssignment>().Endpoints[0].LbEndpoints[0].Endpoint.Address.SocketAddress.Address;
        Assert.Equal("127.0.0.4", pushedVersion);
        // Recorded after the write: wait for the record, not the response.
        await Until(() => stream.SentOf(ResourceTypes.ClusterLoadAssignment)["outbound|9000||sh-2.mesh.local"].Version
            == stream.CurrentView.OfType(ResourceTypes.ClusterLoadAssignment)["outbound|9000||sh-2.mesh.local"].Version, "the push is recorded as sent");

        var after = stream.CurrentView.OfType(ResourceTypes.ClusterLoadAssignment);
        Assert.Same(after, stream.SentOf(ResourceTypes.ClusterLoadAssignment));
        Assert.Equal(names, stream.SentOf(ResourceTypes.ClusterLoadAssignment).Keys);

        call.Requests.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Sotw_TwoProxiesSubscribeTheSameNames_HoldOneNameSet()
    {
        var context = _silo.Services.GetRequiredService<XdsStreamContext>();
        string[] names = ["outbound|9000||sh-0.mesh.local", "outbound|9000||sh-1.mesh.local", "outbound|9000||sh-2.mesh.local"];
        var streams = new List<(SotwStream Stream, InMemoryCall<DiscoveryRequest, DiscoveryResponse> Call, Task Run)>();
        for (var i = 0; i < 2; i++)
        {
            var call = new InMemoryCall<DiscoveryRequest, DiscoveryResponse>();
            var stream = new SotwStream(context, fixedType: null);
            var request = new DiscoveryRequest { Node = new Node { Id = $"names-{i}" }, TypeUrl = ResourceTypes.ClusterLoadAssignment };
            request.ResourceNames.AddRange(names.Select(n => new string(n.AsSpan())));
            await call.Requests.WriteAsync(request);
            streams.Add((stream, call, stream.RunAsync(call.Reader, call.Writer, CancellationToken.None)));
        }
        foreach (var (_, call, _) in streams) await call.NextAsync(TimeSpan.FromSeconds(20));
        await Until(() => streams.All(s => s.Stream.WatchOf(ResourceTypes.ClusterLoadAssignment)?.NonceSent is not null), "both streams answered");

        Assert.Same(streams[0].Stream.WatchOf(ResourceTypes.ClusterLoadAssignment)!.Names, streams[1].Stream.WatchOf(ResourceTypes.ClusterLoadAssignment)!.Names);

        foreach (var (_, call, run) in streams)
        {
            call.Requests.Complete();
            await run.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>A Delta stream subscribed to load assignments, its first response ACKed and the ACK taken.</summary>
    private async Task<(DeltaStream Stream, InMemoryCall<DeltaDiscoveryRequest, DeltaDiscoveryResponse> Call, Task Run, DeltaDiscoveryResponse First)>
        SubscribeDeltaAsync(string node, params string[] names)
    {
        var call = new InMemoryCall<DeltaDiscoveryRequest, DeltaDiscoveryResponse>();
        var stream = new DeltaStream(_silo.Services.GetRequiredService<XdsStreamContext>());
        var run = stream.RunAsync(call.Reader, call.Writer, CancellationToken.None);
        var request = new DeltaDiscoveryRequest { Node = new Node { Id = node }, TypeUrl = ResourceTypes.ClusterLoadAssignment };
        request.ResourceNamesSubscribe.AddRange(names);
        await call.Requests.WriteAsync(request);
        var first = await call.NextAsync(TimeSpan.FromSeconds(20));
        await call.Requests.WriteAsync(new DeltaDiscoveryRequest { TypeUrl = first.TypeUrl, ResponseNonce = first.Nonce });
        // The stream's bookkeeping follows its write: wait until it has taken the ACK.
        await Until(() => stream.WatchOf(ResourceTypes.ClusterLoadAssignment)?.VersionAcked is not null, "the ACK is taken");
        return (stream, call, run, first);
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not within 20 s: {what}");
            await Task.Delay(10);
        }
    }

    private void Write(int host, string address)
    {
        var temp = Path.Combine(_dir, $".h{host}.tmp");
        File.WriteAllText(temp, SampleConfig.ServiceEntry($"sh-{host}.mesh.local", 9000, (address, 9001, "v1")));
        File.Move(temp, Path.Combine(_dir, $"h{host}.yaml"), overwrite: true);
    }
}
