using Envoy.Config.Core.V3;
using Mesh.Api.Model;

namespace Mesh.Grains.Generators;

/// <summary>Istio header manipulation as Envoy header lists (Istio's TranslateHeadersOperations).</summary>
internal sealed record EnvoyHeaderOperations(
    IReadOnlyList<HeaderValueOption> RequestToAdd,
    IReadOnlyList<string> RequestToRemove,
    IReadOnlyList<HeaderValueOption> ResponseToAdd,
    IReadOnlyList<string> ResponseToRemove,
    string? Authority)
{
    public static EnvoyHeaderOperations Translate(Headers? headers)
    {
        var request = headers?.Request;
        var response = headers?.Response;
        // "set" wins over "add" for the authority, which Envoy rewrites through host_rewrite, not a header.
        var authority = AuthorityOf(request?.Set) ?? AuthorityOf(request?.Add);
        return new(
            Options(request).ToList(),
            (request?.Remove ?? []).Where(h => !IsInternal(h)).ToList(),
            Options(response).ToList(),
            (response?.Remove ?? []).Where(h => !IsInternal(h)).ToList(),
            authority);
    }

    private static IEnumerable<HeaderValueOption> Options(HeaderOperations? operations)
    {
        if (operations is null) return [];
        return Append(operations.Set, HeaderValueOption.Types.HeaderAppendAction.OverwriteIfExistsOrAdd)
            .Concat(Append(operations.Add, HeaderValueOption.Types.HeaderAppendAction.AppendIfExistsOrAdd));
    }

    private static IEnumerable<HeaderValueOption> Append(IReadOnlyDictionary<string, string> headers, HeaderValueOption.Types.HeaderAppendAction action) =>
        headers.Where(h => !IsInternal(h.Key))
            .OrderBy(h => h.Key, StringComparer.Ordinal)
            .Select(h => new HeaderValueOption { Header = new HeaderValue { Key = h.Key, Value = h.Value }, AppendAction = action });

    private static string? AuthorityOf(IReadOnlyDictionary<string, string>? headers) =>
        headers?.Where(h => h.Key.Equals(":authority", StringComparison.OrdinalIgnoreCase) || h.Key.Equals("host", StringComparison.OrdinalIgnoreCase))
            .OrderBy(h => h.Key, StringComparer.Ordinal)
            .Select(h => h.Value)
            .LastOrDefault();

    // Pseudo-headers and Host cannot be edited as headers; Envoy rejects such header options.
    private static bool IsInternal(string name) =>
        name.StartsWith(':') || name.Equals("host", StringComparison.OrdinalIgnoreCase);
}
