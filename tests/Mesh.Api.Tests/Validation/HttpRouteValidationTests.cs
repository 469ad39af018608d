using Mesh.Api.Tests.Yaml;

namespace Mesh.Api.Tests.Validation;

/// <summary>HTTP route details: matches, retries, faults, redirects, headers. One test per error kind.</summary>
public class HttpRouteValidationTests
{
    private const string Vs = "VirtualService";

    /// <summary>A valid route with extra route-level YAML (indented under the "- " item).</summary>
    private static string With(string routeFields) =>
        "hosts: [r]\nhttp:\n- route:\n  - destination: {host: r}\n" + string.Concat(routeFields.Split('\n').Select(l => "  " + l + "\n"));

    private static string Match(string matchFields) => With("match:\n- " + matchFields);

    [Fact]
    public void Validate_InvalidRegex_ReportsPatternAndCause() =>
        ValidationAssert.Single(Vs, Match("uri: {regex: \"/api/(v1\"}"), "spec.http[0].match[0].uri.regex", "/api/(v1", "invalid regular expression");

    [Theory]
    [InlineData("^(?=admin).*", "lookaround")]
    [InlineData("^(a)\\\\1$", "a backreference")]
    [InlineData("^(?>a+)b", "an atomic group")]
    public void Validate_RegexConstructRe2Rejects_Reported(string pattern, string construct)
    {
        var error = ConfigYaml.OnlyError(Vs, Match($"authority: {{regex: \"{pattern}\"}}"));

        Assert.Equal("spec.http[0].match[0].authority.regex", error.FieldPath);
        Assert.StartsWith($"{construct} is not supported by RE2", error.Message);
    }

    [Fact]
    public void Validate_Re2CompatibleRegex_Accepted() =>
        Assert.Empty(ConfigYaml.Parse(Vs, Match("uri: {regex: \"^/api/[(?=]v[0-9]+\\\\(x\\\\)$\"}")).Errors);

    [Fact]
    public void Validate_UppercaseHeaderMatchName_Reported() =>
        ValidationAssert.Single(Vs, Match("headers:\n    X-User: {exact: a}"), "spec.http[0].match[0].headers.X-User", "X-User", "header names must be lowercase");

    [Fact]
    public void Validate_InvalidHeaderMatchName_Reported() =>
        ValidationAssert.Single(Vs, Match("withoutHeaders:\n    \"x user\": {exact: a}"), "spec.http[0].match[0].withoutHeaders[\"x user\"]", "x user", "not a valid HTTP header name");

    [Fact]
    public void Validate_PseudoHeaderMatch_Accepted() =>
        Assert.Empty(ConfigYaml.Parse(Vs, Match("headers:\n    \":authority\": {exact: a}")).Errors);

    [Fact]
    public void Validate_QueryParamPrefix_Reported() =>
        ValidationAssert.Single(Vs, Match("queryParams:\n    id: {prefix: a}"), "spec.http[0].match[0].queryParams.id.prefix", "a", "only exact and regex");

    [Fact]
    public void Validate_NegativeRetryAttempts_Reported() =>
        ValidationAssert.Single(Vs, With("retries: {attempts: -1}"), "spec.http[0].retries.attempts", "-1", "attempts must not be negative");

    [Fact]
    public void Validate_DurationBelowOneMillisecond_Reported() =>
        ValidationAssert.Single(Vs, With("retries: {attempts: 2, perTryTimeout: 0s}"), "spec.http[0].retries.perTryTimeout", "0s", "duration must be at least 1ms");

    [Fact]
    public void Validate_NegativeDuration_Reported() =>
        ValidationAssert.Single(Vs, With("timeout: -1s"), "spec.http[0].timeout", "-1s", "duration must be at least 1ms");

    [Fact]
    public void Validate_DurationFinerThanMilliseconds_Reported() =>
        ValidationAssert.Single(Vs, With("timeout: 1.5ms"), "spec.http[0].timeout", "1.5ms", "whole number of milliseconds");

    [Fact]
    public void Validate_UnknownRetryCondition_Reported() =>
        ValidationAssert.Single(Vs, With("retries: {attempts: 2, retryOn: \"5xx,sometimes\"}"), "spec.http[0].retries.retryOn", "sometimes", "unknown retry condition");

    [Fact]
    public void Validate_FaultWithoutDelayOrAbort_Reported() =>
        ValidationAssert.Single(Vs, With("fault: {}"), "spec.http[0].fault", null, "fault must set delay, abort, or both");

    [Fact]
    public void Validate_FaultPercentageOutOfRange_Reported() =>
        ValidationAssert.Single(Vs, With("fault:\n  delay: {fixedDelay: 1s, percentage: {value: 150}}"), "spec.http[0].fault.delay.percentage.value", "150", "percentage must be in [0, 100]");

    [Fact]
    public void Validate_AbortHttpStatusOutOfRange_Reported() =>
        ValidationAssert.Single(Vs, With("fault:\n  abort: {httpStatus: 600}"), "spec.http[0].fault.abort.httpStatus", "600", "httpStatus must be in [200, 599]");

    [Fact]
    public void Validate_AbortWithBothStatuses_Reported() =>
        ValidationAssert.Single(Vs, With("fault:\n  abort: {httpStatus: 503, grpcStatus: UNAVAILABLE}"), "spec.http[0].fault.abort", null, "exactly one of httpStatus, grpcStatus");

    [Fact]
    public void Validate_UnknownGrpcStatus_Reported() =>
        ValidationAssert.Single(Vs, With("fault:\n  abort: {grpcStatus: BROKEN}"), "spec.http[0].fault.abort.grpcStatus", "BROKEN", "gRPC status name");

    [Fact]
    public void Validate_MirrorPercentageOutOfRange_Reported() =>
        ValidationAssert.Single(Vs, With("mirror: {host: shadow}\nmirrorPercentage: {value: -1}"), "spec.http[0].mirrorPercentage.value", "-1", "mirrorPercentage must be in [0, 100]");

    [Fact]
    public void Validate_DirectResponseStatusOutOfRange_Reported() =>
        ValidationAssert.Single(Vs, "hosts: [r]\nhttp:\n- directResponse: {status: 99}", "spec.http[0].directResponse.status", "99", "status must be in [200, 599]");

    [Fact]
    public void Validate_RedirectCodeNot3xx_Reported() =>
        ValidationAssert.Single(Vs, "hosts: [r]\nhttp:\n- redirect: {uri: /x, redirectCode: 200}", "spec.http[0].redirect.redirectCode", "200", "redirectCode must be a 3xx status");

    [Fact]
    public void Validate_EmptyRedirect_Reported() =>
        ValidationAssert.Single(Vs, "hosts: [r]\nhttp:\n- redirect: {redirectCode: 302}", "spec.http[0].redirect", null, "redirect must set at least one of");

    [Fact]
    public void Validate_EmptyRewrite_Reported() =>
        ValidationAssert.Single(Vs, With("rewrite: {}"), "spec.http[0].rewrite", null, "rewrite must set uri, authority, or both");

    [Fact]
    public void Validate_PseudoHeaderOperation_Reported() =>
        ValidationAssert.Single(Vs, With("headers:\n  request:\n    set: {\":path\": /x}"), "spec.http[0].headers.request.set[\":path\"]", ":path", "pseudo-headers cannot be");

    [Fact]
    public void Validate_InvalidHeaderOperationName_Reported() =>
        ValidationAssert.Single(Vs, With("headers:\n  response:\n    remove: [\"bad header\"]"), "spec.http[0].headers.response.remove[0]", "bad header", "not a valid HTTP header name");
}
