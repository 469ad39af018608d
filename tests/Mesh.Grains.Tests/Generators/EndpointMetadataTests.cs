using Envoy.Config.Endpoint.V3;
using Google.Protobuf;
using Mesh.Api.Model;
using Mesh.Grains.Generators;
using static Mesh.Grains.Tests.Generators.Fixtures;

namespace Mesh.Grains.Tests.Generators;

public class EndpointMetadataTests
{
    public static TheoryData<string, MeshEndpoint, string> Encodings => new()
    {
        { "workload entry: app and version", Endpoint("10.0.0.1", "app=reviews,version=v2") with { WorkloadName = "reviews-vm-1" }, "reviews-vm-1;default;reviews;v2;" },
        { "canonical labels win", Endpoint("10.0.0.1", "app=reviews,version=v2,service.istio.io/canonical-name=rev,service.istio.io/canonical-revision=r7") with { WorkloadName = "w" }, "w;default;rev;r7;" },
        { "app.kubernetes.io labels before app/version", Endpoint("10.0.0.1", "app=a,version=v,app.kubernetes.io/name=k,app.kubernetes.io/version=kv") with { WorkloadName = "w" }, "w;default;k;kv;" },
        { "no labels: workload name, revision left out", Endpoint("10.0.0.1") with { WorkloadName = "reviews-vm-1" }, "reviews-vm-1;default;reviews-vm-1;;" },
        { "revision latest is left out", Endpoint("10.0.0.1", "app=reviews,version=latest") with { WorkloadName = "w" }, "w;default;reviews;;" },
        { "inline endpoint: no workload, no namespace", Endpoint("10.0.0.1", "app=reviews,version=v1"), ";;reviews;v1;" },
        { "cluster from Istio's topology label", Endpoint("10.0.0.1", "app=reviews,topology.istio.io/cluster=east") with { WorkloadName = "w" }, "w;default;reviews;;east" },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Encode_Endpoint_IstiodFormat(string _, MeshEndpoint endpoint, string expected) =>
        Assert.Equal(expected, EndpointMetadata.Encode(endpoint, Service()));

    [Fact]
    public void Build_LabelledEndpoint_CarriesIstioWorkloadMetadata()
    {
        var view = View(endpoints: [Endpoint("10.0.0.1", "app=reviews,version=v2") with { WorkloadName = "reviews-v2" }]);

        var endpoint = Assert.Single(Assert.Single(Assert.Single(EndpointGenerator.Build(view)).Endpoints).LbEndpoints);

        var istio = endpoint.Metadata.FilterMetadata["istio"];
        Assert.Equal("reviews-v2;default;reviews;v2;", istio.Fields["workload"].StringValue);
        Assert.Single(endpoint.Metadata.FilterMetadata);
    }

    [Fact]
    public void Build_EndpointWithNothingToSay_NoMetadata()
    {
        var endpoint = Assert.Single(Assert.Single(Assert.Single(EndpointGenerator.Build(View(endpoints: [Endpoint("10.0.0.1")]))).Endpoints).LbEndpoints);

        Assert.Null(endpoint.Metadata);
    }

    [Fact]
    public void Build_SameEndpointsAnyOrder_ByteIdenticalAssignments()
    {
        MeshEndpoint[] endpoints =
        [
            Endpoint("10.0.0.2", "app=reviews,version=v2") with { WorkloadName = "reviews-v2" },
            Endpoint("10.0.0.1", "app=reviews,version=v1") with { WorkloadName = "reviews-v1" },
            // One socket reported twice with different workloads: the kept one is chosen by sort order.
            Endpoint("10.0.0.3", "app=ratings") with { WorkloadName = "b" },
            Endpoint("10.0.0.3", "app=ratings") with { WorkloadName = "a" },
        ];

        var forward = Assert.Single(EndpointGenerator.Build(View(endpoints: endpoints))).ToByteArray();
        var reversed = Assert.Single(EndpointGenerator.Build(View(endpoints: endpoints.Reverse().ToArray()))).ToByteArray();
        var again = Assert.Single(EndpointGenerator.Build(View(endpoints: endpoints))).ToByteArray();

        // The content version is a hash of these bytes: equal bytes, equal versions, no spurious pushes.
        Assert.Equal(forward, reversed);
        Assert.Equal(forward, again);
        var kept = ClusterLoadAssignment.Parser.ParseFrom(forward).Endpoints.SelectMany(l => l.LbEndpoints)
            .Single(e => e.Endpoint.Address.SocketAddress.Address == "10.0.0.3");
        Assert.Equal("a;default;ratings;;", kept.Metadata.FilterMetadata["istio"].Fields["workload"].StringValue);
    }
}
