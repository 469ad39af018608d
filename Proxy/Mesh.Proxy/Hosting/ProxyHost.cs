using System.Net;
using Mesh.Proxy.Admin;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Health;
using Mesh.Proxy.Interception;
using Mesh.Proxy.LoadBalancing;
using Mesh.Proxy.Observability;
using Mesh.Proxy.Routing;
using Mesh.Proxy.Xds;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mesh.Api.Retry;

namespace Mesh.Proxy.Hosting;

/// <summary>
/// mesh-proxy as one ASP.NET Core app: the xDS client (pilot-agent's job and Envoy's ADS) and four
/// Kestrel listeners told apart by local port: outbound, inbound, admin and health.
/// </summary>
public static class ProxyHost
{
    public static WebApplication Build(ProxyOptions options, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (logging is null) builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        else logging(builder.Logging);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        // Kestrel warns that cleartext Http1AndHttp2 endpoints serve HTTP/1.1 only; H2cDetection makes that untrue.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Error);

        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = options.InlineIo);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // h2c requests carry :scheme http on a connection H2cDetection presents as if ALPN had run.
            kestrel.AllowAlternateSchemes = true;
            // HTTP/1.1 and h2c with prior knowledge (gRPC clients) on every port, as Envoy's listeners.
            void Listen(string address, int port, Func<InterceptedConnections, ConnectionContext, ConnectionDelegate, Task>? intercept = null) =>
                kestrel.Listen(IPAddress.Parse(address), port, l =>
                {
                    l.Protocols = HttpProtocols.Http1AndHttp2;
                    // Before HTTP: an iptables-redirected connection may be TCP for another listener.
                    if (intercept is not null)
                        l.Use(next => connection => intercept(kestrel.ApplicationServices.GetRequiredService<InterceptedConnections>(), connection, next));
                    l.UseH2cDetection();
                });
            Listen(options.BindAddress, options.OutboundPort, (i, c, next) => i.OutboundAsync(c, next));
            Listen(options.InboundBindAddress, options.InboundPort, (i, c, next) => i.InboundAsync(c, next));
            Listen(options.BindAddress, options.AdminPort);
            Listen(options.BindAddress, options.HealthPort);
            // Scraped by Prometheus from off the host, like inbound traffic (Envoy's 15090 binds 0.0.0.0).
            Listen(options.InboundBindAddress, options.StatsPort);
        });

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<XdsProxyConfigProvider>();
        services.AddHttpForwarder();
        services.AddSingleton<UpstreamInvoker>();
        services.AddSingleton<EndpointPicker>();
        services.AddSingleton<FaultInjector>();
        services.AddSingleton<RequestMirror>();
        services.AddSingleton<OutboundHandler>();
        services.AddSingleton<TcpConnectionHandler>();
        services.AddSingleton<InterceptedConnections>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<InboundHandler>(sp, options.AppPort));
        services.AddSingleton(new ObservabilityOptions(options.Identity, options.AppPort, options.AccessLog, options.AccessLogFormat));
        services.AddSingleton<ProxyMetrics>();
        services.AddSingleton<AccessLogWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<AccessLogWriter>());
        services.AddSingleton<RequestObserver>();
        services.AddSingleton(new XdsClientOptions(options.XdsAddresses, options.UseDelta, XdsClientOptions.DefaultBackoff) { BootstrapToken = options.BootstrapToken });
        services.AddSingleton<WorkloadHealthState>();
        if (options.WorkloadGroup?.Spec.Probe is { } probe)
        {
            // The probe's own client: no proxy, no pooling across probes, so each attempt sees the app as it is now.
            var probes = new ProbeChecks(new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero }));
            services.AddHostedService(sp => ActivatorUtilities.CreateInstance<ReadinessProber>(sp, probe,
                (Func<Mesh.Api.Model.ReadinessProbe, CancellationToken, Task<ProbeResult>>)probes.RunAsync));
        }
        services.AddSingleton(options.Identity);
        services.AddSingleton<XdsClient>();
        services.AddHostedService(sp => sp.GetRequiredService<XdsClient>());

        var app = builder.Build();
        var outbound = app.Services.GetRequiredService<OutboundHandler>();
        var inbound = app.Services.GetRequiredService<InboundHandler>();
        var provider = app.Services.GetRequiredService<XdsProxyConfigProvider>();
        var xds = app.Services.GetRequiredService<XdsClient>();
        var picker = app.Services.GetRequiredService<EndpointPicker>();

        var observer = app.Services.GetRequiredService<RequestObserver>();
        var metrics = app.Services.GetRequiredService<ProxyMetrics>();

        app.MapWhen(c => c.Connection.LocalPort == options.OutboundPort, a => a.Use(observer.Outbound).Run(outbound.HandleAsync));
        app.MapWhen(c => c.Connection.LocalPort == options.InboundPort, a => a.Use(observer.Inbound).Run(inbound.HandleAsync));
        // Also on admin, as Envoy's admin serves /stats/prometheus and 15090 only forwards to it.
        app.MapWhen(c => c.Connection.LocalPort == options.StatsPort || c.Connection.LocalPort == options.AdminPort && c.Request.Path == "/stats/prometheus",
            a => a.Run(c => Stats(c, metrics)));
        app.MapWhen(c => c.Connection.LocalPort == options.HealthPort, a => a.Run(c => Health(c, xds)));
        app.MapWhen(c => c.Connection.LocalPort == options.AdminPort, a => a.Run(c => Admin(c, provider, xds, options, picker)));
        return app;
    }

    /// <summary>Istio's /healthz/ready: ready once clusters and listeners have arrived.</summary>
    private static Task Health(HttpContext context, XdsClient xds)
    {
        if (context.Request.Path != "/healthz/ready") return NotFound(context);
        context.Response.StatusCode = xds.Initialized ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        return context.Response.WriteAsync(xds.Initialized ? "" : "xDS not initialized", context.RequestAborted);
    }

    /// <summary>Envoy's /stats/prometheus: Istio's request metrics in Prometheus' text format.</summary>
    private static async Task Stats(HttpContext context, ProxyMetrics metrics)
    {
        if (context.Request.Path != "/stats/prometheus")
        {
            await NotFound(context);
            return;
        }
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
    }

    private static Task Admin(HttpContext context, XdsProxyConfigProvider provider, XdsClient xds, ProxyOptions options, EndpointPicker picker)
    {
        var snapshot = provider.Current.Snapshot;
        switch (context.Request.Path.Value)
        {
            case "/config_dump":
                return context.Response.WriteAsJsonAsync(ConfigDump.Build(snapshot, options.NodeId, xds.Connected, xds.LastRejection), context.RequestAborted);
            case "/clusters":
                context.Response.ContentType = "text/plain";
                return context.Response.WriteAsync(ConfigDump.Clusters(snapshot, picker), context.RequestAborted);
            case "/ready":
                // Envoy's /ready: LIVE once initialized, PRE_INITIALIZING before.
                context.Response.StatusCode = xds.Initialized ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
                return context.Response.WriteAsync(xds.Initialized ? "LIVE\n" : "PRE_INITIALIZING\n", context.RequestAborted);
            default:
                return NotFound(context);
        }
    }

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}
