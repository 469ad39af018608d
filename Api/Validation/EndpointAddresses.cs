using Mesh.Api.Model;

namespace Mesh.Api.Validation;

/// <summary>
/// Which addresses a proxy can use, per service resolution: one rule for config validation and for
/// the registry seam, where objects from Kubernetes or Consul were never validated as config.
/// </summary>
public static class EndpointAddresses
{
    /// <summary>
    /// Why an endpoint address cannot serve a service of this resolution, or null. STATIC (and NONE,
    /// whose endpoints go to EDS as well) needs an IP (Envoy parses it, it does not resolve it) or a
    /// unix:// socket, as Istio accepts; DNS resolutions also take a DNS name, which Envoy resolves.
    /// </summary>
    public static string? Problem(string address, ServiceResolution resolution) => resolution switch
    {
        _ when address.Length == 0 => "address is required",
        ServiceResolution.Dns or ServiceResolution.DnsRoundRobin =>
            Syntax.IsIp(address) || Syntax.IsFqdn(address) ? null : "resolution DNS requires IP addresses or DNS names",
        _ => Syntax.IsIp(address) || Syntax.IsUnixAddress(address) ? null : $"resolution {Name(resolution)} requires IP addresses or unix:// sockets",
    };

    /// <summary>A service address (a VIP the sidecar intercepts on): an IP, or a CIDR for a range.</summary>
    public static bool IsServiceAddress(string address) => Syntax.IsIp(address) || Syntax.IsCidr(address);

    private static string Name(ServiceResolution resolution) => resolution switch
    {
        ServiceResolution.None => "NONE",
        _ => "STATIC",
    };
}
