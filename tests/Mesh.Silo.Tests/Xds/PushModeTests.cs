using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Service.Discovery.V3;
using Mesh.Api.Xds;
using Mesh.Silo.Xds;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Silo.Tests.Xds;

/// <summary>
/// One host's endpoint edit, seen by a proxy watching three hosts' load assignments: the
/// incremental path sends that host's assignment alone, a full push sends all three again.
/// </summary>
public sealed class PushModeTests : IAsyncLifetime
{
    private static readonly string[] Hosts = ["pm-a.mesh.local", "pm-b.mesh.local", "pm-c.mesh.local"];
    private string _dir = "";
    private SiloFixture _silo = null!;

    public async Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("mesh-push-mode-").FullName;
        for (var i = 0; i < Hosts.Length; i++) Write(i, "127.0.0.1");
        _silo = await SiloFixture.StartAsync(_dir, debounceQuiet: TimeSpan.FromMilliseconds(20));
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Theory]
    [InlineData(PushMode.Incremental, 1)]
    [InlineData(PushMode.Full, 3)]
    public async Task OnPush_OneHostEdited_SendsWhatTheModeSays(PushMode mode, int expected)
    {
        var context = _silo.Services.GetRequiredService<XdsStreamContext>() with { PushMode = mode };
        var call = new InMemoryCall<DiscoveryRequest, DiscoveryResponse>();
        var run = new SotwStream(context, fixedType: null).RunAsync(call.Reader, call.Writer, CancellationToken.None);
        string[] names = [.. Hosts.Select(h => $"outbound|9000||{h}")];
        var request = new DiscoveryRequest { Node = new Node { Id = $"push-mode-{mode}" }, TypeUrl = ResourceTypes.ClusterLoadAssignment };
        request.ResourceNames.AddRange(names);
        await call.Requests.WriteAsync(request);
        var first = await call.NextAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(3, first.Resources.Count);
        await call.Requests.WriteAsync(Ack(first, names));

        Write(1, "127.0.0.2");
        var edited = await NextHoldingAsync(call, first, names, "127.0.0.2");

        Assert.Equal(expected, edited.Resources.Count);
        Assert.Contains(edited.Resources, r => ClusterLoadAssignment.Parser.ParseFrom(r.Value).ClusterName == names[1]);
        call.Requests.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Reads (and ACKs) responses until one carries host 1's new address; earlier flushes may carry the rewrite's intermediate states.</summary>
    private static async Task<DiscoveryResponse> NextHoldingAsync(InMemoryCall<DiscoveryRequest, DiscoveryResponse> call, DiscoveryResponse previous,
        string[] names, string address)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var response = await call.NextAsync(deadline - DateTime.UtcNow);
            await call.Requests.WriteAsync(Ack(response, names));
            if (response.Resources.Select(r => ClusterLoadAssignment.Parser.ParseFrom(r.Value))
                .Any(a => a.ClusterName == names[1] && a.Endpoints.SelectMany(e => e.LbEndpoints).Any(e => e.Endpoint.Address.SocketAddress.Address == address)))
                return response;
        }
        throw new TimeoutException($"no response carried {address} after version {previous.VersionInfo}");
    }

    private static DiscoveryRequest Ack(DiscoveryResponse response, string[] names)
    {
        var ack = new DiscoveryRequest { TypeUrl = response.TypeUrl, VersionInfo = response.VersionInfo, ResponseNonce = response.Nonce };
        ack.ResourceNames.AddRange(names);
        return ack;
    }

    private void Write(int host, string address)
    {
        var temp = Path.Combine(_dir, $".h{host}.tmp");
        File.WriteAllText(temp, SampleConfig.ServiceEntry(Hosts[host], 9000, (address, 9001, "v1")));
        File.Move(temp, Path.Combine(_dir, $"h{host}.yaml"), overwrite: true);
    }
}
