using System.Net;
using System.Net.Sockets;
using Mesh.Api.Model;
using Mesh.Proxy.Health;

namespace Mesh.Proxy.Tests.Health;

/// <summary>The three checks against real loopback targets and real processes.</summary>
public sealed class ProbeChecksTests
{
    private static readonly ProbeChecks Checks = new(new HttpClient(new SocketsHttpHandler { UseProxy = false }));

    private static ReadinessProbe Http(int port, string path = "/healthz", params KeyValuePair<string, string>[] headers) =>
        new(0, 1, 10, 1, 3, new HttpProbe(path, (uint)port, null, "HTTP", headers), null, null);

    private static ReadinessProbe Tcp(int port) => new(0, 1, 10, 1, 3, null, new TcpProbe("127.0.0.1", (uint)port), null);

    private static ReadinessProbe Exec(params string[] command) => new(0, 1, 10, 1, 3, null, null, new ExecProbe(command));

    private static CancellationToken Timeout(double seconds = 5) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    /// <summary>A one-route HTTP server on a free loopback port answering with the given status.</summary>
    private static (HttpListener Listener, int Port, Task Serve) Serve(int status, Action<HttpListenerRequest>? seen = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = Mesh.Testing.FreePorts.Take(1)[0];
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try { listener.Start(); }
            catch (HttpListenerException) when (attempt < 5) { continue; }
            var serve = Task.Run(async () =>
            {
                var context = await listener.GetContextAsync();
                seen?.Invoke(context.Request);
                context.Response.StatusCode = status;
                context.Response.Close();
            });
            return (listener, port, serve);
        }
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(302, true)]
    [InlineData(404, false)]
    [InlineData(503, false)]
    public async Task Run_HttpGetStatus_SuccessIn200To399(int status, bool success)
    {
        string? path = null, header = null;
        var (listener, port, serve) = Serve(status, r => { path = r.RawUrl; header = r.Headers["X-Probe"]; });
        using var _ = listener;

        var result = await Checks.RunAsync(Http(port, "/healthz", new KeyValuePair<string, string>("X-Probe", "mesh")), Timeout());
        await serve;

        Assert.Equal(success, result.Success);
        Assert.Equal(("/healthz", "mesh"), (path, header));
        if (!success) Assert.Contains($"statuscode: {status}", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_HttpGetNothingListening_FailsWithReason()
    {
        var result = await Checks.RunAsync(Http(Mesh.Testing.FreePorts.Take(1)[0]), Timeout());

        Assert.False(result.Success);
        Assert.Contains("HTTP probe", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_TcpSocket_OpenSucceedsClosedFails()
    {
        using var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        var port = ((IPEndPoint)open.LocalEndpoint).Port;

        Assert.True((await Checks.RunAsync(Tcp(port), Timeout())).Success);
        open.Stop();
        Assert.False((await Checks.RunAsync(Tcp(port), Timeout())).Success);
    }

    [Fact]
    public async Task Run_Exec_ExitCodeDecides()
    {
        if (OperatingSystem.IsWindows()) return;

        Assert.True((await Checks.RunAsync(Exec("sh", "-c", "exit 0"), Timeout())).Success);
        var failed = await Checks.RunAsync(Exec("sh", "-c", "echo not ready >&2; exit 3"), Timeout());
        Assert.False(failed.Success);
        Assert.Equal("exec probe sh exited with 3: not ready", failed.Message);
        Assert.False((await Checks.RunAsync(Exec("/nonexistent/probe"), Timeout())).Success);
    }

    [Fact]
    public async Task Run_ExecPastTimeout_KilledAndFailed()
    {
        if (OperatingSystem.IsWindows()) return;

        var result = await Checks.RunAsync(Exec("sleep", "30"), Timeout(0.3));

        Assert.False(result.Success);
        Assert.Contains("timed out", result.Message, StringComparison.Ordinal);
    }
}
