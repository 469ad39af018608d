using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace Mesh.Proxy.Configuration;

/// <summary>
/// YARP's config seam fed by xDS, in the shape of YARP's InMemoryConfigProvider: each accepted
/// update becomes a new immutable XdsProxyConfig, swapped atomically, and the old config's change
/// token is cancelled. A request holds the config it started with, so a swap drops nothing in flight.
/// </summary>
public sealed class XdsProxyConfigProvider : IProxyConfigProvider
{
    private volatile XdsProxyConfig _config = new(ProxySnapshot.Empty);

    public IProxyConfig GetConfig() => _config;

    /// <summary>The config as this proxy routes by; read once per request.</summary>
    public XdsProxyConfig Current => _config;

    public void Update(ProxySnapshot snapshot)
    {
        var old = Interlocked.Exchange(ref _config, new XdsProxyConfig(snapshot));
        old.SignalChange();
    }
}

/// <summary>One immutable config: the snapshot plus its YARP routes and clusters.</summary>
public sealed class XdsProxyConfig : IProxyConfig
{
    private readonly CancellationTokenSource _changed = new();

    public XdsProxyConfig(ProxySnapshot snapshot)
    {
        Snapshot = snapshot;
        (Routes, Clusters) = YarpConfigBuilder.Build(snapshot);
        ChangeToken = new CancellationChangeToken(_changed.Token);
    }

    public ProxySnapshot Snapshot { get; }
    public string RevisionId { get; } = Guid.NewGuid().ToString("N");
    public IReadOnlyList<RouteConfig> Routes { get; }
    public IReadOnlyList<ClusterConfig> Clusters { get; }
    public IChangeToken ChangeToken { get; }

    internal void SignalChange() => _changed.Cancel();
}
