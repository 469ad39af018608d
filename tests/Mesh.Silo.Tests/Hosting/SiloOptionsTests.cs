using Mesh.Silo.Hosting;

namespace Mesh.Silo.Tests.Hosting;

public sealed class SiloOptionsTests
{
    private static SiloOptions Parse(params string[] args) => SiloOptions.Parse(args, _ => null);

    [Fact]
    public void Parse_BootstrapKeyFile_FullPathElseNull()
    {
        Assert.Null(Parse().BootstrapKeyFile);
        Assert.Equal(Path.GetFullPath("secrets/bootstrap.key"), Parse("--bootstrap-key-file", "secrets/bootstrap.key").BootstrapKeyFile);
    }

    [Fact]
    public void Parse_Kubeconfig_ReadsTheClustersCrdsByDefault()
    {
        Assert.True(Parse("--kubeconfig", "in-cluster").Kubernetes!.ConfigCrds);
    }

    [Fact]
    public void Parse_KubeConfigCrdsFalse_TurnsTheCrdSourceOff()
    {
        Assert.False(Parse("--kubeconfig", "in-cluster", "--kube-config-crds=false").Kubernetes!.ConfigCrds);
    }

    [Fact]
    public void Parse_KubeConfigCrdsWithoutKubeconfig_IsAcceptedAndRunsNoKubernetes()
    {
        Assert.Null(Parse("--kube-config-crds", "false").Kubernetes);
    }

    [Fact]
    public void Parse_KubeConfigCrdsNotABoolean_FailsNamingTheFlag()
    {
        var error = Assert.Throws<ArgumentException>(() => Parse("--kubeconfig", "in-cluster", "--kube-config-crds", "maybe"));
        Assert.Equal("--kube-config-crds: invalid value \"maybe\": expected true or false", error.Message);
    }

    [Fact]
    public void Parse_PrimarySiloPortFlag_IsReadAsGiven()
    {
        Assert.Equal(11111, Parse("--primary-silo-port", "11111").PrimarySiloPort);
        Assert.Null(Parse().PrimarySiloPort);
    }

    [Fact]
    public void Parse_PrimarySiloPortNotANumber_FailsNamingTheFlag()
    {
        var error = Assert.Throws<ArgumentException>(() => Parse("--primary-silo-port", "x"));
        Assert.Equal("--primary-silo-port: invalid value \"x\": expected a port number", error.Message);
    }

    [Fact]
    public void Parse_NoClustering_IsLocalhost()
    {
        Assert.Equal(ClusteringMode.Localhost, Parse().Clustering);
    }

    [Fact]
    public void Parse_RedisClustering_TakesTheServerAndSiloAddress()
    {
        var options = Parse("--clustering", "redis", "--redis", "127.0.0.1:6390", "--silo-address", "10.1.2.3");
        Assert.Equal(ClusteringMode.Redis, options.Clustering);
        Assert.Equal("127.0.0.1:6390", options.Redis);
        Assert.Equal(System.Net.IPAddress.Parse("10.1.2.3"), options.SiloAddress);
    }

    [Fact]
    public void Parse_ClusteringFromEnvironment_IsUsed()
    {
        var options = SiloOptions.Parse([], name => name switch { "MESH_CLUSTERING" => "redis", "MESH_REDIS" => "redis:6379", _ => null });
        Assert.Equal(ClusteringMode.Redis, options.Clustering);
        Assert.Equal("redis:6379", options.Redis);
    }

    [Fact]
    public void Parse_RedisClusteringWithoutServer_FailsNamingTheFlag()
    {
        var error = Assert.Throws<ArgumentException>(() => Parse("--clustering", "redis"));
        Assert.Contains("--redis", error.Message);
    }

    [Fact]
    public void Parse_UnknownClustering_FailsListingTheChoices()
    {
        var error = Assert.Throws<ArgumentException>(() => Parse("--clustering", "zookeeper"));
        Assert.Equal("--clustering: invalid value \"zookeeper\": expected localhost, redis or kubernetes", error.Message);
    }

    [Fact]
    public void Parse_KubernetesClusteringWithoutKubeconfig_FailsNamingTheFlag()
    {
        var error = Assert.Throws<ArgumentException>(() => Parse("--clustering", "kubernetes"));
        Assert.Contains("--kubeconfig", error.Message);
    }

    [Fact]
    public void Parse_PrimarySiloPortWithRedis_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => Parse("--clustering", "redis", "--redis", "r:1", "--primary-silo-port", "11111"));
        Assert.Contains("localhost clustering", error.Message);
    }

    [Fact]
    public void Parse_SiloAddressNotAnIp_FailsNamingTheFlag()
    {
        var error = Assert.Throws<ArgumentException>(() => Parse("--silo-address", "silo.local"));
        Assert.Equal("--silo-address: invalid value \"silo.local\": expected an IP address", error.Message);
    }

    [Fact]
    public void Parse_NoStreamFlags_IstioLikeDefaults()
    {
        var options = Parse();

        Assert.Equal(10_000, options.StreamLimits.MaxNamesPerType);
        Assert.Equal(TimeSpan.FromSeconds(10), options.StreamLimits.FirstRequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.StreamLimits.WriteTimeout);
        Assert.Equal(100, options.StreamLimits.RequestRate);
        Assert.Equal(200, options.StreamLimits.RequestBurst);
        Assert.Equal(TimeSpan.FromSeconds(10), options.StreamLimits.DrainPeriod);
        Assert.Equal(10_000, options.MaxConnections);
        Assert.Equal(100, options.MaxStreamsPerConnection);
        Assert.Equal(100, options.PushThrottle);
        Assert.Equal(100, options.ConnectionRate);
        Assert.Equal(500, options.ConnectionBurst);
    }

    [Fact]
    public void Parse_StreamFlags_SetTheLimits()
    {
        var options = Parse("--max-names-per-type", "50", "--first-request-timeout-ms", "250", "--write-timeout-ms", "1500",
            "--request-rate", "2.5", "--request-burst", "7", "--drain-period-ms", "0", "--max-connections", "9",
            "--max-streams-per-connection", "3", "--push-throttle", "4", "--connection-rate", "0.5", "--connection-burst", "6");

        Assert.Equal(50, options.StreamLimits.MaxNamesPerType);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.StreamLimits.FirstRequestTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.StreamLimits.WriteTimeout);
        Assert.Equal(2.5, options.StreamLimits.RequestRate);
        Assert.Equal(7, options.StreamLimits.RequestBurst);
        Assert.Equal(TimeSpan.Zero, options.StreamLimits.DrainPeriod);
        Assert.Equal(9, options.MaxConnections);
        Assert.Equal(3, options.MaxStreamsPerConnection);
        Assert.Equal(4, options.PushThrottle);
        Assert.Equal(0.5, options.ConnectionRate);
        Assert.Equal(6, options.ConnectionBurst);
    }

    [Fact]
    public void Parse_StreamLimitFromEnvironment_IsUsed()
    {
        var options = SiloOptions.Parse([], name => name == "MESH_PUSH_THROTTLE" ? "12" : null);

        Assert.Equal(12, options.PushThrottle);
    }

    [Theory]
    [InlineData("--max-names-per-type", "0", "--max-names-per-type: invalid value \"0\": expected a positive whole number")]
    [InlineData("--push-throttle", "many", "--push-throttle: invalid value \"many\": expected a positive whole number")]
    [InlineData("--first-request-timeout-ms", "0", "--first-request-timeout-ms: invalid value \"0\": expected milliseconds above 0")]
    [InlineData("--connection-rate", "-1", "--connection-rate: invalid value \"-1\": expected a positive number per second")]
    [InlineData("--drain-period-ms", "soon", "--drain-period-ms: invalid value \"soon\": expected milliseconds")]
    public void Parse_InvalidStreamLimit_FailsNamingTheFlag(string flag, string value, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => Parse(flag, value));

        Assert.Equal(message, error.Message);
    }
}
