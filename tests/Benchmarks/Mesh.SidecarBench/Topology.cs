using Mesh.Testing;
using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Mesh.SidecarBench;

/// <summary>
/// Everything the paths run through, started as child processes: the backend (nginx), the
/// reference proxy (nginx), the silo and two sidecars. Disposing kills them all.
/// </summary>
public sealed class Topology : IDisposable
{
    private readonly List<ChildProcess> _processes = [];

    private Topology(string dir) => Dir = dir;

    public string Dir { get; }

    public ChildProcess Backend { get; private set; } = null!;
    public ChildProcess NginxProxy { get; private set; } = null!;
    public ChildProcess Silo { get; private set; } = null!;
    public ChildProcess ClientSidecar { get; private set; } = null!;
    public ChildProcess ServerSidecar { get; private set; } = null!;
    public IReadOnlyList<BenchPath> Paths { get; private set; } = [];

    /// <summary>The proxies whose memory is reported.</summary>
    public IReadOnlyList<ChildProcess> Proxies => [NginxProxy, ClientSidecar, ServerSidecar];

    public static async Task<Topology> StartAsync(BenchOptions options, string dir, TextWriter progress, CancellationToken cancel)
    {
        var topology = new Topology(dir);
        try
        {
            await topology.StartAllAsync(options, progress, cancel);
            return topology;
        }
        catch
        {
            topology.Dispose();
            throw;
        }
    }

    private async Task StartAllAsync(BenchOptions options, TextWriter progress, CancellationToken cancel)
    {
        var p = FreePorts.Take(16);
        int backendPort = p[0], nginxPort = p[1], xdsPort = p[2], siloHttpPort = p[3];
        int[] client = p[6..11], server = p[11..16];

        Backend = Track(Nginx.StartBackend(Dir, backendPort, options.PayloadBytes));
        NginxProxy = Track(Nginx.StartProxy(Dir, nginxPort, backendPort));

        var configDir = Path.Combine(Dir, "config");
        MeshConfigFiles.Write(configDir, backendPort, serverInboundPort: server[1]);
        Silo = Track(ChildProcess.StartDotnet("silo", options.Silo,
            ["--config-dir", configDir, "--xds-port", Text(xdsPort), "--http-port", Text(siloHttpPort), "--silo-port", Text(p[4]), "--gateway-port", Text(p[5])],
            Path.Combine(Dir, "silo.log")));
        ServerSidecar = Track(StartSidecar("server-sidecar", options, xdsPort, server, "app=bench-server,version=v1", appPort: backendPort));
        ClientSidecar = Track(StartSidecar("client-sidecar", options, xdsPort, client, "app=bench-client,version=v1", appPort: 0));

        var backendEp = new IPEndPoint(IPAddress.Loopback, backendPort);
        var clientOutbound = new IPEndPoint(IPAddress.Loopback, client[0]);
        var all = new List<BenchPath>
        {
            new(PathKind.Direct, backendEp, $"127.0.0.1:{backendPort}", []),
            new(PathKind.Nginx, new IPEndPoint(IPAddress.Loopback, nginxPort), $"127.0.0.1:{nginxPort}", [NginxProxy]),
            new(PathKind.OneSidecar, clientOutbound, $"{MeshConfigFiles.OneHost}:{MeshConfigFiles.ServicePort}", [ClientSidecar]),
            new(PathKind.TwoSidecars, clientOutbound, $"{MeshConfigFiles.TwoHost}:{MeshConfigFiles.ServicePort}", [ClientSidecar, ServerSidecar]),
        };
        Paths = options.Paths.Select(k => all.Single(a => a.Kind == k)).ToList();

        await progress.WriteLineAsync($"started: backend :{backendPort}, nginx :{nginxPort}, silo xds :{xdsPort}, client sidecar :{client[0]}, server sidecar inbound :{server[1]}; logs in {Dir}");
        // Ready means every path answers 200 with the full body: the sidecars have their config.
        foreach (var path in all)
        {
            await WaitUntilAsync(() => Answers(path, options.PayloadBytes), TimeSpan.FromSeconds(90), $"{path.Name} to answer 200 with {options.PayloadBytes} bytes", cancel);
        }
        await progress.WriteLineAsync("all paths answer");
    }

    private ChildProcess StartSidecar(string name, BenchOptions options, int xdsPort, int[] ports, string labels, int appPort) =>
        ChildProcess.StartDotnet(name, options.Proxy,
        [
            "--xds-address", $"127.0.0.1:{xdsPort}", "--namespace", "default", "--service-account", name, "--pod-name", name,
            "--labels", labels, "--app-port", Text(appPort),
            "--outbound-port", Text(ports[0]), "--inbound-port", Text(ports[1]), "--admin-port", Text(ports[2]),
            "--health-port", Text(ports[3]), "--stats-port", Text(ports[4]), "--inbound-bind-address", "127.0.0.1",
        ], Path.Combine(Dir, name + ".log"), options.SidecarEnv);

    private bool Answers(BenchPath path, int payload)
    {
        foreach (var p in _processes) p.ThrowIfExited();
        using var connection = new HttpConnection(path.Endpoint, HttpConnection.Get(path.Host, "/"));
        try
        {
            return connection.Exchange() == (200, payload);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancel)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            await Task.Delay(200, cancel);
        }
    }

    private ChildProcess Track(ChildProcess process)
    {
        _processes.Add(process);
        return process;
    }

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        // Clients first, so nothing logs a burst of upstream failures while its upstream goes away.
        for (var i = _processes.Count - 1; i >= 0; i--) _processes[i].Dispose();
    }
}
