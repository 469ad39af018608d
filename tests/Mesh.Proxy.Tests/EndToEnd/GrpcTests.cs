using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Proxy.Tests.Observability;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>gRPC over h2c through the client sidecar's outbound port to a real Grpc.AspNetCore server (ServiceEntry protocol GRPC).</summary>
[Collection(MeshCollection.Name)]
public sealed class GrpcTests(MeshFixture mesh)
{
    private const int Port = MeshConfig.ServicePort;

    /// <param name="throughServerSidecar">Also through the server's sidecar (inbound 15006 to the HTTP/2-only app).</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Grpc_UnaryCallThroughSidecars_SucceedsAndNotFoundComesBackAsNotFound(bool throughServerSidecar)
    {
        var host = throughServerSidecar ? "grpc-echo-two.mesh.local" : "grpc-echo.mesh.local";
        await using var server = await GrpcEchoServer.StartAsync("echo");
        await using var serverSidecar = throughServerSidecar
            ? await SidecarUnderTest.StartAsync(mesh.Silo.Options.XdsPort, appPort: server.Port, labels: "app=grpc-echo,version=v1")
            : null;
        await using var client = await SidecarUnderTest.StartAsync(mesh.Silo.Options.XdsPort);
        var endpointPort = serverSidecar?.Options.InboundPort ?? server.Port;
        mesh.Silo.WriteConfig($"{host}.yaml", MeshConfig.Service(host, endpointPort, endpointPort, protocol: "GRPC"));
        using var channel = SidecarChannel(client, $"{host}:{Port}");
        var invoker = channel.CreateCallInvoker();

        var reply = "";
        await SidecarUnderTest.WaitUntilAsync(async () =>
        {
            try
            {
                reply = (await invoker.AsyncUnaryCall(GrpcEchoServer.EchoMethod, null, Options(), new StringValue { Value = "hello" })).Value;
                return true;
            }
            catch (RpcException e)
            {
                reply = e.Status.ToString();
                return false;
            }
        }, () => $"the unary call to succeed through the sidecar (last: {reply})");

        Assert.Equal($"echo: hello (authority {host}:{Port})", reply);
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await invoker.AsyncUnaryCall(GrpcEchoServer.EchoMethod, null, Options(), new StringValue { Value = GrpcEchoServer.MissingKey }));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("echo: no such key", error.Status.Detail);
        var scrape = "";
        await SidecarUnderTest.WaitUntilAsync(async () =>
        {
            scrape = await client.ScrapeAsync();
            return PrometheusText.Sum(scrape, "istio_requests_total", ("reporter", "source"), ("destination_service", host),
                ("request_protocol", "grpc"), ("response_code", "200"), ("grpc_response_status", "5")) == 1;
        }, () => "one grpc series with grpc_response_status 5, got:\n" + string.Join('\n', PrometheusText.Series(scrape, "istio_requests_total")));
    }

    private static CallOptions Options() => new(deadline: DateTime.UtcNow.AddSeconds(10));

    /// <summary>A channel to the sidecar's outbound port (h2c prior knowledge) whose requests carry the service as :authority.</summary>
    internal static GrpcChannel SidecarChannel(SidecarUnderTest sidecar, string authority) =>
        GrpcChannel.ForAddress($"http://127.0.0.1:{sidecar.Options.OutboundPort}", new GrpcChannelOptions
        {
            HttpHandler = new AuthorityHandler(authority) { InnerHandler = new SocketsHttpHandler { UseProxy = false } },
        });

    /// <summary>SocketsHttpHandler sends the Host header as HTTP/2's :authority.</summary>
    private sealed class AuthorityHandler(string authority) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Host = authority;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
