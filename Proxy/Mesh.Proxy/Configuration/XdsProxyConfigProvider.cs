namespace Mesh.Proxy.Configuration;

/// <summary>
/// The config fed by xDS: each accepted update becomes a new immutable XdsProxyConfig, swapped
/// atomically. A request reads <see cref="Current"/> once and keeps it, so a swap drops nothing in
/// flight. Routing is the outbound handler's, from the snapshot: YARP is used as a forwarder only,
/// so no YARP route or cluster config is derived.
/// </summary>
public sealed class XdsProxyConfigProvider
{
    private volatile XdsProxyConfig _config = new(ProxySnapshot.Empty);

    /// <summary>The config as this proxy routes by; read once per request.</summary>
    public XdsProxyConfig Current => _config;

    public void Update(ProxySnapshot snapshot) => _config = new XdsProxyConfig(snapshot);
}

/// <summary>One immutable config: the accepted snapshot.</summary>
public sealed record XdsProxyConfig(ProxySnapshot Snapshot);
