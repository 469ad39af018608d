namespace Mesh.Api.Hosts;

/// <summary>How Istio reads a host written in config.</summary>
public static class HostName
{
    /// <summary>Istio's default Kubernetes cluster domain; the Kubernetes registry's --kube-domain overrides it.</summary>
    public const string DefaultDomain = "cluster.local";

    /// <summary>
    /// A short name means the Kubernetes service of that name in the object's namespace:
    /// <c>reviews</c> in <c>ns</c> is <c>reviews.ns.svc.&lt;domain&gt;</c>. A name with a dot and a
    /// wildcard (<c>*</c>, <c>*.example.com</c>) are taken as written, and so is a short name
    /// without a namespace to qualify it in.
    /// </summary>
    public static string Qualify(string host, string ns, string domain = DefaultDomain) =>
        host.Contains('.') || host.StartsWith('*') || ns.Length == 0 ? host : $"{host}.{ns}.svc.{domain}";
}
