using Mesh.Api.Tests.Yaml;

namespace Mesh.Api.Tests.Validation;

/// <summary>
/// Route regexes are held to RE2's syntax. Every row below was checked against real RE2 with node
/// and the re2-wasm 1.0.2 in node_modules, both the way grpc-js-xds 1.14.1 compiles a route regex
/// (matcher.js: new RE2(`^${regex}$`, 'u')) and with the RE2 parser under it (WrappedRE2, without
/// re2-wasm's JavaScript-to-RE2 rewriting), which is what Envoy runs. Accepted means both accept.
/// </summary>
public class RegexValidationTests
{
    private const string Vs = "VirtualService";
    private const string RegexPath = "spec.http[0].match[0].headers.x-user.regex";

    /// <summary>A route matching header x-user against the regex (YAML single quotes: backslashes are literal).</summary>
    private static string HeaderRegex(string regex) =>
        $"hosts: [r]\nhttp:\n- match:\n  - headers:\n      x-user: {{regex: '{regex.Replace("'", "''")}'}}\n  route:\n  - destination: {{host: r}}\n";

    public static TheoryData<string> Re2Accepts => new()
    {
        @"u[0-9]{1000}",
        @"(?:a{10}){100}",      // nested counts multiply to exactly 1000
        @"\A/api/v[0-9]+\z",
        @"\x41\x{1F600}\012",   // hex, braced hex, octal
        @"\p{L}+\pN\p{Greek}\P{Han}\p{^Lu}",
        @"(?P<user>[a-z]+)-(?<id>\d+)",
        @"(?:a|b)+?",
        @"(?i:abc)(?-i)d",
        @"(?U)a+(?s-m:.)",
        @"[[:alpha:]_-]+[[:^digit:]]",
        @"\d\D\w\W\s\S\b\B",
        @"[\d-z]",              // after a class, "-" is a literal
        @"[]a]",                // "]" first in a class is a literal
        @"\Q.*+?\E$",
        @"a{2,5}?b{3,}",
        @"a{,5}",               // not a repeat in RE2: literal text
        @"\.\-\_\ \%",          // escaped ASCII punctuation
    };

    public static TheoryData<string, string> Re2Refuses => new()
    {
        { @"u[0-9]{1001}", "a repeat count over 1000" },
        { @"(?:a{10}){101}", "nesting repeat counts to over 1000" },
        { @"u[0-9]+\Z", @"the escape \Z" },
        { @"\Gx", @"the escape \G" },
        { @"\e", @"the escape \e" },
        { @"\h", @"the escape \h" },
        { @"\R", @"the escape \R" },
        { @"a\Kb", @"the escape \K" },
        // re2-wasm rewrites \cA and \u0041 before RE2 sees them, so grpc-js-xds takes them; RE2 itself (Envoy) refuses both.
        { @"\cA", @"the escape \c" },
        { @"\u0041", @"the escape \u" },
        { @"(?<n>a)\k<n>", "a backreference" },
        { @"(a)\1", "a backreference" },
        { @"(?'n'a)", "a named group written (?'name'…)" },
        { @"(?<a-b>x)", "a balancing group" },
        { @"(?(1)a|b)", "a conditional" },
        { @"(?#note)a", "a comment group" },
        { @"(?x)a b", "the inline flag 'x'" },
        { @"(?n)(a)", "the inline flag 'n'" },
        { @"\p{IsGreek}", @"the Unicode class \p{IsGreek}" },
        { @"[[:letter:]]", "the character class [:letter:]" },
        { @"(?=a)b", "lookaround" },
        { @"(?<!a)b", "lookaround" },
        { @"(?>a+)b", "an atomic group" },
        { @"a++", "a possessive quantifier" },
        { @"a{2}+", "a possessive quantifier" },
        { @"(?P<n>a)(?P<n>b)", "duplicate capture group name" },
        { @"a**", "a repeat cannot follow a repeat" },
        // "*a" and "a\" pass in grpc-js-xds only because it wraps them (^*a$, ^a\$); Envoy gets them bare.
        { @"*a", "nothing to repeat" },
        { @"[z-a]", "backwards character range" },
        { @"a{2,1}", "the maximum is below the minimum" },
        { @"(a", "missing )" },
        { @"a\", @"trailing \" },
    };

    [Theory]
    [MemberData(nameof(Re2Accepts))]
    public void Validate_RegexRe2Accepts_NoError(string regex) =>
        Assert.Empty(ConfigYaml.Parse(Vs, HeaderRegex(regex)).Errors);

    [Theory]
    [MemberData(nameof(Re2Refuses))]
    public void Validate_RegexRe2Refuses_ReportsPathValueAndConstruct(string regex, string construct) =>
        ValidationAssert.Single(Vs, HeaderRegex(regex), RegexPath, regex, construct);

    [Fact]
    public void Validate_EmptyRegex_Reported() =>
        ValidationAssert.Single(Vs, HeaderRegex(""), RegexPath, "", "regex must not be empty");

    [Fact]
    public void Validate_RegexOverIstiosLengthCap_Reported()
    {
        var regex = new string('a', 1025);

        ValidationAssert.Single(Vs, HeaderRegex(regex), RegexPath, regex, "at most 1024");
    }

    [Fact]
    public void Validate_RegexAtTheLengthCap_Accepted() =>
        Assert.Empty(ConfigYaml.Parse(Vs, HeaderRegex(new string('a', 1024))).Errors);
}
