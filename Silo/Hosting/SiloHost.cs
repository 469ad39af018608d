using Mesh.Api.Retry;
using Orleans.Serialization;
using Mesh.Api.Hosts;
using Mesh.Grains.Abstractions;
using System.Net;
using Mesh.Registries.Consul;
using Mesh.Registries.File;
using Mesh.Registries.Kubernetes;
using Mesh.Registries.Registry;
using Mesh.Registries.Updates;
using Mesh.Silo.Admin;
using Mesh.Silo.Clustering;
using Mesh.Silo.Metrics;
using Mesh.Silo.Ownership;
using Mesh.Silo.Push;
using Mesh.Silo.Vm;
using Mesh.Registries.Vm;
using Mesh.Silo.Xds;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Prometheus;

namespace Mesh.Silo.Hosting;

/// <summary>Wires one silo: Orleans, the xDS server, the admin/debug HTTP port and the config source.</summary>
public static class SiloHost
{
    public static WebApplication Build(SiloOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // gRPC logs a proxy's lost connection at Information with the whole exception ("Error reading
        // message."); the stream logs one line for it instead. Its warnings and errors still show.
        builder.Logging.AddFilter("Grpc.AspNetCore.Server.ServerCallHandler", LogLevel.Warning);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // xDS is gRPC over cleartext HTTP/2 (h2c); the admin port is plain HTTP/1.1.
            kestrel.Listen(IPAddress.Any, options.XdsPort, l => l.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Any, options.HttpPort, l => l.Protocols = HttpProtocols.Http1);
            // Limits a client cannot talk its way around: dead peers are found by ping (as Istio: every
            // 30 s, 10 s to answer), and connections and streams per connection are capped.
            kestrel.Limits.Http2.KeepAlivePingDelay = options.KeepAlivePingDelay;
            kestrel.Limits.Http2.KeepAlivePingTimeout = options.KeepAlivePingTimeout;
            kestrel.Limits.MaxConcurrentConnections = options.MaxConnections;
            kestrel.Limits.Http2.MaxStreamsPerConnection = options.MaxStreamsPerConnection;
            // Kestrel's default (32 KB) is allocated per connection for header decoding; an xDS
            // stream's headers (path, content type, a service-account token) fit in 8 KB, and at
            // 10,000 proxies the difference is 240 MB.
            kestrel.Limits.Http2.MaxRequestHeaderFieldSize = 8 * 1024;
        });
        // Draining spreads stream ends over the drain period; shutdown must outlast it.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.StreamLimits.DrainPeriod + TimeSpan.FromSeconds(10));

        builder.UseOrleans(silo =>
        {
            silo.UseMeshClustering(options);
            silo.Services.AddSerializer(s => s.AddMeshModel());
        });

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new MeshMetrics(new CollectorRegistry()));
        services.AddSingleton(new DebounceOptions(options.DebounceQuiet, options.DebounceMax));
        services.AddSingleton<PushHub>();
        services.AddSingleton(sp => new XdsStreamContext(
            sp.GetRequiredService<PushHub>(), sp.GetRequiredService<IGrainFactory>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<MeshMetrics>(), sp.GetRequiredService<ILoggerFactory>(), $"silo-{options.SiloPort}",
            // Streams end when the silo stops, so proxies reconnect elsewhere instead of holding shutdown open.
            sp.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping)
        {
            AutoRegistration = sp.GetRequiredService<AutoRegistration>(),
            Renewals = sp.GetRequiredService<ConnectionRenewals>(),
            Limits = options.StreamLimits,
            PushThrottle = new PushThrottle(options.PushThrottle),
            PushMode = options.PushMode,
            ConnectionRate = new RateBucket(options.ConnectionRate, options.ConnectionBurst, sp.GetRequiredService<TimeProvider>()),
        });
        services.AddSingleton<PublishedState>();
        // The grains qualify short route destinations and derive aliases with the same domain as the registries.
        var domain = new ClusterDomain(options.Kubernetes?.Domain ?? HostName.DefaultDomain);
        services.AddSingleton(domain);
        services.AddSingleton(sp => new GrainMeshUpdater(
            sp.GetRequiredService<IGrainFactory>(), sp.GetRequiredService<PublishedState>(), sp.GetRequiredService<TimeProvider>(),
            domain.Name));
        services.AddSingleton<IMeshUpdater>(sp => sp.GetRequiredService<GrainMeshUpdater>());
        // One silo at a time runs the registries; grains reactivated elsewhere rebuild from it.
        services.AddSingleton(new OwnerRecovery());
        services.AddSingleton<RegistryOwner>();
        services.AddSingleton<OwnerPages>();
        services.AddSingleton<RegistryOwnership>();
        services.AddHostedService(sp => sp.GetRequiredService<RegistryOwnership>());
        var fileSource = new FileSourceOptions(options.ConfigDir, TimeSpan.FromSeconds(5));
        services.AddSingleton(fileSource);
        services.AddConfigSources(fileSource, options.Kubernetes);
        if (options.Consul is { } consul) services.AddConsulRegistries(consul);
        services.AddKubernetesRegistry(options.Kubernetes);
        services.AddHostedService<RegistryMetricsBinder>();
        // VMs: auto-registered WorkloadEntries live where the config is read from. With Istio CRs read
        // from the cluster they are CRs in the API server (the config directory is then typically a
        // read-only ConfigMap mount, and that is where Istio keeps them); otherwise files in the config directory.
        if (options.Kubernetes is { ConfigCrds: true })
        {
            services.AddSingleton(sp => new KubernetesAutoRegistrationStore(
                sp.GetRequiredService<k8s.IKubernetes>(), sp.GetRequiredService<ILogger<KubernetesAutoRegistrationStore>>()));
            services.AddSingleton<IAutoRegistrationStore>(sp => sp.GetRequiredService<KubernetesAutoRegistrationStore>());
            services.AddSingleton<IAutoRegisteredEntries>(sp => sp.GetRequiredService<KubernetesAutoRegistrationStore>());
        }
        else
        {
            services.AddSingleton(new AutoRegistrationFiles(options.ConfigDir));
            services.AddSingleton<IAutoRegistrationStore>(sp => sp.GetRequiredService<AutoRegistrationFiles>());
            services.AddSingleton<IAutoRegisteredEntries>(sp => sp.GetRequiredService<AutoRegistrationFiles>());
        }
        services.AddSingleton(new AutoRegistrationOptions(BootstrapKey.LoadOrCreate(options.BootstrapKeyFile ?? BootstrapKey.PathIn(options.ConfigDir)), options.WorkloadEntryGracePeriod));
        services.AddSingleton<AutoRegistration>();
        services.AddSingleton<ConnectionRenewals>();
        services.AddHostedService(sp => sp.GetRequiredService<ConnectionRenewals>());
        services.AddHostedService<AutoRegistrationAdoption>();
        services.AddHostedService<ConfigMetricsBinder>();
        services.AddGrpc(o => o.MaxReceiveMessageSize = 4 * 1024 * 1024);

        var app = builder.Build();
        app.MapGrpcService<AdsService>();
        app.MapGrpcService<ClusterDiscovery>();
        app.MapGrpcService<EndpointDiscovery>();
        app.MapGrpcService<ListenerDiscovery>();
        app.MapGrpcService<RouteDiscovery>();
        AdminEndpoints.Map(app, options.HttpPort);
        return app;
    }
}
