using Mesh.Api.Model;
using Mesh.Api.Tests.Yaml;
using Mesh.Api.Validation;

namespace Mesh.Api.Tests.Validation;

/// <summary>DestinationRule host, subsets and traffic policy: one test per error kind.</summary>
public class DestinationRuleValidationTests
{
    private const string Dr = "DestinationRule";

    private static string Policy(string policy) =>
        "host: reviews\ntrafficPolicy:\n" + string.Concat(policy.Split('\n').Select(l => "  " + l + "\n"));

    [Fact]
    public void Validate_EmptyHost_Reported() =>
        ValidationAssert.Single(Dr, "host: \"\"", "spec.host", null, "host is required");

    [Fact]
    public void Validate_InvalidHost_Reported() =>
        ValidationAssert.Single(Dr, "host: \"reviews.-bad\"", "spec.host", "reviews.-bad", "host label \"-bad\" is invalid");

    [Fact]
    public void Validate_DuplicateSubsetName_Reported() =>
        ValidationAssert.Single(Dr, "host: r\nsubsets:\n- name: v1\n  labels: {version: v1}\n- name: v1\n  labels: {version: v2}", "spec.subsets[1].name", "v1", "already defined");

    [Fact]
    public void Validate_SubsetNameNotDns1123Label_Reported() =>
        ValidationAssert.Single(Dr, "host: r\nsubsets:\n- name: V1.0", "spec.subsets[0].name", "V1.0", "DNS-1123 labels");

    [Fact]
    public void Validate_SubsetWithEmptyName_Reported()
    {
        var meta = new ConfigMeta("DestinationRule", "networking.istio.io/v1", "r", "default", new Dictionary<string, string>());
        var dr = new DestinationRule(meta, new DestinationRuleSpec("r", null, [new Subset("", new Dictionary<string, string>(), null)], []));

        var error = Assert.Single(ConfigValidator.Validate(dr));

        Assert.Equal(("spec.subsets[0].name", "name is required"), (error.FieldPath, error.Message));
    }

    [Fact]
    public void Validate_MaxEjectionPercentOutOfRange_Reported() =>
        ValidationAssert.Single(Dr, Policy("outlierDetection: {maxEjectionPercent: 120}"), "spec.trafficPolicy.outlierDetection.maxEjectionPercent", "120", "percentage in [0, 100]");

    [Fact]
    public void Validate_NegativeConsecutiveErrors_Reported() =>
        ValidationAssert.Single(Dr, Policy("outlierDetection: {consecutive5xxErrors: -1}"), "spec.trafficPolicy.outlierDetection.consecutive5xxErrors", "-1", "must not be negative");

    [Theory]
    [InlineData("{httpHeaderName: x-user, useSourceIp: true}")]
    [InlineData("{minimumRingSize: 1024}")]
    public void Validate_ConsistentHashWithoutExactlyOneKey_Reported(string hash) =>
        ValidationAssert.Single(Dr, Policy($"loadBalancer:\n  consistentHash: {hash}"), "spec.trafficPolicy.loadBalancer.consistentHash", null, "exactly one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName");

    [Fact]
    public void Validate_MinimumRingSizeOverEnvoyLimit_Reported() =>
        ValidationAssert.Single(Dr, Policy("loadBalancer:\n  consistentHash: {httpHeaderName: x-user, minimumRingSize: 8388609}"), "spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize", "8388609", "must be at most 8388608");

    [Fact]
    public void Validate_MinimumRingSizeAtEnvoyLimit_Accepted() =>
        Assert.Empty(ConfigYaml.Parse(Dr, Policy("loadBalancer:\n  consistentHash: {httpHeaderName: x-user, minimumRingSize: 8388608}")).Errors);

    [Fact]
    public void Validate_SimpleAndConsistentHash_Reported() =>
        ValidationAssert.Single(Dr, Policy("loadBalancer:\n  simple: RANDOM\n  consistentHash: {useSourceIp: true}"), "spec.trafficPolicy.loadBalancer", null, "only one of simple, consistentHash");

    private static string Locality(string setting) => Policy("loadBalancer:\n  localityLbSetting:\n" + string.Concat(setting.Split('\n').Select(l => "    " + l + "\n")).TrimEnd('\n'));

    private const string LocalityPath = "spec.trafficPolicy.loadBalancer.localityLbSetting";

    [Fact]
    public void Validate_LocalityDistributeAndFailover_Accepted() =>
        Assert.Empty(ConfigYaml.Parse(Dr, Locality("distribute:\n- from: us-east/*\n  to: {us-east/a/*: 80, us-west/*: 20}")).Errors);

    [Fact]
    public void Validate_LocalityDistributeWeightsNot100_Reported() =>
        ValidationAssert.Single(Dr, Locality("distribute:\n- from: us-east/a\n  to: {us-east/a: 70, us-west: 20}"), $"{LocalityPath}.distribute[0].to", "90", "total locality weight 90 != 100");

    [Fact]
    public void Validate_LocalityDistributeWeightZero_Reported() =>
        Assert.Contains(ConfigYaml.Parse(Dr, Locality("distribute:\n- from: us-east/a\n  to: {us-east/a: 100, us-west: 0}")).Errors,
            e => e.Message == "locality weight must be in range [1, 100]");

    [Theory]
    [InlineData("us-east/*/a")]
    [InlineData("*/*")]
    public void Validate_LocalityWildcardNotLast_Reported(string from) =>
        ValidationAssert.Single(Dr, Locality($"distribute:\n- from: \"{from}\"\n  to: {{us-east: 100}}"), $"{LocalityPath}.distribute", from, "wildcard '*' number can not exceed 1 and must be in the end");

    [Fact]
    public void Validate_LocalityDistributeFromOverlapping_Reported() =>
        ValidationAssert.Single(Dr, Locality("distribute:\n- from: us-east/*\n  to: {us-east: 100}\n- from: us-east/a\n  to: {us-east: 100}"), $"{LocalityPath}.distribute", "us-east/a", "overlap with previous specified ones");

    [Fact]
    public void Validate_LocalityFailoverSameRegion_Reported() =>
        ValidationAssert.Single(Dr, Locality("failover:\n- {from: us-east, to: us-east}"), $"{LocalityPath}.failover[0]", "us-east", "must specify different regions");

    [Fact]
    public void Validate_LocalityFailoverZone_Reported() =>
        ValidationAssert.Single(Dr, Locality("failover:\n- {from: us-east/a, to: us-west}"), $"{LocalityPath}.failover[0]", "us-east/a -> us-west", "only specify region");

    [Fact]
    public void Validate_LocalityDistributeWithFailover_Reported() =>
        ValidationAssert.Single(Dr, Locality("distribute:\n- from: us-east\n  to: {us-west: 100}\nfailover:\n- {from: us-east, to: us-west}"), LocalityPath, null, "can not simultaneously specify 'distribute' and 'failover'");

    [Fact]
    public void Validate_LocalityFailoverWithTopologyPriority_Reported() =>
        ValidationAssert.Single(Dr, Locality("failover:\n- {from: us-east, to: us-west}\nfailoverPriority: [topology.kubernetes.io/region]"), $"{LocalityPath}.failoverPriority", "topology.kubernetes.io/region", "can not simultaneously set 'failover' and topology label");

    [Fact]
    public void Validate_CookieWithoutName_Reported()
    {
        var meta = new ConfigMeta("DestinationRule", "networking.istio.io/v1", "r", "default", new Dictionary<string, string>());
        var hash = new ConsistentHashSettings(null, new HttpCookie("", null, null), false, null, null);
        var policy = new TrafficPolicy(new LoadBalancerSettings(null, hash), null, null, null, []);
        var dr = new DestinationRule(meta, new DestinationRuleSpec("r", policy, [], []));

        var error = Assert.Single(ConfigValidator.Validate(dr));

        Assert.Equal(("spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.name", "name is required"), (error.FieldPath, error.Message));
    }

    [Fact]
    public void Validate_ConnectionPoolNumberNotPositive_Reported() =>
        ValidationAssert.Single(Dr, Policy("connectionPool:\n  http: {http2MaxRequests: 0}"), "spec.trafficPolicy.connectionPool.http.http2MaxRequests", "0", "must be greater than 0");

    [Fact]
    public void Validate_ConnectionPoolTimeoutTooShort_Reported() =>
        ValidationAssert.Single(Dr, Policy("connectionPool:\n  tcp: {connectTimeout: 0s}"), "spec.trafficPolicy.connectionPool.tcp.connectTimeout", "0s", "at least 1ms");

    [Fact]
    public void Validate_PortLevelSettingsDuplicatePort_Reported() =>
        ValidationAssert.Single(Dr, Policy("portLevelSettings:\n- port: {number: 80}\n- port: {number: 80}"), "spec.trafficPolicy.portLevelSettings[1].port.number", "80", "already has settings");

    [Fact]
    public void Validate_SubsetTrafficPolicyChecked_Reported() =>
        ValidationAssert.Single(Dr, "host: r\nsubsets:\n- name: v1\n  trafficPolicy:\n    connectionPool:\n      tcp: {maxConnections: -3}", "spec.subsets[0].trafficPolicy.connectionPool.tcp.maxConnections", "-3", "must be greater than 0");
}
