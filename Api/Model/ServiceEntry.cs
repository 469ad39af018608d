namespace Mesh.Api.Model;

/// <summary>networking.istio.io ServiceEntry: services and endpoints declared in config.</summary>
public sealed record ServiceEntry(ConfigMeta Meta, ServiceEntrySpec Spec) : ConfigObject(Meta);

public enum ServiceLocation { MeshExternal, MeshInternal }

public enum ServiceResolution { None, Static, Dns, DnsRoundRobin }

public sealed record ServiceEntrySpec(
    IReadOnlyList<string> Hosts,
    IReadOnlyList<string> Addresses,
    IReadOnlyList<ServicePort> Ports,
    ServiceLocation Location,
    ServiceResolution Resolution,
    IReadOnlyList<WorkloadEntrySpec> Endpoints,
    WorkloadSelector? WorkloadSelector,
    IReadOnlyList<string> ExportTo,
    IReadOnlyList<string> SubjectAltNames);

/// <summary>Istio's ServicePort; Protocol is upper-cased (HTTP, HTTP2, GRPC, TCP, TLS, HTTPS).</summary>
public sealed record ServicePort(uint Number, string Protocol, string Name, uint? TargetPort);
