using System.Globalization;
using System.Text;

namespace Mesh.Proxy.Interception;

/// <summary>
/// The nat rules istio-init installs, as iptables-restore input: inbound TCP to the inbound port,
/// outbound TCP to the outbound port, except what the proxy itself sends (matched by its uid or
/// gid, so its upstream connections are not captured again) and loopback traffic of the app's own.
/// IPv4 only.
/// </summary>
public static class IptablesRules
{
    public const string Inbound = "MESH_INBOUND";
    public const string InRedirect = "MESH_IN_REDIRECT";
    public const string Output = "MESH_OUTPUT";
    public const string Redirect = "MESH_REDIRECT";

    /// <summary>The chains, for <c>iptables-restore --noflush</c>: applying twice replaces, never duplicates (the chains are flushed by their declaration).</summary>
    public static string Build(IptablesOptions o)
    {
        var s = new StringBuilder();
        s.Append("*nat\n");
        foreach (var chain in new[] { Inbound, InRedirect, Output, Redirect }) s.Append(':').Append(chain).Append(" - [0:0]\n");
        Rule(s, $"-A {InRedirect} -p tcp -j REDIRECT --to-ports {N(o.InboundPort)}");
        Rule(s, $"-A {Redirect} -p tcp -j REDIRECT --to-ports {N(o.OutboundPort)}");

        if (o.InboundPorts.Count > 0)
        {
            if (o.InboundPorts.Contains("*"))
            {
                // The inbound port itself too: a peer must never reach it except by redirection.
                foreach (var port in o.ExcludeInboundPorts) Rule(s, $"-A {Inbound} -p tcp --dport {N(port)} -j RETURN");
                Rule(s, $"-A {Inbound} -p tcp -j {InRedirect}");
            }
            else
            {
                foreach (var port in o.InboundPorts) Rule(s, $"-A {Inbound} -p tcp --dport {port} -j {InRedirect}");
            }
        }

        // The app's and the proxy's traffic to loopback: the app talking to itself stays put; the proxy
        // sending to this pod's own address on lo (not 127.0.0.1) is inbound traffic and is captured as such.
        Rule(s, $"-A {Output} -s 127.0.0.6/32 -o lo -j RETURN");
        foreach (var (kind, id) in new[] { ("uid", o.ProxyUid), ("gid", o.ProxyGid) })
        {
            if (o.InboundPorts.Count > 0)
                Rule(s, $"-A {Output} ! -d 127.0.0.1/32 -o lo -p tcp -m owner --{kind}-owner {N(id)} -j {InRedirect}");
            Rule(s, $"-A {Output} -o lo -m owner ! --{kind}-owner {N(id)} -j RETURN");
            Rule(s, $"-A {Output} -m owner --{kind}-owner {N(id)} -j RETURN");
        }
        Rule(s, $"-A {Output} -d 127.0.0.1/32 -j RETURN");
        foreach (var port in o.ExcludeOutboundPorts) Rule(s, $"-A {Output} -p tcp --dport {N(port)} -j RETURN");
        foreach (var cidr in o.ExcludeOutboundCidrs) Rule(s, $"-A {Output} -d {cidr} -j RETURN");
        if (o.OutboundCidrs.Contains("*")) Rule(s, $"-A {Output} -p tcp -j {Redirect}");
        else foreach (var cidr in o.OutboundCidrs) Rule(s, $"-A {Output} -d {cidr} -p tcp -j {Redirect}");

        // Hooks last, and only once: iptables-restore --noflush appends to built-in chains.
        s.Append("COMMIT\n");
        return s.ToString();
    }

    /// <summary>The jumps from the built-in chains, checked (-C) before being added (-A) so a second run adds none.</summary>
    public static IReadOnlyList<string[]> Hooks { get; } =
    [
        ["-t", "nat", "PREROUTING", "-p", "tcp", "-j", Inbound],
        ["-t", "nat", "OUTPUT", "-p", "tcp", "-j", Output],
    ];

    /// <summary>What --cleanup runs: the hooks deleted, then the chains flushed and removed.</summary>
    public static IEnumerable<string[]> CleanupCommands()
    {
        foreach (var hook in Hooks) yield return [hook[0], hook[1], "-D", .. hook[2..]];
        foreach (var chain in new[] { Inbound, InRedirect, Output, Redirect }) yield return ["-t", "nat", "-F", chain];
        foreach (var chain in new[] { Inbound, InRedirect, Output, Redirect }) yield return ["-t", "nat", "-X", chain];
    }

    private static void Rule(StringBuilder s, string rule) => s.Append(rule).Append('\n');

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
}
