using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Mesh.Proxy.Tests.EndToEnd;
using Mesh.Proxy.Tests.Observability;
using Mesh.Testing;
using Xunit.Abstractions;

namespace Mesh.Proxy.Tests.Interception;

/// <summary>
/// Transparent interception end to end: a pod's network namespace with `mesh-proxy iptables` rules
/// and a real mesh-proxy in it, the real silo and backends on the host side of a veth pair. The app
/// (curl, bash's /dev/tcp) dials service VIPs and ports as it would in Kubernetes; nothing in it knows
/// about the proxy.
/// </summary>
public sealed class TransparentInterceptionTests(ITestOutputHelper output)
{
    private const string HttpVip = "10.77.0.10";
    private const string TcpVip = "10.77.0.11";

    [NetnsFact]
    public async Task Intercept_HttpTcpPassthroughAndInbound_AllReachTheirTargets()
    {
        await using var pod = await Pod.CreateAsync();
        try
        {
            await RunAsync(pod);
        }
        finally
        {
            output.WriteLine(pod.ProxyLog);
        }
    }

    private async Task RunAsync(Pod pod)
    {
        await using var backend = await Backend.StartAsync("echo-v1", address: pod.HostAddress);
        using var tcpEcho = TcpEcho.Start(pod.HostAddress);
        await using var silo = await SiloFixture.StartAsync();
        silo.WriteConfig("services.yaml", Services(pod.HostAddress, backend.Port, tcpEcho.Port));

        // istio-init's step: twice, to show a re-run replaces rather than duplicates.
        var dll = MeshProxy.Dll;
        await pod.ExecCheckedAsync("dotnet", dll, "iptables");
        await pod.ExecCheckedAsync("dotnet", dll, "iptables");
        var rules = await pod.ExecCheckedAsync("iptables", "-t", "nat", "-S");
        Assert.Single(rules.Split('\n'), l => l == "-A OUTPUT -p tcp -j MESH_OUTPUT");
        Assert.Single(rules.Split('\n'), l => l == "-A PREROUTING -p tcp -j MESH_INBOUND");

        pod.StartProxy("--xds-address", $"{pod.HostAddress}:{silo.Options.XdsPort}", "--ip", pod.PodAddress.ToString(),
            "--app-port", "8080", "--access-log", "stdout");
        await WaitAsync(async () => (await pod.ExecAsync("curl", "-s", "-m", "2", "http://127.0.0.1:15000/ready")).Output.Contains("LIVE"),
            "the sidecar received its config", pod);
        // Configuration arrives per type; the TCP listener is the last thing the test needs.
        await WaitAsync(async () => (await pod.ExecAsync("curl", "-s", "-m", "2", "http://127.0.0.1:15000/config_dump")).Output.Contains($"{TcpVip}_9000"),
            "the TCP listener reached the sidecar", pod);

        // HTTP to a VIP: routed by the sidecar (which adds x-request-id) to the endpoint's port, not the VIP's.
        var http = await pod.ExecCheckedAsync("curl", "-s", "-m", "20", "--resolve", $"echo.mesh.local:8080:{HttpVip}", "http://echo.mesh.local:8080/hello");
        Assert.Equal("echo-v1", http);
        Assert.NotNull(backend.LastRequestId);
        Assert.Equal("echo.mesh.local:8080", backend.LastHost);

        // TCP to a VIP: the tcp_proxy listener forwards the bytes to the cluster's endpoint.
        var tcp = await pod.ExecCheckedAsync("timeout", "20", "bash", "-c",
            $"exec 3<>/dev/tcp/{TcpVip}/9000; printf 'hello\\n' >&3; read -r line <&3; printf '%s' \"$line\"");
        Assert.Equal("echo:hello", tcp);

        // A destination no listener knows goes where the app sent it (ALLOW_ANY passthrough).
        var passthrough = await pod.ExecCheckedAsync("curl", "-s", "-m", "20", $"http://{pod.HostAddress}:{backend.Port}/direct");
        Assert.Equal("echo-v1", passthrough);

        // Inbound: the pod's address on a port only bound to the pod's loopback (the sidecar's admin)
        // is reachable only through the inbound redirect, HTTP and raw TCP alike.
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        Assert.Equal("LIVE\n", await client.GetStringAsync($"http://{pod.PodAddress}:15000/ready"));
        var raw = await RawExchangeAsync(new IPEndPoint(pod.PodAddress, 15000), "\x01\x02not http\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400", raw);

        var stats = await client.GetStringAsync($"http://{pod.PodAddress}:15090/stats/prometheus");
        Assert.True(PrometheusText.Sum(stats, "istio_tcp_connections_closed_total", ("reporter", "source"), ("destination_service", "tcp-echo.mesh.local")) >= 1, stats);
        Assert.True(PrometheusText.Sum(stats, "istio_tcp_received_bytes_total", ("reporter", "source"), ("destination_service", "tcp-echo.mesh.local")) >= 6, stats);
        Assert.True(PrometheusText.Sum(stats, "istio_tcp_connections_closed_total", ("reporter", "destination")) >= 1, stats);
        Assert.True(PrometheusText.Sum(stats, "istio_requests_total", ("reporter", "destination"), ("response_code", "200")) >= 1, stats);

        // --cleanup leaves the namespace as it was: the VIP is unreachable again.
        await pod.ExecCheckedAsync("dotnet", dll, "iptables", "--cleanup");
        Assert.DoesNotContain("MESH_", await pod.ExecCheckedAsync("iptables", "-t", "nat", "-S"));
        var after = await pod.ExecAsync("curl", "-s", "-m", "2", "--resolve", $"echo.mesh.local:8080:{HttpVip}", "http://echo.mesh.local:8080/");
        Assert.NotEqual(0, after.Code);
    }

    private static string Services(IPAddress host, int httpPort, int tcpPort) => $$$"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: echo, namespace: default}
        spec:
          hosts: [echo.mesh.local]
          addresses: [{{{HttpVip}}}]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 8080, name: http, protocol: HTTP}]
          endpoints: [{address: {{{host}}}, ports: {http: {{{httpPort}}}}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: tcp-echo, namespace: default}
        spec:
          hosts: [tcp-echo.mesh.local]
          addresses: [{{{TcpVip}}}]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 9000, name: tcp, protocol: TCP}]
          endpoints: [{address: {{{host}}}, ports: {tcp: {{{tcpPort}}}}}]
        """;

    private static async Task<string> RawExchangeAsync(IPEndPoint target, string request)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(target);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var count = await socket.ReceiveAsync(buffer, timeout.Token);
        return Encoding.ASCII.GetString(buffer, 0, count);
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what, Pod pod)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"not within 30 s: {what}\n{pod.ProxyLog}");
            await Task.Delay(50);
        }
    }

    /// <summary>A line-echo TCP server ("echo:" + line) on the host side of the veth pair.</summary>
    private sealed class TcpEcho : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();

        private TcpEcho(TcpListener listener) => _listener = listener;

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public static TcpEcho Start(IPAddress address)
        {
            var listener = new TcpListener(address, 0);
            listener.Start();
            var echo = new TcpEcho(listener);
            _ = echo.AcceptAsync();
            return echo;
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    _ = ServeAsync(client);
                }
            }
            catch (OperationCanceledException) { }
        }

        private async Task ServeAsync(TcpClient client)
        {
            using (client)
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream);
                await using var writer = new StreamWriter(stream) { AutoFlush = true };
                while (await reader.ReadLineAsync(_stop.Token) is { } line) await writer.WriteLineAsync("echo:" + line);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}
