using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Messaging;

namespace Mesh.Silo.Clustering;

/// <summary>Orleans clustering through the Kubernetes API (the membership table of <see cref="KubernetesMembershipTable"/>).</summary>
public static class KubernetesMembershipHosting
{
    /// <summary>
    /// Keeps this silo's membership in MeshSilo/MeshClusterVersion objects of <paramref name="options"/>'
    /// namespace. The silo's ClusterOptions.ClusterId must equal options.ClusterId; its endpoints are
    /// configured as for any clustering provider (ConfigureEndpoints).
    /// </summary>
    public static ISiloBuilder UseKubernetesMembership(this ISiloBuilder builder, KubernetesMembershipOptions options)
    {
        AddTable(builder.Services, options);
        builder.Services.AddSingleton<IMembershipTable>(sp => sp.GetRequiredService<KubernetesMembershipTable>());
        return builder;
    }

    /// <summary>Finds an Orleans client's gateways in the same table: its Active silos' gateway ports.</summary>
    public static IClientBuilder UseKubernetesMembership(this IClientBuilder builder, KubernetesMembershipOptions options)
    {
        AddTable(builder.Services, options);
        builder.Services.AddSingleton<IGatewayListProvider, KubernetesGatewayListProvider>();
        return builder;
    }

    private static void AddTable(IServiceCollection services, KubernetesMembershipOptions options)
    {
        services.AddSingleton(sp => new MembershipClient(options, sp));
        services.AddSingleton(sp => new KubernetesMembershipTable(
            options, sp.GetRequiredService<MembershipClient>().Client, sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILogger<KubernetesMembershipTable>>()));
        services.AddSingleton<IConfigurationValidator>(sp => new KubernetesMembershipValidator(options, sp.GetRequiredService<IOptions<ClusterOptions>>().Value));
    }
}
