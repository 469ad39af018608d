using Envoy.Config.Route.V3;
using Google.Protobuf;

namespace Mesh.Silo.Push;

/// <summary>
/// Writes a sidecar route table (a RouteConfiguration) straight from its virtual hosts' serialized
/// bodies, at the protobuf wire level: the grains serialized each virtual host once, and a
/// repeated message field is just (tag, length, bytes) per element, so the hub copies them instead
/// of parsing them back. Only the domains (VirtualHost field 2) are read, to give each domain to the
/// first virtual host in name order that claims it, as Istio does; a virtual host that lost some
/// is rewritten field by field, one that lost all is left out. The output is what serializing the
/// equivalent RouteConfiguration message gives: name (1), virtual_hosts (2), validate_clusters (7).
/// </summary>
public static class RouteTableComposer
{
    private static readonly uint NameTag = WireFormat.MakeTag(RouteConfiguration.NameFieldNumber, WireFormat.WireType.LengthDelimited);
    private static readonly uint VirtualHostTag = WireFormat.MakeTag(RouteConfiguration.VirtualHostsFieldNumber, WireFormat.WireType.LengthDelimited);
    private static readonly uint ValidateClustersTag = WireFormat.MakeTag(RouteConfiguration.ValidateClustersFieldNumber, WireFormat.WireType.LengthDelimited);
    private static readonly uint DomainTag = WireFormat.MakeTag(VirtualHost.DomainsFieldNumber, WireFormat.WireType.LengthDelimited);

    /// <param name="name">The table's name.</param>
    /// <param name="virtualHosts">Serialized VirtualHosts, in the order that decides who keeps a shared domain (name order).</param>
    public static byte[] Compose(string name, IEnumerable<byte[]> virtualHosts)
    {
        // Domains compare as Envoy matches them: case-insensitively.
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var kept = new List<byte[]>();
        foreach (var body in virtualHosts)
        {
            var domains = DomainsOf(body);
            var remaining = domains.Where(taken.Add).ToList();
            if (remaining.Count == domains.Count) kept.Add(body);
            else if (remaining.Count > 0) kept.Add(WithDomains(body, remaining));
        }

        var size = CodedOutputStream.ComputeTagSize(RouteConfiguration.NameFieldNumber) + CodedOutputStream.ComputeStringSize(name)
            + kept.Sum(b => CodedOutputStream.ComputeTagSize(RouteConfiguration.VirtualHostsFieldNumber) + CodedOutputStream.ComputeLengthSize(b.Length) + b.Length)
            + CodedOutputStream.ComputeTagSize(RouteConfiguration.ValidateClustersFieldNumber) + CodedOutputStream.ComputeLengthSize(0);
        var table = new byte[size];
        var output = new CodedOutputStream(table);
        output.WriteTag(NameTag);
        output.WriteString(name);
        foreach (var body in kept)
        {
            output.WriteTag(VirtualHostTag);
            output.WriteBytes(UnsafeByteOperations.UnsafeWrap(body));
        }
        // Clusters arrive over CDS independently; validating would reject routes to a cluster not
        // yet seen. validate_clusters is a BoolValue: false is the wrapper with no field set, length 0.
        output.WriteTag(ValidateClustersTag);
        output.WriteLength(0);
        output.CheckNoSpaceLeft();
        return table;
    }

    /// <summary>The domains of a serialized VirtualHost, skipping every other field unread.</summary>
    public static List<string> DomainsOf(byte[] virtualHost)
    {
        var domains = new List<string>();
        var input = new CodedInputStream(virtualHost);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (tag == DomainTag) domains.Add(input.ReadString());
            else input.SkipLastField();
        }
        return domains;
    }

    /// <summary>
    /// The virtual host with only these domains: every other field copied as it is, in its place,
    /// and the domains written where the first domain was. The bodies are canonical serializations
    /// (fields in field-number order, domains contiguous after the name), so the result is the
    /// canonical serialization of the virtual host with its domains replaced.
    /// </summary>
    private static byte[] WithDomains(byte[] virtualHost, IReadOnlyList<string> domains)
    {
        var domainBytes = new byte[domains.Sum(d => CodedOutputStream.ComputeTagSize(VirtualHost.DomainsFieldNumber) + CodedOutputStream.ComputeStringSize(d))];
        var domainOutput = new CodedOutputStream(domainBytes);
        foreach (var domain in domains)
        {
            domainOutput.WriteTag(DomainTag);
            domainOutput.WriteString(domain);
        }
        domainOutput.CheckNoSpaceLeft();

        using var result = new MemoryStream(virtualHost.Length);
        var input = new CodedInputStream(virtualHost);
        var written = false;
        var start = 0;
        while (input.ReadTag() is var tag && tag != 0)
        {
            var isDomain = tag == DomainTag;
            input.SkipLastField();
            var end = (int)input.Position;
            if (!isDomain) result.Write(virtualHost, start, end - start);
            else if (!written)
            {
                result.Write(domainBytes);
                written = true;
            }
            start = end;
        }
        return result.ToArray();
    }
}
