using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Mesh.Testing;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>A real HTTP backend on a free loopback port that answers with its name (and counts what it served).</summary>
public sealed class Backend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _served;

    private Backend(WebApplication app, string name, int port)
    {
        _app = app;
        Name = name;
        Port = port;
    }

    public string Name { get; }
    public int Port { get; }
    public int Served => Volatile.Read(ref _served);

    /// <summary>The Host header of the last request: the proxy must preserve the caller's authority.</summary>
    public string? LastHost { get; private set; }

    /// <summary>The x-request-id of the last request: a sidecar sets one when the caller did not.</summary>
    public string? LastRequestId { get; private set; }

    /// <param name="behaviour">Given the request's 1-based number, may answer instead of the name (return true when it did).</param>
    /// <param name="address">Where to listen; loopback unless a test's network namespace must reach it.</param>
    public static async Task<Backend> StartAsync(string name, Func<HttpContext, int, Task<bool>>? behaviour = null, IPAddress? address = null)
    {
        var port = FreePorts.Take(1)[0];
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(address ?? IPAddress.Loopback, port));
        var app = builder.Build();
        var backend = new Backend(app, name, port);
        // Inert unless a behaviour accepts a WebSocket.
        app.UseWebSockets();
        app.Run(async context =>
        {
            var number = Interlocked.Increment(ref backend._served);
            backend.LastHost = context.Request.Host.Value;
            backend.LastRequestId = context.Request.Headers["x-request-id"].ToString() is { Length: > 0 } id ? id : null;
            if (behaviour is not null && await behaviour(context, number)) return;
            await context.Response.WriteAsync(name);
        });
        await app.StartAsync();
        return backend;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
