using Mesh.Registries.Registry;
using Mesh.Registries.Updates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Registries.Consul;

public static class ConsulServiceCollectionExtensions
{
    /// <summary>
    /// One <see cref="ConsulRegistry"/> per datacenter (the agent's own when none is named), each a
    /// hosted service and an <see cref="IServiceRegistry"/>, sharing one client for the address.
    /// </summary>
    public static IServiceCollection AddConsulRegistries(this IServiceCollection services, ConsulOptions options)
    {
        services.AddSingleton(sp => new ConsulClient(
            // Blocking reads outlive any sensible HttpClient.Timeout; ConsulClient bounds each read itself.
            new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(15) }) { Timeout = Timeout.InfiniteTimeSpan },
            options, sp.GetRequiredService<TimeProvider>()));
        IReadOnlyList<string?> datacenters = options.Datacenters.Count > 0 ? [.. options.Datacenters.Distinct(StringComparer.Ordinal)] : [null];
        foreach (var datacenter in datacenters)
        {
            var key = "consul/" + (datacenter ?? ConsulRegistry.LocalDatacenter);
            services.AddKeyedSingleton(key, (sp, _) => new ConsulRegistry(
                sp.GetRequiredService<ConsulClient>(), datacenter, options, sp.GetRequiredService<IMeshUpdater>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ConsulRegistry>>()));
            // Started by the registry lease's holder only (OwnedServices).
            services.AddKeyedSingleton<IHostedService>(OwnedServices.Key, (sp, _) => sp.GetRequiredKeyedService<ConsulRegistry>(key));
            services.AddSingleton<IServiceRegistry>(sp => sp.GetRequiredKeyedService<ConsulRegistry>(key));
        }
        return services;
    }
}
