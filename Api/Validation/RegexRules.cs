namespace Mesh.Api.Validation;

/// <summary>
/// Every client we serve runs route regexes on RE2: Envoy NACKs a pattern RE2 refuses, and
/// grpc-js-xds compiles it (re2-wasm) only when it applies the route table, where a refusal kills
/// the client instead of NACKing. So a pattern is held to RE2's syntax, not .NET's (Re2Syntax).
/// </summary>
internal static class RegexRules
{
    /// <summary>Istio's cap; it also keeps patterns clear of re2-wasm's 16 MB program limit in grpc-js-xds.</summary>
    public const int MaxLength = 1024;

    public static string? Problem(string pattern) => pattern.Length switch
    {
        // Envoy's RegexMatcher requires a non-empty regex (min_len 1), and Istio rejects it too.
        0 => "regex must not be empty",
        > MaxLength => $"regex is {pattern.Length} characters long; at most {MaxLength} are allowed",
        _ => Re2Syntax.Problem(pattern),
    };
}
