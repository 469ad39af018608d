using System.Net;
using k8s;
using Mesh.Registries.Kubernetes;
using Mesh.Silo.Clustering;
using Mesh.Testing.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans;
using Orleans.Runtime;

namespace Mesh.Silo.Tests.Clustering;

/// <summary>A fake API server serving the membership CRDs, the real client pointed at it, and tables over it.</summary>
public sealed class MembershipApi : IAsyncDisposable
{
    public const string Namespace = "mesh";

    private readonly List<IKubernetes> _clients = [];

    private MembershipApi(FakeApiServer server)
    {
        Server = server;
        Kubeconfig = server.WriteKubeconfig(Directory.CreateTempSubdirectory("mesh-membership-").FullName);
        Client = NewClient();
    }

    public FakeApiServer Server { get; }

    public string Kubeconfig { get; }

    public IKubernetes Client { get; }

    public static async Task<MembershipApi> StartAsync(IEnumerable<FakeResource>? resources = null) =>
        new(await FakeApiServer.StartAsync(resources ?? [.. FakeResource.BuiltIn, .. FakeResource.Membership]));

    /// <summary>A table of its own client, as each silo has: racing tables do not share a connection pool.</summary>
    public KubernetesMembershipTable Table(string clusterId = "test", TimeSpan? requestTimeout = null) =>
        new(new KubernetesMembershipOptions(Namespace, clusterId) { RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(10) },
            NewClient(), TimeProvider.System, NullLogger<KubernetesMembershipTable>.Instance);

    public async Task<KubernetesMembershipTable> InitializedTableAsync(string clusterId = "test")
    {
        var table = Table(clusterId);
        await table.InitializeMembershipTable(tryInitTableVersion: true);
        return table;
    }

    private IKubernetes NewClient()
    {
        var client = KubernetesClientFactory.Create(new KubernetesOptions(Kubeconfig));
        lock (_clients) _clients.Add(client);
        return client;
    }

    /// <summary>A Joining silo on 127.0.0.1 at <paramref name="port"/>, times in whole UTC milliseconds plus ticks, as Orleans writes them.</summary>
    public static MembershipEntry Entry(int port, SiloStatus status = SiloStatus.Joining, DateTime? time = null, int generation = 1)
    {
        var at = time ?? new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc).AddTicks(1234567);
        return new MembershipEntry
        {
            SiloAddress = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), generation),
            Status = status,
            HostName = "host-" + port,
            SiloName = "silo-" + port,
            ProxyPort = port + 1,
            StartTime = at,
            IAmAliveTime = at,
        };
    }

    public async ValueTask DisposeAsync()
    {
        lock (_clients) foreach (var client in _clients) client.Dispose();
        await Server.DisposeAsync();
    }
}
