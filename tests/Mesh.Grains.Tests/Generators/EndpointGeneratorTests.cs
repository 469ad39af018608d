using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Google.Protobuf;
using Mesh.Api.Model;
using Mesh.Grains.Generators;
using static Mesh.Grains.Tests.Generators.Fixtures;

namespace Mesh.Grains.Tests.Generators;

public class EndpointGeneratorTests
{
    private static IEnumerable<string> Addresses(ClusterLoadAssignment assignment) =>
        assignment.Endpoints.SelectMany(l => l.LbEndpoints).Select(e => e.Endpoint.Address.SocketAddress.Address);

    [Fact]
    public void Build_EdsService_OneAssignmentPerClusterWithSameNames()
    {
        var view = View(Service(ports: [HttpPort, GrpcPort]), rule: Rule(null, Subset("v1", "version=v1")));

        var names = EndpointGenerator.Build(view).Select(a => a.ClusterName);

        Assert.Equal(ClusterGenerator.Build(view).Select(c => c.Name), names);
    }

    [Theory]
    [InlineData(ServiceResolution.Dns)]
    [InlineData(ServiceResolution.DnsRoundRobin)]
    public void Build_DnsService_NoAssignments(ServiceResolution resolution)
    {
        Assert.Empty(EndpointGenerator.Build(View(Service(resolution), [Endpoint("a.example.com")])));
    }

    [Fact]
    public void Build_PassthroughSubset_OnlyThatSubsetHasNoAssignment()
    {
        var view = View(rule: Rule(null, Subset("v1", "version=v1", Policy(Simple(SimpleLoadBalancer.Passthrough))), Subset("v2", "version=v2")));

        var names = EndpointGenerator.Build(view).Select(a => a.ClusterName);

        Assert.Equal([$"outbound|9080||{Host}", $"outbound|9080|v2|{Host}"], names);
    }

    public static TheoryData<string, string, string[]> SubsetFilters => new()
    {
        { "whole service", "", ["10.0.0.1", "10.0.0.2", "10.0.0.3"] },
        { "one label", "version=v1", ["10.0.0.1", "10.0.0.3"] },
        { "all labels required", "version=v1,zone=a", ["10.0.0.3"] },
        { "no endpoint matches", "version=v9", [] },
    };

    [Theory]
    [MemberData(nameof(SubsetFilters))]
    public void Build_Subset_KeepsEndpointsWithAllSubsetLabels(string scenario, string labels, string[] expected)
    {
        MeshEndpoint[] endpoints = [Endpoint("10.0.0.1", "version=v1"), Endpoint("10.0.0.2", "version=v2"), Endpoint("10.0.0.3", "version=v1,zone=a")];
        var view = View(endpoints: endpoints, rule: Rule(null, Subset("s", labels)));

        var assignment = EndpointGenerator.Build(view).Single(a => a.ClusterName == $"outbound|9080|s|{Host}");

        Assert.True(expected.SequenceEqual(Addresses(assignment)), scenario);
    }

    [Fact]
    public void Build_Localities_GroupedWithSummedWeights()
    {
        MeshEndpoint[] endpoints =
        [
            Endpoint("10.0.0.2", locality: "us-east/a", weight: 3),
            Endpoint("10.0.0.1", locality: "us-east/a"),
            Endpoint("10.0.1.1", locality: "eu-west/b/rack1", weight: 5),
            Endpoint("10.0.2.1"),
        ];

        var assignment = Assert.Single(EndpointGenerator.Build(View(endpoints: endpoints)));

        var expected = new ClusterLoadAssignment
        {
            ClusterName = $"outbound|9080||{Host}",
            Endpoints =
            {
                Locality(new Locality(), 1, Lb("10.0.2.1", null)),
                Locality(new Locality { Region = "eu-west", Zone = "b", SubZone = "rack1" }, 5, Lb("10.0.1.1", 5)),
                Locality(new Locality { Region = "us-east", Zone = "a" }, 4, Lb("10.0.0.1", null), Lb("10.0.0.2", 3)),
            },
        };
        Assert.Equal(expected, assignment);
    }

    [Fact]
    public void Build_SameAddressAndPortTwice_ServedOnce()
    {
        // Two ServiceEntry endpoints for one local backend: grpc-js-xds NACKs "address is a duplicate".
        var view = View(endpoints: [Endpoint("127.0.0.1"), Endpoint("127.0.0.1")]);

        var assignment = Assert.Single(EndpointGenerator.Build(view));

        Assert.Equal(["127.0.0.1"], Addresses(assignment));
    }

    [Fact]
    public void Build_DuplicateSockets_KeepsTheFirstInSortOrderWhateverTheInputOrder()
    {
        MeshEndpoint[] endpoints =
        [
            Endpoint("127.0.0.1", locality: "us-east/b", weight: 2),
            Endpoint("127.0.0.1", locality: "us-east/a", weight: 5),
            Endpoint("127.0.0.1", locality: "us-east/a", weight: 3),
            Endpoint("127.0.0.1", locality: "us-east/a", ports: new Dictionary<string, uint> { ["http"] = 9081 }),
            Endpoint("10.0.0.1", locality: "us-east/b"),
        ];

        var forward = Assert.Single(EndpointGenerator.Build(View(endpoints: endpoints)));
        var reversed = Assert.Single(EndpointGenerator.Build(View(endpoints: endpoints.Reverse().ToArray())));

        // Sorted by locality, address, port, weight: 127.0.0.1:9080 is kept from us-east/a with weight 3;
        // another port is another socket, and us-east/b keeps its other address.
        var expected = new ClusterLoadAssignment
        {
            ClusterName = $"outbound|9080||{Host}",
            Endpoints =
            {
                Locality(new Locality { Region = "us-east", Zone = "a" }, 4, Lb("127.0.0.1", 3), Lb("127.0.0.1", null, port: 9081)),
                Locality(new Locality { Region = "us-east", Zone = "b" }, 1, Lb("10.0.0.1", null)),
            },
        };
        Assert.Equal(expected, forward);
        Assert.Equal(expected, reversed);
    }

    private static LocalityLbEndpoints Locality(Locality locality, uint weight, params LbEndpoint[] endpoints) =>
        new() { Locality = locality, LoadBalancingWeight = weight, LbEndpoints = { endpoints } };

    private static LbEndpoint Lb(string address, uint? weight, uint port = 9080, HealthStatus health = HealthStatus.Healthy) => new()
    {
        Endpoint = new Endpoint { Address = new Address { SocketAddress = new SocketAddress { Address = address, PortValue = port } } },
        HealthStatus = health,
        LoadBalancingWeight = weight,
    };

    public static TheoryData<string, ServicePort, IReadOnlyDictionary<string, uint>?, uint> Ports => new()
    {
        { "service port", new ServicePort(80, "HTTP", "http", null), null, 80 },
        { "target port", new ServicePort(80, "HTTP", "http", 8080), null, 8080 },
        { "endpoint's named port wins", new ServicePort(80, "HTTP", "http", 8080), new Dictionary<string, uint> { ["http"] = 9090 }, 9090 },
        { "other names ignored", new ServicePort(80, "HTTP", "http", null), new Dictionary<string, uint> { ["grpc"] = 9090 }, 80 },
    };

    [Theory]
    [MemberData(nameof(Ports))]
    public void Build_EndpointPort_NamedThenTargetThenServicePort(string scenario, ServicePort port, IReadOnlyDictionary<string, uint>? ports, uint expected)
    {
        var view = View(Service(ports: [port]), [Endpoint("10.0.0.1", ports: ports)]);

        var endpoint = Assert.Single(Assert.Single(Assert.Single(EndpointGenerator.Build(view)).Endpoints).LbEndpoints);

        Assert.True(expected == endpoint.Endpoint.Address.SocketAddress.PortValue, scenario);
    }

    [Theory]
    [InlineData(EndpointHealth.Healthy, HealthStatus.Healthy)]
    [InlineData(EndpointHealth.Draining, HealthStatus.Draining)]
    public void Build_Health_MapsToEnvoyStatus(EndpointHealth health, HealthStatus expected)
    {
        var view = View(endpoints: [Endpoint("10.0.0.1", health: health)]);

        var endpoint = Assert.Single(Assert.Single(Assert.Single(EndpointGenerator.Build(view)).Endpoints).LbEndpoints);

        Assert.Equal(expected, endpoint.HealthStatus);
    }

    [Fact]
    public void Build_UnhealthyEndpoint_LeftOut()
    {
        var view = View(endpoints: [Endpoint("10.0.0.1", health: EndpointHealth.Unhealthy), Endpoint("10.0.0.2")]);

        var endpoint = Assert.Single(Assert.Single(Assert.Single(EndpointGenerator.Build(view)).Endpoints).LbEndpoints);

        Assert.Equal("10.0.0.2", endpoint.Endpoint.Address.SocketAddress.Address);
    }

    [Fact]
    public void Build_ShuffledEndpoints_IdenticalBytes()
    {
        MeshEndpoint[] endpoints =
        [
            Endpoint("10.0.0.3", locality: "r/z"), Endpoint("10.0.0.1", locality: "r/y"),
            Endpoint("10.0.0.2", locality: "r/z"), Endpoint("10.0.0.1", locality: "r/z", ports: new Dictionary<string, uint> { ["http"] = 1 }),
        ];

        var forward = Assert.Single(EndpointGenerator.Build(View(endpoints: endpoints))).ToByteArray();
        var reversed = Assert.Single(EndpointGenerator.Build(View(endpoints: endpoints.Reverse().ToArray()))).ToByteArray();

        Assert.Equal(forward, reversed);
    }
}
