using Mesh.Proxy.Routing;

namespace Mesh.Proxy.Tests.Routing;

public sealed class RequestMirrorTests
{
    [Theory]
    [InlineData("echo.mesh.local:8080", "echo.mesh.local-shadow:8080")] // before the port, as Envoy since #2600
    [InlineData("echo.mesh.local", "echo.mesh.local-shadow")]
    [InlineData("echo:80", "echo-shadow:80")]
    public void ShadowHost_Authority_SuffixOnTheHostPart(string host, string expected) =>
        Assert.Equal(expected, RequestMirror.ShadowHost(host));
}
