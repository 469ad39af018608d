using System.Net;
using System.Net.WebSockets;
using System.Text;
using Mesh.Proxy.Tests.Observability;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>
/// WebSockets through the sidecars: a real ClientWebSocket, a Kestrel echo app, the outbound
/// listener forwarding the upgrade and (with two sidecars) the inbound listener too.
/// </summary>
[Collection(MeshCollection.Name)]
public sealed class WebSocketTests(MeshFixture mesh, ITestOutputHelper output) : IDisposable
{
    private const int Port = MeshConfig.ServicePort;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    // Owns the client connections: an HTTP/2 WebSocket is a stream of one of its connections.
    private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler { UseProxy = false });

    public void Dispose() => _invoker.Dispose();

    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task WebSocket_TwoSidecars_EchoesBothWaysClosesCleanly_CountedAs101(string clientHttpVersion)
    {
        var host = $"ws-echo-h{clientHttpVersion[0]}.mesh.local";
        await using var app = await Backend.StartAsync("echo", EchoAsync);
        await using var server = await SidecarUnderTest.StartAsync(mesh.Silo.Options.XdsPort, appPort: app.Port, labels: "app=echo,version=v1");
        await using var client = await SidecarUnderTest.StartAsync(mesh.Silo.Options.XdsPort, labels: "app=client,version=v1");
        mesh.Silo.WriteConfig($"{host}.yaml", MeshConfig.Service(host, server.Options.InboundPort, server.Options.InboundPort) + "\n---\n" + MeshConfig.Only(host, "v1"));
        await client.WaitForBodyAsync($"{host}:{Port}", "echo");

        // HTTP/2 extended CONNECT is answered 200 (RFC 8441), an HTTP/1.1 upgrade 101: each sidecar logs what its caller got.
        var code = clientHttpVersion == "2.0" ? "200" : "101";
        (string, string)[] source = [("reporter", "source"), ("destination_service", host), ("response_code", code)];
        (string, string)[] destination = [("reporter", "destination"), ("response_code", "101")];
        // The readiness polling went through both sidecars too (200s): count from what they report now.
        var sourceBefore = PrometheusText.Sum(await client.ScrapeAsync(), "istio_requests_total", source);

        using var deadline = new CancellationTokenSource(Deadline);
        using var socket = await ConnectAsync(client, host, clientHttpVersion, deadline.Token);
        for (var i = 0; i < 5; i++)
        {
            var message = $"message {i} over HTTP/{clientHttpVersion}";
            await SendAsync(socket, message, deadline.Token);
            Assert.Equal("echo: " + message, await ReceiveAsync(socket, deadline.Token));
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", deadline.Token);

        Assert.Equal(WebSocketState.Closed, socket.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        Assert.Equal("bye", socket.CloseStatusDescription);
        await SidecarUnderTest.WaitUntilAsync(async () =>
            PrometheusText.Sum(await client.ScrapeAsync(), "istio_requests_total", source) == sourceBefore + 1
            && PrometheusText.Sum(await server.ScrapeAsync(), "istio_requests_total", destination) == 1,
            () => $"the upgrade counted once as {code} by the client sidecar and once as 101 by the server sidecar, got:\nclient:\n"
                + string.Join('\n', PrometheusText.Series(client.ScrapeAsync().Result, "istio_requests_total"))
                + "\nserver:\n" + string.Join('\n', PrometheusText.Series(server.ScrapeAsync().Result, "istio_requests_total")));
        output.WriteLine(string.Join('\n', PrometheusText.Series(await client.ScrapeAsync(), "istio_requests_total", ("destination_service", host))));
    }

    [Fact]
    public async Task WebSocket_RouteTimeoutShorterThanSession_SocketOutlivesTimeout()
    {
        const string host = "ws-timeout.mesh.local";
        await using var app = await Backend.StartAsync("echo", EchoAsync);
        var timeout = TimeSpan.FromMilliseconds(300);
        mesh.Silo.WriteConfig($"{host}.yaml", PolicyConfig.Service(host, null, app) + "\n---\n" + PolicyConfig.Route(host, $"""
            route:
            - destination: {"{"}host: {host}{"}"}
            timeout: {timeout.TotalSeconds}s
            """));
        await mesh.Sidecar.WaitUntilAsync(async () => await PolicyConfig.RouteOf(mesh.Sidecar, host) is { } route
            && route.GetProperty("action").TryGetProperty("timeout_ms", out var t) && t.ValueKind == System.Text.Json.JsonValueKind.Number
            && t.GetDouble() == timeout.TotalMilliseconds,
            $"{host}'s route with its timeout");

        using var deadline = new CancellationTokenSource(Deadline);
        using var socket = await ConnectAsync(mesh.Sidecar, host, "1.1", deadline.Token);
        var opened = DateTime.UtcNow;
        await SendAsync(socket, "before", deadline.Token);
        Assert.Equal("echo: before", await ReceiveAsync(socket, deadline.Token));
        // Time passing is the point here: the tunnel must be alive well after the route timeout.
        await Task.Delay(timeout * 4, deadline.Token);
        await SendAsync(socket, "after", deadline.Token);
        Assert.Equal("echo: after", await ReceiveAsync(socket, deadline.Token));
        output.WriteLine($"route timeout {timeout.TotalMilliseconds} ms; socket still echoing after {(DateTime.UtcNow - opened).TotalMilliseconds:F0} ms");
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", deadline.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    /// <summary>The app side of explicit interception: ws://127.0.0.1:15001 with the service as Host (h2c with prior knowledge for 2.0).</summary>
    private async Task<ClientWebSocket> ConnectAsync(SidecarUnderTest sidecar, string host, string httpVersion, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Host", $"{host}:{Port}");
        socket.Options.HttpVersion = Version.Parse(httpVersion);
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{sidecar.Options.OutboundPort}/chat"), _invoker, cancellationToken);
        return socket;
    }

    private static Task SendAsync(ClientWebSocket socket, string text, CancellationToken cancellationToken) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    private static async Task<string> ReceiveAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var text = new StringBuilder();
        ValueWebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
        } while (!result.EndOfMessage);
        return text.ToString();
    }

    /// <summary>Echoes each text message prefixed with "echo: " and answers a close with "bye"; plain requests get the name.</summary>
    private static async Task<bool> EchoAsync(HttpContext context, int _)
    {
        if (!context.WebSockets.IsWebSocketRequest) return false;
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[4096];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                return true;
            }
            var text = "echo: " + Encoding.UTF8.GetString(buffer, 0, received.Count);
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, context.RequestAborted);
        }
    }
}
