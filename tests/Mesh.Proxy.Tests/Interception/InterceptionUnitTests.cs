using System.Buffers;
using System.Net;
using System.Text;
using Mesh.Proxy.Interception;

namespace Mesh.Proxy.Tests.Interception;

public sealed class InterceptionUnitTests
{
    [Theory]
    [InlineData("GET / HTTP/1.1\r\n", SniffedProtocol.Http)]
    [InlineData("OPTIONS * HTTP/1.1", SniffedProtocol.Http)]
    [InlineData("PRI * HTTP/2.0\r\n", SniffedProtocol.Http)]
    [InlineData("\u0016\u0003\u0001\u0002", SniffedProtocol.Tcp)]
    [InlineData("GETX", SniffedProtocol.Tcp)]
    [InlineData("hello\n", SniffedProtocol.Tcp)]
    [InlineData("GE", null)]
    [InlineData("OPTIONS", null)]
    [InlineData("", null)]
    public void Classify_FirstBytes_HttpTcpOrUndecided(string head, SniffedProtocol? expected) =>
        Assert.Equal(expected, ProtocolSniffer.Classify(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head))));

    [Fact]
    public void ParseV4_SockaddrIn_PortIsNetworkOrder()
    {
        byte[] sockaddr = [2, 0, 0x23, 0x28, 10, 77, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0];

        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.77.0.11"), 9000), OriginalDestination.ParseV4(sockaddr));
        Assert.Null(OriginalDestination.ParseV4(sockaddr.AsSpan(0, 6)));
    }

    [Fact]
    public void ParseV6_SockaddrIn6_AddressAfterFlowInfo()
    {
        var sockaddr = new byte[28];
        sockaddr[0] = 10;
        sockaddr[2] = 0x1f;
        sockaddr[3] = 0x90;
        IPAddress.Parse("fd00::5").GetAddressBytes().CopyTo(sockaddr, 8);

        Assert.Equal(new IPEndPoint(IPAddress.Parse("fd00::5"), 8080), OriginalDestination.ParseV6(sockaddr));
    }

    [Fact]
    public void Build_Defaults_IstioInitChains()
    {
        var rules = IptablesRules.Build(IptablesOptions.Parse([])).Split('\n');

        Assert.Equal("*nat", rules[0]);
        Assert.Contains("-A MESH_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006", rules);
        Assert.Contains("-A MESH_REDIRECT -p tcp -j REDIRECT --to-ports 15001", rules);
        Assert.Contains("-A MESH_INBOUND -p tcp --dport 15090 -j RETURN", rules);
        Assert.Contains("-A MESH_INBOUND -p tcp --dport 15021 -j RETURN", rules);
        Assert.Contains("-A MESH_OUTPUT -m owner --uid-owner 1337 -j RETURN", rules);
        Assert.Contains("-A MESH_OUTPUT -m owner --gid-owner 1337 -j RETURN", rules);
        // The proxy's exemption comes before the catch-all redirect, or its own upstream connections would loop.
        Assert.True(Array.IndexOf(rules, "-A MESH_OUTPUT -m owner --gid-owner 1337 -j RETURN") < Array.IndexOf(rules, "-A MESH_OUTPUT -p tcp -j MESH_REDIRECT"));
        Assert.Equal("COMMIT", rules[^2]);
    }

    [Fact]
    public void Build_SelectedPortsAndCidrs_OnlyThoseCaptured()
    {
        var options = IptablesOptions.Parse(["--inbound-ports", "8080,9090", "--outbound-cidrs", "10.96.0.0/12",
            "--exclude-outbound-cidrs", "10.96.0.1/32", "--exclude-outbound-ports", "5432", "--proxy-uid", "999"]);
        var rules = IptablesRules.Build(options).Split('\n');

        Assert.Contains("-A MESH_INBOUND -p tcp --dport 8080 -j MESH_IN_REDIRECT", rules);
        Assert.Contains("-A MESH_INBOUND -p tcp --dport 9090 -j MESH_IN_REDIRECT", rules);
        Assert.DoesNotContain("-A MESH_INBOUND -p tcp -j MESH_IN_REDIRECT", rules);
        Assert.Contains("-A MESH_OUTPUT -d 10.96.0.0/12 -p tcp -j MESH_REDIRECT", rules);
        Assert.DoesNotContain("-A MESH_OUTPUT -p tcp -j MESH_REDIRECT", rules);
        Assert.True(Array.IndexOf(rules, "-A MESH_OUTPUT -d 10.96.0.1/32 -j RETURN") < Array.IndexOf(rules, "-A MESH_OUTPUT -d 10.96.0.0/12 -p tcp -j MESH_REDIRECT"));
        Assert.Contains("-A MESH_OUTPUT -p tcp --dport 5432 -j RETURN", rules);
        Assert.Contains("-A MESH_OUTPUT -m owner --uid-owner 999 -j RETURN", rules);
    }

    [Fact]
    public void Build_NoInboundPorts_NoInboundCapture()
    {
        var rules = IptablesRules.Build(IptablesOptions.Parse(["--inbound-ports", ""]));

        Assert.DoesNotContain("-A MESH_INBOUND", rules);
        Assert.DoesNotContain("MESH_IN_REDIRECT\n", rules.Replace("-A MESH_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006\n", ""));
    }

    [Theory]
    [InlineData(new[] { "--outbound-port", "70000" }, "--outbound-port: invalid value \"70000\"")]
    [InlineData(new[] { "--outbound-cidrs", "10.0.0.0/99" }, "--outbound-cidrs: invalid CIDR \"10.0.0.0/99\"")]
    [InlineData(new[] { "--exclude-inbound-ports", "http" }, "--exclude-inbound-ports: invalid port \"http\"")]
    [InlineData(new[] { "--inbound-prots", "*" }, "unknown flag '--inbound-prots'")]
    public void Parse_BadFlag_NamesFlagAndValue(string[] args, string message) =>
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => IptablesOptions.Parse(args)).Message);
}
