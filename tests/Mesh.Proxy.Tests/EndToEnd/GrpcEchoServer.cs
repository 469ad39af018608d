using System.Net;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>
/// A real Grpc.AspNetCore server (h2c, HTTP/2 only) on a free loopback port with one unary method,
/// <c>mesh.test.Echo/Echo</c>, written without a proto: StringValue in and out.
/// "missing" answers NOT_FOUND.
/// </summary>
public sealed class GrpcEchoServer : IAsyncDisposable
{
    public const string MissingKey = "missing";

    public static readonly Method<StringValue, StringValue> EchoMethod = new(
        MethodType.Unary, "mesh.test.Echo", nameof(EchoService.Echo),
        Marshallers.Create(m => m.ToByteArray(), StringValue.Parser.ParseFrom),
        Marshallers.Create(m => m.ToByteArray(), StringValue.Parser.ParseFrom));

    private readonly WebApplication _app;

    private GrpcEchoServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public static async Task<GrpcEchoServer> StartAsync(string name)
    {
        var port = FreePorts.Take(1)[0];
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(new EchoService(name));
        var app = builder.Build();
        app.MapGrpcService<EchoService>();
        await app.StartAsync();
        return new GrpcEchoServer(app, port);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>
    /// Bound as generated code binds: the attribute on a base class, the handler an override, since
    /// Grpc.AspNetCore treats a method declared on the attributed type itself as not implemented.
    /// </summary>
    [BindServiceMethod(typeof(EchoServiceBase), nameof(BindService))]
    public abstract class EchoServiceBase
    {
        public abstract Task<StringValue> Echo(StringValue request, ServerCallContext context);

        public static void BindService(ServiceBinderBase binder, EchoServiceBase? service) =>
            binder.AddMethod(EchoMethod, service is null ? null : service.Echo);
    }

    public sealed class EchoService(string name) : EchoServiceBase
    {
        public override Task<StringValue> Echo(StringValue request, ServerCallContext context) =>
            request.Value == MissingKey
                ? throw new RpcException(new Status(StatusCode.NotFound, $"{name}: no such key"))
                : Task.FromResult(new StringValue { Value = $"{name}: {request.Value} (authority {context.Host})" });
    }
}
