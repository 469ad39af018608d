using System.Net;
using Mesh.Silo.Hosting;
using SiloOptions = Mesh.Silo.Hosting.SiloOptions;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Mesh.Silo.Clustering;

/// <summary>
/// How a silo joins its cluster (--clustering), and how fast a dead silo is noticed. Grains on a
/// dead silo are only reactivated elsewhere once the others declare it dead, so detection time is
/// the floor of every recovery: a few seconds here instead of Orleans' defaults.
/// </summary>
public static class SiloClustering
{
    public static ISiloBuilder UseMeshClustering(this ISiloBuilder silo, SiloOptions options)
    {
        switch (options.Clustering)
        {
            case ClusteringMode.Localhost:
                var primary = options.PrimarySiloPort is { } p ? new IPEndPoint(IPAddress.Loopback, p) : null;
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, primary, serviceId: "mesh", clusterId: options.ClusterId);
                break;
            case ClusteringMode.Redis:
                silo.UseRedisClustering(o => o.ConfigurationOptions = RedisConfiguration(options.Redis!));
                Endpoints(silo, options);
                break;
            case ClusteringMode.Kubernetes:
                // The same client as the Kubernetes registry (--kubeconfig).
                silo.UseKubernetesMembership(new KubernetesMembershipOptions(options.MembershipNamespace, options.ClusterId));
                Endpoints(silo, options);
                break;
        }
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            // A killed silo refuses connections at once; three missed 1 s probes, two votes.
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 3;
            o.NumVotesForDeathDeclaration = 2;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
            // A silo that was killed may be restarted on the same address and ports at once.
            o.DefunctSiloExpiration = TimeSpan.FromHours(1);
        });
        // Calls to a silo that died before it is declared dead fail after this instead of 30 s.
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
        return silo;
    }

    private static void Endpoints(ISiloBuilder silo, SiloOptions options)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = "mesh";
        });
        silo.Configure<EndpointOptions>(o =>
        {
            o.AdvertisedIPAddress = options.SiloAddress;
            o.SiloPort = options.SiloPort;
            o.GatewayPort = options.GatewayPort;
        });
    }

    /// <summary>HOST:PORT, or any StackExchange.Redis configuration string.</summary>
    public static ConfigurationOptions RedisConfiguration(string redis)
    {
        var configuration = ConfigurationOptions.Parse(redis);
        // Keep retrying a Redis that is briefly away instead of failing the silo's start.
        configuration.AbortOnConnectFail = false;
        return configuration;
    }
}
