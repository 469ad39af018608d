using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Grpc.Core;
using Mesh.Api.Xds;
using Mesh.Silo.Xds;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Silo.Tests.Xds;

/// <summary>A response whose write never completes (a proxy that stopped reading) ends its stream after the write timeout.</summary>
public sealed class WriteDeadlineTests : IAsyncLifetime
{
    private SiloFixture _silo = null!;

    public async Task InitializeAsync()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-write-deadline-").FullName;
        File.WriteAllText(Path.Combine(dir, "w.yaml"), SampleConfig.ServiceEntry("w.mesh.local", 9800, ("127.0.0.1", 9801, "v1")));
        _silo = await SiloFixture.StartAsync(dir);
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task RunAsync_WriteNeverCompletes_StreamEndsWithDeadlineExceeded()
    {
        var context = _silo.Services.GetRequiredService<XdsStreamContext>();
        context = context with { Limits = context.Limits with { WriteTimeout = TimeSpan.FromMilliseconds(300) } };
        var call = new InMemoryCall<DiscoveryRequest, DiscoveryResponse>();
        var stuck = new StuckWriter();
        call.Requests.TryWrite(new DiscoveryRequest { Node = new Node { Id = "not-reading" }, TypeUrl = ResourceTypes.Cluster });

        var run = new SotwStream(context, fixedType: null).RunAsync(call.Reader, stuck, CancellationToken.None);
        var ended = await Assert.ThrowsAsync<RpcException>(() => run.WaitAsync(TimeSpan.FromSeconds(20)));

        Assert.Equal(StatusCode.DeadlineExceeded, ended.StatusCode);
        Assert.Equal(1, stuck.Writes);
    }

    private sealed class StuckWriter : IServerStreamWriter<DiscoveryResponse>
    {
        private readonly TaskCompletionSource _never = new();

        public int Writes { get; private set; }

        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(DiscoveryResponse message)
        {
            Writes++;
            return _never.Task;
        }
    }
}
