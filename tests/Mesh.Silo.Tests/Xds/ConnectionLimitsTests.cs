using Grpc.Core;
using Mesh.Api.Xds;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Xds;

/// <summary>Kestrel's connection limits as the silo configures them, seen from real sockets on loopback.</summary>
public sealed class ConnectionLimitsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static string ConfigDir()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-conn-limits-").FullName;
        File.WriteAllText(Path.Combine(dir, "c.yaml"), SampleConfig.ServiceEntry("c.mesh.local", 9100, ("127.0.0.1", 9101, "v1")));
        return dir;
    }

    /// <summary>
    /// Kestrel accepts a socket over the limit and closes it at once: no SETTINGS, just the end of the
    /// connection (or a reset, if it lands while the preface is still being written).
    /// </summary>
    private static async Task<bool> ClosedWithoutSettingsAsync(int port)
    {
        using var cancel = new CancellationTokenSource(Bound);
        try
        {
            await using var over = await RawHttp2.ConnectAsync(port, cancel.Token);
            return await over.ReadFrameAsync(cancel.Token) is null;
        }
        catch (IOException)
        {
            return true;
        }
    }

    [Fact]
    public async Task KeepAlive_ClientNeverAnswersPings_ServerClosesConnection()
    {
        // Kestrel's smallest keepalive settings (1 s each); its heartbeat checks once a second.
        await using var silo = await SiloFixture.StartAsync(ConfigDir(), configure: o => o with
        {
            KeepAlivePingDelay = TimeSpan.FromSeconds(1),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(1),
        });
        using var cancel = new CancellationTokenSource(Bound);
        await using var client = await RawHttp2.ConnectAsync(silo.Options.XdsPort, cancel.Token);
        var started = DateTime.UtcNow;

        var pings = 0;
        var acked = false;
        while (await client.ReadFrameAsync(cancel.Token) is { } frame)
        {
            if (frame.Type == RawHttp2.Settings && (frame.Flags & 0x1) == 0 && !acked)
            {
                // The preface is complete once the server's SETTINGS are acknowledged; PINGs never are.
                await client.WriteFrameAsync(RawHttp2.Settings, 0x1, [], cancel.Token);
                acked = true;
            }
            if (frame.Type == RawHttp2.Ping && (frame.Flags & 0x1) == 0) pings++;
        }

        Assert.True(acked, "the server sent no SETTINGS");
        Assert.True(pings >= 1, "the server closed the connection without pinging first");
        // Closed by keepalive (delay + timeout, plus heartbeat slack), not by the 20 s bound.
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task MaxConnections_OneOverTheLimit_ClosedWhileExistingStreamsWork()
    {
        const int limit = 3;
        await using var silo = await SiloFixture.StartAsync(ConfigDir(), configure: o => o with { MaxConnections = limit });
        // Kestrel counts connections per listening port: the fixture's admin connection does not count here.
        var clients = new List<AdsClient>();
        try
        {
            for (var i = 0; i < limit; i++)
            {
                var client = new AdsClient(silo.Options.XdsPort, $"limit-{i}");
                clients.Add(client);
                await client.SendAsync(ResourceTypes.Cluster, []);
                await client.NextAsync("CDS within the connection limit");
            }

            Assert.True(await ClosedWithoutSettingsAsync(silo.Options.XdsPort), "the connection over the limit was served");

            foreach (var client in clients)
            {
                await client.SendAsync(ResourceTypes.ClusterLoadAssignment, ["outbound|9100||c.mesh.local"]);
                var eds = await client.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment, _ => true, "EDS on a connection made before the limit was hit");
                Assert.Single(eds.Resources);
            }
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
        }
    }
}
