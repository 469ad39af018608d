using System.Net.Sockets;
using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Grpc.Net.Client;
using Mesh.Api.Xds;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Silo.Tests.Xds;

/// <summary>A proxy whose connection dies mid-stream costs the silo's log one short line, not a stack trace.</summary>
public sealed class AbruptDisconnectLogTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Stream_ConnectionResetMidStream_OneShortLineWithoutStackTrace()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-abrupt-").FullName;
        File.WriteAllText(Path.Combine(dir, "a.yaml"), SampleConfig.ServiceEntry("a.mesh.local", 9400, ("127.0.0.1", 9401, "v1")));
        await using var silo = await SiloFixture.StartAsync(dir);
        var log = new RecordingLogger();
        // Every category, as the silo's own console would get them (same filters).
        silo.Services.GetRequiredService<ILoggerFactory>().AddProvider(new OneLoggerProvider(log));
        const string proxyId = "abrupt-proxy";

        Socket? socket = null;
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancel) =>
            {
                var s = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await s.ConnectAsync(context.DnsEndPoint, cancel);
                socket = s;
                return new NetworkStream(s, ownsSocket: true);
            },
        };
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{silo.Options.XdsPort}", new GrpcChannelOptions { HttpHandler = handler });
        using var call = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel).StreamAggregatedResources();
        await call.RequestStream.WriteAsync(new DiscoveryRequest { Node = new Node { Id = proxyId }, TypeUrl = ResourceTypes.Cluster });
        using var cancel = new CancellationTokenSource(Bound);
        Assert.True(await call.ResponseStream.MoveNext(cancel.Token));
        var before = log.Entries.Count;

        // Linger 0: the socket is reset, the call never ended (no END_STREAM, no RST_STREAM).
        socket!.LingerState = new LingerOption(true, 0);
        socket.Close();

        var deadline = DateTime.UtcNow + Bound;
        while (!log.Entries.Skip(before).Any(e => e.Message.Contains(proxyId, StringComparison.Ordinal) && e.Message.Contains("disconnected", StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the silo logged no disconnection");
            await Task.Delay(20);
        }

        var after = log.Entries.Skip(before).ToList();
        var line = Assert.Single(after, e => e.Message.Contains(proxyId, StringComparison.Ordinal));
        Assert.True(line.Message.Length < 300, $"{line.Message.Length} chars: {line.Message}");
        Assert.Contains("connection was lost", line.Message, StringComparison.Ordinal);
        Assert.All(after, e =>
        {
            Assert.Null(e.Exception);
            Assert.DoesNotContain("   at ", e.Message, StringComparison.Ordinal);
        });
    }

    private sealed class OneLoggerProvider(ILogger logger) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void Dispose() { }
    }
}
