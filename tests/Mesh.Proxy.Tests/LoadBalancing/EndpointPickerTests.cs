using Mesh.Proxy.Configuration;
using Mesh.Proxy.Routing;

namespace Mesh.Proxy.Tests.Routing;

public sealed class EndpointPickerTests
{
    private static EndpointSnapshot E(int port, EndpointHealth health = EndpointHealth.Healthy, uint priority = 0) =>
        new("127.0.0.1", port, health, 1, priority, "//");

    [Fact]
    public void Pick_HealthyEndpoints_RoundRobin()
    {
        var picker = new EndpointPicker();
        EndpointSnapshot[] endpoints = [E(1), E(2), E(3)];

        var ports = Enumerable.Range(0, 6).Select(_ => picker.Pick("c", endpoints)!.Port).ToList();

        Assert.Equal([1, 2, 3, 1, 2, 3], ports);
    }

    [Fact]
    public void Pick_UnhealthyAndDraining_NeverChosen()
    {
        var picker = new EndpointPicker();
        EndpointSnapshot[] endpoints = [E(1, EndpointHealth.Unhealthy), E(2, EndpointHealth.Unknown), E(3, EndpointHealth.Draining)];

        Assert.All(Enumerable.Range(0, 10), _ => Assert.Equal(2, picker.Pick("c", endpoints)!.Port));
    }

    [Fact]
    public void Pick_NoRoutableEndpoint_ReturnsNull() =>
        Assert.Null(new EndpointPicker().Pick("c", [E(1, EndpointHealth.Unhealthy)]));

    [Fact]
    public void Pick_PriorityZeroUnhealthy_FailsOverToPriorityOne()
    {
        EndpointSnapshot[] endpoints = [E(1, EndpointHealth.Unhealthy, 0), E(2, EndpointHealth.Healthy, 1)];

        Assert.Equal(2, new EndpointPicker().Pick("c", endpoints)!.Port);
    }

    [Fact]
    public void Pick_RetryAvoidingPrevious_ChoosesAnother()
    {
        var picker = new EndpointPicker();
        EndpointSnapshot[] endpoints = [E(1), E(2)];

        Assert.All(Enumerable.Range(0, 5), _ => Assert.Equal(2, picker.Pick("c", endpoints, avoid: endpoints[0])!.Port));
    }
}
