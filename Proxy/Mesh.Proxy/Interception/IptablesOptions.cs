using System.Globalization;
using System.Net;

namespace Mesh.Proxy.Interception;

/// <summary>
/// What `mesh-proxy iptables` captures, with istio-iptables' defaults: all inbound TCP except the
/// sidecar's own ports, all outbound TCP, the proxy's own traffic (uid and gid 1337) exempt.
/// </summary>
/// <param name="InboundPorts">Ports to capture inbound; "*" for all (then <paramref name="ExcludeInboundPorts"/> apply); empty for none.</param>
/// <param name="OutboundCidrs">Destinations to capture outbound; "*" for all; empty for none.</param>
public sealed record IptablesOptions(
    int ProxyUid,
    int ProxyGid,
    int OutboundPort,
    int InboundPort,
    IReadOnlyList<string> InboundPorts,
    IReadOnlyList<int> ExcludeInboundPorts,
    IReadOnlyList<string> OutboundCidrs,
    IReadOnlyList<string> ExcludeOutboundCidrs,
    IReadOnlyList<int> ExcludeOutboundPorts,
    bool DryRun,
    bool Cleanup)
{
    /// <summary>Istio's: Prometheus 15090, health 15021, pilot-agent 15020 are never redirected.</summary>
    public static readonly IReadOnlyList<int> DefaultExcludedInbound = [15090, 15021, 15020];

    public static IptablesOptions Parse(IReadOnlyList<string> args)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        bool dryRun = false, cleanup = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--dry-run" or "-n") { dryRun = true; continue; }
            if (arg is "--cleanup") { cleanup = true; continue; }
            if (!arg.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{arg}'");
            var eq = arg.IndexOf('=');
            if (eq > 0) flags[arg[2..eq]] = arg[(eq + 1)..];
            else if (i + 1 < args.Count) flags[arg[2..]] = args[++i];
            else throw new ArgumentException($"flag '{arg}' needs a value");
        }
        string Get(string flag, string fallback) => flags.Remove(flag, out var v) ? v : fallback;
        int Number(string flag, int fallback, int max)
        {
            var text = Get(flag, fallback.ToString(CultureInfo.InvariantCulture));
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= max
                ? n : throw new ArgumentException($"--{flag}: invalid value \"{text}\"");
        }
        IReadOnlyList<string> List(string flag, string fallback) =>
            Get(flag, fallback).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        IReadOnlyList<int> Ports(string flag, string fallback) =>
            [.. List(flag, fallback).Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 65535
                ? n : throw new ArgumentException($"--{flag}: invalid port \"{p}\""))];
        IReadOnlyList<string> Cidrs(string flag, string fallback)
        {
            var list = List(flag, fallback);
            foreach (var c in list)
                if (c != "*" && !IPNetwork.TryParse(c, out _) && !IPAddress.TryParse(c, out _))
                    throw new ArgumentException($"--{flag}: invalid CIDR \"{c}\"");
            return list;
        }

        var inbound = List("inbound-ports", "*");
        foreach (var p in inbound)
            if (p != "*" && !int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                throw new ArgumentException($"--inbound-ports: invalid port \"{p}\"");
        var options = new IptablesOptions(
            Number("proxy-uid", 1337, int.MaxValue),
            Number("proxy-gid", 1337, int.MaxValue),
            Number("outbound-port", 15001, 65535),
            Number("inbound-port", 15006, 65535),
            inbound,
            Ports("exclude-inbound-ports", string.Join(',', DefaultExcludedInbound)),
            Cidrs("outbound-cidrs", "*"),
            Cidrs("exclude-outbound-cidrs", ""),
            Ports("exclude-outbound-ports", ""),
            dryRun,
            cleanup);
        if (flags.Count > 0) throw new ArgumentException($"unknown flag '--{flags.Keys.First()}'");
        return options;
    }
}
