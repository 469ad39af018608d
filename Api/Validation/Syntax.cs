using System.Globalization;
using System.Text.RegularExpressions;

namespace Mesh.Api.Validation;

/// <summary>The lexical rules of Kubernetes and Istio names: DNS-1123, hosts, IPs, labels, headers.</summary>
internal static partial class Syntax
{
    public const string UnixPrefix = "unix://";

    public static bool IsDns1123Label(string value) => value.Length is > 0 and <= 63 && Dns1123Label().IsMatch(value);

    public static bool IsDns1123Subdomain(string value) =>
        value.Length is > 0 and <= 253 && value.Split('.').All(Dns1123Label().IsMatch);

    /// <summary>
    /// Istio's ValidateWildcardDomain: labels of letters, digits and dashes, where only the first
    /// label may be or start with "*". Returns why the host is invalid, or null.
    /// </summary>
    public static string? WildcardDomainProblem(string host)
    {
        if (host.Length == 0)
        {
            return "host must not be empty";
        }

        if (host.Length > 255)
        {
            return "host must be at most 255 characters";
        }

        var labels = host.Split('.');
        var first = labels[0];
        if (!(first == "*" || (first.StartsWith('*') && HostLabel().IsMatch(first[1..])) || HostLabel().IsMatch(first)))
        {
            return $"host label \"{first}\" is invalid: a wildcard \"*\" may only start the first label";
        }

        foreach (var label in labels.Skip(1))
        {
            if (!HostLabel().IsMatch(label))
            {
                return label.Length == 0
                    ? "host must not contain empty labels or end with a dot"
                    : $"host label \"{label}\" is invalid: labels are letters, digits and '-', at most 63 characters";
            }
        }

        return null;
    }

    /// <summary>A DNS name without wildcards, as DNS resolution needs.</summary>
    public static bool IsFqdn(string host) => !host.Contains('*') && WildcardDomainProblem(host) is null;

    /// <summary>Dotted-quad IPv4 (no leading zeros, as Go parses it) or IPv6.</summary>
    public static bool IsIp(string value)
    {
        if (value.Contains(':'))
        {
            return System.Net.IPAddress.TryParse(value, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }

        var parts = value.Split('.');
        return parts.Length == 4 && parts.All(p =>
            p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit) && (p.Length == 1 || p[0] != '0')
            && int.Parse(p, CultureInfo.InvariantCulture) <= 255);
    }

    public static bool IsCidr(string value)
    {
        var slash = value.IndexOf('/');
        if (slash < 0)
        {
            return false;
        }

        var ip = value[..slash];
        var bits = value[(slash + 1)..];
        var max = ip.Contains(':') ? 128 : 32;
        return IsIp(ip) && bits.Length is > 0 and <= 3 && bits.All(char.IsAsciiDigit)
            && int.Parse(bits, CultureInfo.InvariantCulture) <= max;
    }

    /// <summary>"unix:///path" or "unix://@abstract": Istio's unix domain socket endpoints.</summary>
    public static bool IsUnixAddress(string value) =>
        value.StartsWith(UnixPrefix, StringComparison.Ordinal) && value.Length > UnixPrefix.Length
        && (value[UnixPrefix.Length] is '/' or '@');

    /// <summary>Why a Kubernetes label key is invalid ("prefix/name", prefix a DNS subdomain), or null.</summary>
    public static string? LabelKeyProblem(string key)
    {
        var slash = key.LastIndexOf('/');
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0 && !IsDns1123Subdomain(key[..slash]))
        {
            return "label key prefix must be a DNS-1123 subdomain";
        }

        return name.Length is > 0 and <= 63 && LabelValue().IsMatch(name)
            ? null
            : "label key name must be 1-63 characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
    }

    public static bool IsLabelValue(string value) => value.Length == 0 || (value.Length <= 63 && LabelValue().IsMatch(value));

    /// <summary>An RFC 7230 token, what HTTP allows as a header name.</summary>
    public static bool IsHeaderToken(string name) => name.Length > 0 && HeaderToken().IsMatch(name);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?\\z")]
    private static partial Regex HostLabel();

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?\\z")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+\\z")]
    private static partial Regex HeaderToken();
}
