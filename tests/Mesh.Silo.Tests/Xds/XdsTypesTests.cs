using Mesh.Api.Xds;
using Mesh.Silo.Xds;

namespace Mesh.Silo.Tests.Xds;

public sealed class XdsTypesTests
{
    [Theory]
    [InlineData("0.0.0.0_8080", true)]
    [InlineData("10.96.0.7_5432", true)]
    [InlineData("fd00::7_5432", true)]
    [InlineData("echo.mesh.local:8080", false)]
    [InlineData("reviews_v2", false)]
    [InlineData("x_", false)]
    public void InWildcard_Listener_SidecarListenersOnly(string name, bool expected) =>
        Assert.Equal(expected, XdsTypes.InWildcard(ResourceTypes.Listener, name));

    [Fact]
    public void InWildcard_OtherTypes_Everything() =>
        Assert.True(XdsTypes.InWildcard(ResourceTypes.Cluster, "echo.mesh.local:8080"));
}
