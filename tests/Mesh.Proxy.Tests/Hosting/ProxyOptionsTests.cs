using Mesh.Proxy.Hosting;

namespace Mesh.Proxy.Tests.Hosting;

public sealed class ProxyOptionsTests
{
    [Fact]
    public void Parse_NoFlags_IstioDefaultPortsAndDelta()
    {
        var options = ProxyOptions.Parse([], _ => null);

        Assert.Equal((15001, 15006, 15000, 15021), (options.OutboundPort, options.InboundPort, options.AdminPort, options.HealthPort));
        Assert.Equal(["127.0.0.1:15010"], options.XdsAddresses);
        Assert.True(options.UseDelta);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public void Parse_InlineIo_OnUnlessTurnedOff(string? value, bool expected)
    {
        var options = ProxyOptions.Parse(value is null ? [] : ["--inline-io", value], _ => null);

        Assert.Equal(expected, options.InlineIo);
    }

    [Fact]
    public void Parse_InlineIoNotABoolean_FailsNamingTheFlag()
    {
        var error = Assert.Throws<ArgumentException>(() => ProxyOptions.Parse(["--inline-io", "yes"], _ => null));

        Assert.Contains("--inline-io", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_IdentityFlags_BuildIstioNodeIdAndMetadata()
    {
        var options = ProxyOptions.Parse(["--ip", "10.0.0.7", "--pod-name", "reviews-1", "--namespace", "shop", "--labels", "app=reviews,version=v2", "--service-account", "bookinfo"], _ => null);

        var node = options.Identity.ToNode();
        Assert.Equal("sidecar~10.0.0.7~reviews-1.shop~shop.svc.cluster.local", node.Id);
        Assert.Equal("shop", node.Metadata.Fields["NAMESPACE"].StringValue);
        Assert.Equal("bookinfo", node.Metadata.Fields["SERVICE_ACCOUNT"].StringValue);
        Assert.Equal("v2", node.Metadata.Fields["LABELS"].StructValue.Fields["version"].StringValue);
    }

    [Fact]
    public void Parse_NoPodName_HostNameWithAGeneratedSuffixUniquePerProxy()
    {
        var host = Environment.MachineName.ToLowerInvariant();

        var one = ProxyOptions.Parse([], _ => null).Identity;
        var two = ProxyOptions.Parse([], _ => null).Identity;

        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(host)}-[bcdfghjklmnpqrstvwxz2456789]{{5}}$", one.PodName);
        Assert.NotEqual(one.NodeId, two.NodeId);
        Assert.Equal($"sidecar~127.0.0.1~{one.PodName}.default~default.svc.cluster.local", one.NodeId);
        // Metrics name the workload, not the instance: the suffix stays out of them.
        Assert.Equal(host, one.WorkloadName);
    }

    [Fact]
    public void Parse_PodNameFromIstiosEnvironmentVariable_UsedAsIs()
    {
        var identity = ProxyOptions.Parse([], name => name == "POD_NAME" ? "reviews-v1-7f9c-abcde" : null).Identity;

        Assert.Equal("reviews-v1-7f9c-abcde", identity.PodName);
        Assert.Equal("reviews-v1-7f9c-abcde", identity.WorkloadName);
    }

    [Fact]
    public void Parse_PodNameFlag_WinsOverEnvironment()
    {
        var env = new Dictionary<string, string> { ["POD_NAME"] = "from-env", ["MESH_POD_NAME"] = "from-mesh-env" };

        Assert.Equal("from-flag", ProxyOptions.Parse(["--pod-name", "from-flag"], env.GetValueOrDefault).Identity.PodName);
        Assert.Equal("from-mesh-env", ProxyOptions.Parse([], env.GetValueOrDefault).Identity.PodName);
    }

    [Theory]
    [InlineData("us-east/a/rack1", "us-east", "a", "rack1")]
    [InlineData("us-east", "us-east", "", "")]
    public void Parse_Locality_SentAsNodeLocality(string locality, string region, string zone, string subzone)
    {
        var node = ProxyOptions.Parse(["--locality", locality], _ => null).Identity.ToNode();

        Assert.Equal((region, zone, subzone), (node.Locality.Region, node.Locality.Zone, node.Locality.SubZone));
    }

    [Fact]
    public void Parse_NoLocality_NodeWithoutLocality()
    {
        var fromEnv = ProxyOptions.Parse([], name => name == "MESH_LOCALITY" ? "eu/b" : null).Identity.ToNode();

        Assert.Null(ProxyOptions.Parse([], _ => null).Identity.ToNode().Locality);
        Assert.Equal("eu", fromEnv.Locality.Region);
    }

    [Fact]
    public void Parse_EnvironmentVariables_UsedWhenNoFlag()
    {
        var env = new Dictionary<string, string> { ["MESH_XDS_ADDRESS"] = "a:1,b:2", ["MESH_APP_PORT"] = "8080", ["MESH_XDS_PROTOCOL"] = "sotw", ["MESH_PROXY_ID"] = "p1" };

        var options = ProxyOptions.Parse(["--app-port", "9090"], env.GetValueOrDefault);

        Assert.Equal(["a:1", "b:2"], options.XdsAddresses);
        Assert.Equal(9090, options.AppPort);
        Assert.False(options.UseDelta);
        Assert.Equal("p1", options.NodeId);
    }

    [Theory]
    [InlineData("--bogus", "x", "unknown flag '--bogus'")]
    [InlineData("--labels", "novalue", "--labels: invalid label \"novalue\": expected key=value")]
    [InlineData("--xds-protocol", "grpc", "--xds-protocol: invalid value \"grpc\": expected delta or sotw")]
    [InlineData("--locality", "us-east/*", "--locality: invalid value \"us-east/*\": expected region[/zone[/subzone]]")]
    [InlineData("--locality", "a/b/c/d", "--locality: invalid value \"a/b/c/d\": expected region[/zone[/subzone]]")]
    [InlineData("--admin-port", "70000", "--admin-port: invalid value \"70000\": expected a port number")]
    public void Parse_BadFlag_ThrowsWithReason(string flag, string value, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => ProxyOptions.Parse([flag, value], _ => null));

        Assert.Equal(expected, error.Message);
    }
}
