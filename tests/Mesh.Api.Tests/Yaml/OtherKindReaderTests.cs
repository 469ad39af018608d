using Mesh.Api.Model;

namespace Mesh.Api.Tests.Yaml;

/// <summary>Every DestinationRule, ServiceEntry, Sidecar and WorkloadEntry field lands in the model.</summary>
public class OtherKindReaderTests
{
    [Fact]
    public void Parse_FullDestinationRule_ReadsEveryField()
    {
        var dr = ConfigYaml.Valid<DestinationRule>("DestinationRule", """
            host: reviews.shop.svc.cluster.local
            exportTo: ["*"]
            trafficPolicy:
              loadBalancer:
                consistentHash:
                  httpCookie: {name: user, path: /, ttl: 0s}
                  minimumRingSize: 1024
              connectionPool:
                tcp: {maxConnections: 100, connectTimeout: 30ms}
                http: {http1MaxPendingRequests: 10, http2MaxRequests: 1000, maxRequestsPerConnection: 10, maxRetries: 3, idleTimeout: 1h}
              outlierDetection: {consecutive5xxErrors: 5, consecutiveGatewayErrors: 2, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50, minHealthPercent: 20}
              tls: {mode: ISTIO_MUTUAL, sni: reviews.shop, subjectAltNames: [spiffe://cluster.local/ns/shop/sa/reviews]}
              portLevelSettings:
              - port: {number: 9080}
                loadBalancer: {simple: LEAST_CONN}
                tls: {mode: SIMPLE}
            subsets:
            - name: v1
              labels: {version: v1}
            - name: v2
              labels: {version: v2}
              trafficPolicy:
                loadBalancer: {simple: RANDOM}
            """);

        var spec = dr.Spec;
        Assert.Equal("reviews.shop.svc.cluster.local", spec.Host);
        Assert.Equal(["*"], spec.ExportTo);
        var policy = spec.TrafficPolicy!;
        Assert.Null(policy.LoadBalancer!.Simple);
        Assert.Equal(new ConsistentHashSettings(null, new HttpCookie("user", "/", TimeSpan.Zero), false, null, 1024), policy.LoadBalancer.ConsistentHash);
        Assert.Equal(new TcpSettings(100, TimeSpan.FromMilliseconds(30)), policy.ConnectionPool!.Tcp);
        Assert.Equal(new HttpSettings(10, 1000, 10, 3, TimeSpan.FromHours(1)), policy.ConnectionPool.Http);
        Assert.Equal(new OutlierDetection(5, 2, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), 50, 20), policy.OutlierDetection);
        Assert.Equal(TlsMode.IstioMutual, policy.Tls!.Mode);
        Assert.Equal("reviews.shop", policy.Tls.Sni);
        Assert.Equal(["spiffe://cluster.local/ns/shop/sa/reviews"], policy.Tls.SubjectAltNames);
        var port = Assert.Single(policy.PortLevelSettings);
        Assert.Equal(new PortSelector(9080), port.Port);
        Assert.Equal(SimpleLoadBalancer.LeastRequest, port.LoadBalancer!.Simple);
        Assert.Equal(TlsMode.Simple, port.Tls!.Mode);
        Assert.Equal(["v1", "v2"], spec.Subsets.Select(s => s.Name));
        Assert.Equal("v2", spec.Subsets[1].Labels["version"]);
        Assert.Equal(SimpleLoadBalancer.Random, spec.Subsets[1].TrafficPolicy!.LoadBalancer!.Simple);
    }

    [Fact]
    public void Parse_LocalityLbSetting_ReadsEveryField()
    {
        var dr = ConfigYaml.Valid<DestinationRule>("DestinationRule", """
            host: reviews
            trafficPolicy:
              loadBalancer:
                simple: ROUND_ROBIN
                localityLbSetting:
                  enabled: true
                  failover:
                  - {from: us-east, to: us-west}
                  failoverPriority: [topology.istio.io/network, version]
              outlierDetection: {consecutive5xxErrors: 1}
            subsets:
            - name: v1
              trafficPolicy:
                loadBalancer:
                  localityLbSetting:
                    enabled: false
                    distribute:
                    - from: us-east/a/*
                      to: {"us-east/a/*": 80, "us-west/*": 20}
            """);

        var top = dr.Spec.TrafficPolicy!.LoadBalancer!.LocalityLbSetting!;
        Assert.True(top.Enabled);
        Assert.Equal(new LocalityFailover("us-east", "us-west"), Assert.Single(top.Failover));
        Assert.Equal(["topology.istio.io/network", "version"], top.FailoverPriority);
        Assert.Empty(top.Distribute);
        var subset = dr.Spec.Subsets[0].TrafficPolicy!.LoadBalancer!.LocalityLbSetting!;
        Assert.False(subset.Enabled);
        var distribute = Assert.Single(subset.Distribute);
        Assert.Equal("us-east/a/*", distribute.From);
        Assert.Equal(new Dictionary<string, uint> { ["us-east/a/*"] = 80, ["us-west/*"] = 20 }, distribute.To);
    }

    [Fact]
    public void Parse_LocalityLbSettingUnknownField_Reported() =>
        Assert.Contains(ConfigYaml.Parse("DestinationRule", "host: r\ntrafficPolicy:\n  loadBalancer:\n    localityLbSetting: {failoverPriorities: [a]}").Errors,
            e => e.FieldPath?.Contains("failoverPriorities", StringComparison.Ordinal) == true);

    [Fact]
    public void Parse_FullServiceEntry_ReadsEveryField()
    {
        var se = ConfigYaml.Valid<ServiceEntry>("ServiceEntry", """
            hosts: [api.example.com]
            addresses: [10.0.0.1, 10.1.0.0/16]
            ports:
            - {number: 443, protocol: https, name: https, targetPort: 8443}
            location: MESH_INTERNAL
            resolution: STATIC
            endpoints:
            - address: 10.0.0.2
              ports: {https: 9443}
              labels: {version: v1}
              network: net1
              locality: us-east1/b
              weight: 3
              serviceAccount: api
            exportTo: [".", shop]
            subjectAltNames: [api.example.com]
            """);

        var spec = se.Spec;
        Assert.Equal(["api.example.com"], spec.Hosts);
        Assert.Equal(["10.0.0.1", "10.1.0.0/16"], spec.Addresses);
        Assert.Equal(new ServicePort(443, "HTTPS", "https", 8443), Assert.Single(spec.Ports));
        Assert.Equal((ServiceLocation.MeshInternal, ServiceResolution.Static), (spec.Location, spec.Resolution));
        var endpoint = Assert.Single(spec.Endpoints);
        Assert.Equal(("10.0.0.2", 9443u, "v1"), (endpoint.Address, endpoint.Ports["https"], endpoint.Labels["version"]));
        Assert.Equal(("net1", "us-east1/b", 3u, "api"), (endpoint.Network, endpoint.Locality, endpoint.Weight, endpoint.ServiceAccount));
        Assert.Null(spec.WorkloadSelector);
        Assert.Equal([".", "shop"], spec.ExportTo);
        Assert.Equal(["api.example.com"], spec.SubjectAltNames);
    }

    [Fact]
    public void Parse_ServiceEntryDefaults_MeshExternalAndResolutionNone()
    {
        var se = ConfigYaml.Valid<ServiceEntry>("ServiceEntry", "hosts: [\"*.example.com\"]\nports:\n- {number: 80, name: http, protocol: HTTP}");

        Assert.Equal((ServiceLocation.MeshExternal, ServiceResolution.None), (se.Spec.Location, se.Spec.Resolution));
        Assert.Null(se.Spec.Ports[0].TargetPort);
    }

    [Fact]
    public void Parse_ServiceEntryWithWorkloadSelector_Read()
    {
        var se = ConfigYaml.Valid<ServiceEntry>("ServiceEntry", "hosts: [vm.local]\nports:\n- {number: 80, name: http, protocol: HTTP}\nresolution: STATIC\nworkloadSelector:\n  labels: {app: vm}");

        Assert.Equal("vm", se.Spec.WorkloadSelector!.MatchLabels["app"]);
    }

    [Fact]
    public void Parse_FullSidecar_ReadsEveryField()
    {
        var sidecar = ConfigYaml.Valid<Sidecar>("Sidecar", """
            workloadSelector:
              labels: {app: ratings}
            egress:
            - port: {number: 9080, protocol: http, name: egress-http}
              bind: 127.0.0.1
              hosts: [prod-us1/*]
            - hosts: [./*, istio-system/*]
            outboundTrafficPolicy:
              mode: ALLOW_ANY
            """);

        Assert.Equal("ratings", sidecar.Spec.WorkloadSelector!.MatchLabels["app"]);
        Assert.Equal((9080u, "127.0.0.1"), (sidecar.Spec.Egress[0].Port, sidecar.Spec.Egress[0].Bind));
        Assert.Equal(["prod-us1/*"], sidecar.Spec.Egress[0].Hosts);
        Assert.Null(sidecar.Spec.Egress[1].Port);
        Assert.Equal(["./*", "istio-system/*"], sidecar.Spec.Egress[1].Hosts);
        Assert.Equal(OutboundTrafficPolicyMode.AllowAny, sidecar.Spec.OutboundTrafficPolicy);
    }

    [Fact]
    public void Parse_SidecarOutboundPolicyWithoutMode_DefaultsToRegistryOnly()
    {
        var sidecar = ConfigYaml.Valid<Sidecar>("Sidecar", "egress:\n- hosts: [./*]\noutboundTrafficPolicy: {}");

        Assert.Equal(OutboundTrafficPolicyMode.RegistryOnly, sidecar.Spec.OutboundTrafficPolicy);
    }

    [Fact]
    public void Parse_FullWorkloadEntry_ReadsEveryField()
    {
        var we = ConfigYaml.Valid<WorkloadEntry>("WorkloadEntry", """
            address: vm1.example.com
            ports: {http: 8080}
            labels: {app: vm}
            network: vpc1
            locality: eu/west/a
            weight: 10
            serviceAccount: vm-sa
            """);

        Assert.Equal("vm1.example.com", we.Spec.Address);
        Assert.Equal(8080u, we.Spec.Ports["http"]);
        Assert.Equal(("vm", "vpc1", "eu/west/a", 10u, "vm-sa"), (we.Spec.Labels["app"], we.Spec.Network, we.Spec.Locality, we.Spec.Weight, we.Spec.ServiceAccount));
    }
}
