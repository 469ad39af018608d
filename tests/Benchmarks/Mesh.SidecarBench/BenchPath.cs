using System.Net;

namespace Mesh.SidecarBench;

/// <summary>Where the load generator connects for one path, with which Host, and the proxies on the way.</summary>
public sealed record BenchPath(PathKind Kind, IPEndPoint Endpoint, string Host, IReadOnlyList<ChildProcess> Proxies)
{
    public string Name => Kind switch
    {
        PathKind.Direct => "direct",
        PathKind.Nginx => "nginx (1 worker)",
        PathKind.OneSidecar => "one sidecar",
        _ => "two sidecars",
    };
}
