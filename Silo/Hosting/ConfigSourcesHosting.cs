using Mesh.Registries.Config;
using Mesh.Registries.File;
using Mesh.Registries.Kubernetes;
using Mesh.Registries.Registry;

namespace Mesh.Silo.Hosting;

/// <summary>
/// The config sources and the <see cref="ConfigAggregator"/> that merges them, in merge order: the
/// YAML directory first, then the Kubernetes cluster's Istio CRs when the Kubernetes registry runs
/// and --kube-config-crds is not false. The aggregator feeds the one <see cref="IConfigView"/>
/// (<see cref="ConfigFeed"/>) and is the registry of the (ServiceEntry, config) shard; /ready waits for it. It waits for the directory
/// always, for the CRDs at most <see cref="KubernetesOptions.ConfigSyncWait"/>.
/// </summary>
public static class ConfigSourcesHosting
{
    public static IServiceCollection AddConfigSources(this IServiceCollection services, FileSourceOptions files, KubernetesOptions? kubernetes)
    {
        List<ConfigSourceSpec> sources = [new(files.SourceName)];
        var crds = kubernetes is { ConfigCrds: true };
        if (crds) sources.Add(new ConfigSourceSpec(CrdConfigSource.SourceNameOf(kubernetes!.ClusterId), kubernetes.ConfigSyncWait));

        services.AddSingleton<ConfigFeed>();
        services.AddSingleton<IConfigView>(sp => sp.GetRequiredService<ConfigFeed>());
        services.AddSingleton(sp => new ConfigAggregator(
            sources, sp.GetRequiredService<Registries.Updates.IMeshUpdater>(), sp.GetRequiredService<ConfigFeed>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ConfigAggregator>>()));
        services.AddKeyedSingleton<IHostedService>(OwnedServices.Key, (sp, _) => sp.GetRequiredService<ConfigAggregator>());
        services.AddSingleton<IServiceRegistry>(sp => sp.GetRequiredService<ConfigAggregator>());
        services.AddSingleton<FileConfigSource>();
        services.AddKeyedSingleton<IHostedService>(OwnedServices.Key, (sp, _) => sp.GetRequiredService<FileConfigSource>());
        if (crds)
        {
            services.AddSingleton(sp => new CrdConfigSource(
                kubernetes!, sp.GetRequiredService<k8s.IKubernetes>(), sp.GetRequiredService<ConfigAggregator>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
            services.AddKeyedSingleton<IHostedService>(OwnedServices.Key, (sp, _) => sp.GetRequiredService<CrdConfigSource>());
        }
        return services;
    }
}
