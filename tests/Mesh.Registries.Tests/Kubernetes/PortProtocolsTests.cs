using Mesh.Registries.Kubernetes;

namespace Mesh.Registries.Tests.Kubernetes;

public sealed class PortProtocolsTests
{
    [Theory]
    [InlineData("http", null, "TCP", "HTTP")]
    [InlineData("http-api", null, "TCP", "HTTP")]
    [InlineData("HTTP2-x", null, "TCP", "HTTP2")]
    [InlineData("grpc", null, "TCP", "GRPC")]
    [InlineData("grpc-web", null, "TCP", "GRPC-WEB")]
    [InlineData("grpc-web-public", null, "TCP", "GRPC-WEB")]
    [InlineData("https", null, "TCP", "HTTPS")]
    [InlineData("tls-db", null, "TCP", "TLS")]
    [InlineData("tcp-db", null, "TCP", "TCP")]
    [InlineData("mongo", null, "TCP", "MONGO")]
    [InlineData("redis-cache", null, "TCP", "REDIS")]
    [InlineData("mysql", null, "TCP", "MYSQL")]
    [InlineData("web", null, "TCP", "TCP")]
    [InlineData(null, null, "TCP", "TCP")]
    [InlineData("web", "http", "TCP", "HTTP")]
    [InlineData("http", "grpc", "TCP", "GRPC")]
    [InlineData("web", "kubernetes.io/h2c", "TCP", "HTTP2")]
    [InlineData("http", null, "UDP", null)]
    [InlineData("http", null, "SCTP", null)]
    public void Of_NameAppProtocolAndTransport_FollowsIstio(string? name, string? appProtocol, string transport, string? expected) =>
        Assert.Equal(expected, PortProtocols.Of(KubeObjects.Port(name, 80, appProtocol: appProtocol, protocol: transport)));
}
