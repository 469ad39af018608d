namespace Mesh.Api.Tests.Validation;

/// <summary>VirtualService hosts, actions, destinations and weights: one test per error kind.</summary>
public class VirtualServiceValidationTests
{
    private const string Vs = "VirtualService";

    private static string Routes(string destinations) => "hosts: [reviews]\nhttp:\n- route:\n" + destinations;

    [Fact]
    public void Validate_NoHosts_Reported() =>
        ValidationAssert.Single(Vs, "http:\n- route:\n  - destination: {host: r}", "spec.hosts", null, "at least one host is required");

    [Fact]
    public void Validate_InvalidHost_ReportsValue() =>
        ValidationAssert.Single(Vs, "hosts: [reviews, \"bad_host.com\"]\nhttp:\n- route:\n  - destination: {host: r}", "spec.hosts[1]", "bad_host.com", "host label \"bad_host\" is invalid");

    [Fact]
    public void Validate_WildcardInsideHost_Reported() =>
        ValidationAssert.Single(Vs, "hosts: [\"foo.*.com\"]\nhttp:\n- route:\n  - destination: {host: r}", "spec.hosts[0]", "foo.*.com", "host label");

    [Fact]
    public void Validate_InvalidGateway_Reported() =>
        ValidationAssert.Single(Vs, "hosts: [r]\ngateways: [a/b/c]\nhttp:\n- route:\n  - destination: {host: r}", "spec.gateways[0]", "a/b/c", "gateway must be");

    [Fact]
    public void Validate_NoHttpRoutes_Reported() =>
        ValidationAssert.Single(Vs, "hosts: [r]", "spec.http", null, "at least one http route is required");

    [Fact]
    public void Validate_RouteWithoutAction_Reported() =>
        ValidationAssert.Single(Vs, "hosts: [r]\nhttp:\n- name: nothing\n  timeout: 1s", "spec.http[0]", null, "one of route, redirect or directResponse is required");

    [Fact]
    public void Validate_RouteCombinedWithRedirect_Reported() =>
        ValidationAssert.Single(Vs, Routes("  - destination: {host: r}\n  redirect: {uri: /x}"), "spec.http[0]", null, "only one of route, redirect or directResponse may be set");

    [Fact]
    public void Validate_RedirectCombinedWithRewrite_Reported() =>
        ValidationAssert.Single(Vs, "hosts: [r]\nhttp:\n- redirect: {uri: /x}\n  rewrite: {uri: /y}", "spec.http[0].rewrite", null, "rewrite cannot be combined with redirect");

    [Fact]
    public void Validate_WeightOutOfRange_ReportsFieldAndValue()
    {
        // Both weights are out of range though they sum to 100, so only the range rule fires.
        var result = Mesh.Api.Tests.Yaml.ConfigYaml.Parse(
            Vs,
            Routes("  - destination: {host: reviews, subset: v1}\n    weight: 105\n  - destination: {host: reviews, subset: v2}\n    weight: -5"));

        Assert.Empty(result.Objects);
        Assert.Equal(["spec.http[0].route[0].weight", "spec.http[0].route[1].weight"], result.Errors.Select(e => e.FieldPath));
        var error = result.Errors[1];
        Assert.Equal(("-5", "weight must be in [0, 100]", 13), (error.Value, error.Message, error.Line));
    }

    [Fact]
    public void Validate_WeightsNotSummingTo100_ReportsTotal() =>
        ValidationAssert.Single(Vs, Routes("  - destination: {host: reviews, subset: v1}\n    weight: 90\n  - destination: {host: reviews, subset: v2}\n    weight: 20"), "spec.http[0].route", "110", "weights must sum to 100");

    [Fact]
    public void Validate_SeveralDestinationsWithoutWeights_Reported() =>
        ValidationAssert.Single(Vs, Routes("  - destination: {host: reviews, subset: v1}\n  - destination: {host: reviews, subset: v2}"), "spec.http[0].route", "0", "weights must sum to 100");

    [Fact]
    public void Validate_SingleDestinationWithoutWeight_Accepted() =>
        ConfigYamlValid(Routes("  - destination: {host: reviews}"));

    [Fact]
    public void Validate_DestinationWithoutHost_Reported() =>
        ValidationAssert.Single(Vs, Routes("  - destination: {subset: v1}"), "spec.http[0].route[0].destination.host", null, "host is required");

    [Fact]
    public void Validate_DestinationHostStar_Reported() =>
        ValidationAssert.Single(Vs, Routes("  - destination: {host: \"*\"}"), "spec.http[0].route[0].destination.host", "*", "cannot be \"*\"");

    [Fact]
    public void Validate_InvalidDestinationHost_Reported() =>
        ValidationAssert.Single(Vs, Routes("  - destination: {host: \"reviews..svc\"}"), "spec.http[0].route[0].destination.host", "reviews..svc", "empty labels");

    [Fact]
    public void Validate_InvalidDestinationSubset_Reported() =>
        ValidationAssert.Single(Vs, Routes("  - destination: {host: reviews, subset: V1}"), "spec.http[0].route[0].destination.subset", "V1", "DNS-1123 label");

    [Fact]
    public void Validate_DestinationPortOutOfRange_Reported() =>
        ValidationAssert.Single(Vs, Routes("  - destination: {host: reviews, port: {number: 70000}}"), "spec.http[0].route[0].destination.port.number", "70000", "port must be in [1, 65535]");

    [Fact]
    public void Validate_MirrorDestinationChecked_Reported() =>
        ValidationAssert.Single(Vs, Routes("  - destination: {host: reviews}\n  mirror: {host: \"*\"}"), "spec.http[0].mirror.host", "*", "cannot be \"*\"");

    private static void ConfigYamlValid(string spec) =>
        Assert.Empty(Mesh.Api.Tests.Yaml.ConfigYaml.Parse(Vs, spec).Errors);
}
