using Mesh.Registries.Config;
using Mesh.Registries.Kubernetes;
using Mesh.Registries.Registry;
using Mesh.Registries.Updates;

namespace Mesh.Silo.Hosting;

/// <summary>
/// Runs the Kubernetes registry when the silo was given a kubeconfig (or "in-cluster"). It is a
/// hosted service and an <see cref="IServiceRegistry"/> (so /debug/registryz and the
/// mesh_registry_* gauges show it); /ready does not wait for it, since a silo serves the YAML
/// directory's config whether the API server answers or not. The same client also feeds the
/// cluster's Istio CRs to the config (<see cref="ConfigSourcesHosting"/>).
/// </summary>
public static class KubernetesRegistryHosting
{
    public static IServiceCollection AddKubernetesRegistry(this IServiceCollection services, KubernetesOptions? options)
    {
        if (options is null) return services;
        services.AddSingleton(options);
        // Read now, not when the first service needs the client: a kubeconfig that cannot be used
        // stops the silo at start with a message naming --kubeconfig and the file (Program.cs).
        var config = KubernetesClientFactory.LoadConfiguration(options);
        services.AddSingleton<k8s.IKubernetes>(_ => new k8s.Kubernetes(config));
        services.AddSingleton(sp => new KubernetesRegistry(
            options, sp.GetRequiredService<k8s.IKubernetes>(), sp.GetRequiredService<IMeshUpdater>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>(), sp.GetService<IConfigView>()));
        services.AddKeyedSingleton<IHostedService>(OwnedServices.Key, (sp, _) => sp.GetRequiredService<KubernetesRegistry>());
        services.AddSingleton<IServiceRegistry>(sp => sp.GetRequiredService<KubernetesRegistry>());
        return services;
    }
}
