using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Mesh.Api.Xds;
using Mesh.Silo.Xds;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Silo.Tests.Xds;

/// <summary>What a client sends cannot flood or forge the silo's log: NACK messages cut, unknown types logged once, node ids escaped.</summary>
public sealed class StreamLogTests : IAsyncLifetime
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);
    private readonly RecordingLogger _log = new();
    private SiloFixture _silo = null!;

    public async Task InitializeAsync()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-stream-log-").FullName;
        File.WriteAllText(Path.Combine(dir, "l.yaml"), SampleConfig.ServiceEntry("l.mesh.local", 9900, ("127.0.0.1", 9901, "v1")));
        _silo = await SiloFixture.StartAsync(dir);
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task RunAsync_HugeNackUnknownTypesAndControlCharacters_LogsBoundedEscapedOnce()
    {
        var context = _silo.Services.GetRequiredService<XdsStreamContext>() with { Loggers = new OneLoggerFactory(_log) };
        var call = new InMemoryCall<DiscoveryRequest, DiscoveryResponse>();
        using var end = new CancellationTokenSource();
        var run = new SotwStream(context, fixedType: null).RunAsync(call.Reader, call.Writer, end.Token);
        call.Requests.TryWrite(new DiscoveryRequest { Node = new Node { Id = "evil\nFAKE LINE" }, TypeUrl = ResourceTypes.Cluster });
        var first = await call.NextAsync(Prompt);

        for (var i = 0; i < 50; i++) call.Requests.TryWrite(new DiscoveryRequest { TypeUrl = "type.googleapis.com/unknown.Type" });
        var huge = new string('x', 1_000_000);
        call.Requests.TryWrite(new DiscoveryRequest
        {
            TypeUrl = ResourceTypes.Cluster, VersionInfo = "", ResponseNonce = first.Nonce,
            ErrorDetail = new Google.Rpc.Status { Code = 3, Message = huge },
        });
        var deadline = DateTime.UtcNow + Prompt;
        while (!_log.Entries.Any(e => e.Message.Contains("rejected", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        call.Requests.TryComplete();
        await run.WaitAsync(Prompt);

        var entries = _log.Entries;
        var nack = Assert.Single(entries, e => e.Message.Contains("rejected", StringComparison.Ordinal));
        Assert.True(nack.Message.Length < 1_000, $"NACK line of {nack.Message.Length} chars");
        Assert.Equal(1_000_000, nack.Fields["ErrorLength"]);
        Assert.Single(entries, e => e.Message.Contains("unknown.Type", StringComparison.Ordinal));
        Assert.All(entries, e => Assert.DoesNotContain('\n', e.Message));
        Assert.Contains(entries, e => e.Message.Contains("evil\\nFAKE LINE", StringComparison.Ordinal));
    }

    private sealed class OneLoggerFactory(ILogger logger) : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider) { }

        public ILogger CreateLogger(string categoryName) => logger;

        public void Dispose() { }
    }
}
