namespace Mesh.Api.Model;

/// <summary>networking.istio.io Sidecar: scopes what the selected proxies receive.</summary>
public sealed record Sidecar(ConfigMeta Meta, SidecarSpec Spec) : ConfigObject(Meta);

public enum OutboundTrafficPolicyMode { AllowAny, RegistryOnly }

public sealed record SidecarSpec(
    WorkloadSelector? WorkloadSelector,
    IReadOnlyList<EgressListener> Egress,
    OutboundTrafficPolicyMode? OutboundTrafficPolicy);

/// <summary>Hosts are "namespace/dnsName" as Istio writes them ("./*", "istio-system/*", "*/foo.com").</summary>
public sealed record EgressListener(uint? Port, string? Bind, IReadOnlyList<string> Hosts);
